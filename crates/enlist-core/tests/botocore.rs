//! Cross-checks the wire codecs against botocore, the reference client: the same inputs must give
//! the same method, path, query and JSON body, and the same error responses the same code,
//! message and request ID. botocore runs offline (`cargo xtask ci` installs it from PyPI).

use std::io::Write;
use std::process::{Command, Stdio};

use enlist_core::wire::{self, Request, Response};
use enlist_core::{AccountId, GraphArn, HubArn, Invitation, Options, Region, Target, parse};
use serde_json::{Value, json};

const GRAPH: &str = "arn:aws:detective:us-east-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899";

fn botocore(cases: &Value) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/botocore/crosscheck.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 must be installed to cross-check against botocore");
    child.stdin.take().unwrap().write_all(cases.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "botocore cross-check failed (install it with `python3 -m pip install botocore`; `cargo xtask ci` does):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn ours(request: &Request) -> Value {
    json!({
        "method": request.method.as_str(),
        "path": request.path,
        "query": request.query.iter().map(|(k, v)| (k.clone(), Value::from(v.clone()))).collect::<serde_json::Map<_, _>>(),
        "contentType": request.headers.iter().find(|(k, _)| k == "Content-Type").map(|(_, v)| v.clone()),
        "body": request.body.as_deref().map(|b| serde_json::from_str::<Value>(b).unwrap()),
    })
}

#[test]
fn requests_match_botocore() {
    let parsed = parse(
        "111122223333,ops@example.com\n012345678901,sec+tag@sub.example.co.uk\n999988887777,josé@example.com\n",
        &Options::default(),
    );
    let gd_accounts: Vec<_> = parsed.accounts.iter().take(2).cloned().collect();
    let accounts = parsed.accounts.to_vec();
    let region: Region = "eu-central-1".parse().unwrap();
    let graph: GraphArn = GRAPH.parse().unwrap();
    let guardduty =
        Target::guardduty(region.clone(), "12abc34d567e8fa901bc2d34e56789f0".parse().unwrap(), Invitation::default())
            .unwrap();
    let graph_here: GraphArn = GRAPH.replace("us-east-1", "eu-central-1").parse().unwrap();
    let with_message = Invitation::new(Some("Join our \"security\" graph ✓"), true);
    let detective = |invitation: Invitation, organization: bool| {
        Target::detective(region.clone(), graph_here.clone(), invitation, organization).unwrap()
    };
    let inviting =
        Target::guardduty(region.clone(), "12abc34d567e8fa901bc2d34e56789f0".parse().unwrap(), with_message.clone())
            .unwrap();
    let ids: Vec<AccountId> = accounts.iter().map(|a| a.id()).collect();
    let id_strings: Vec<String> = ids.iter().map(AccountId::to_string).collect();
    let account_details = |accounts: &[enlist_core::Account]| -> Vec<Value> {
        accounts.iter().map(|a| json!({"AccountId": a.id().to_string(), "Email": a.email().unwrap()})).collect()
    };
    let detective_accounts = |accounts: &[enlist_core::Account], emails: bool| -> Vec<Value> {
        accounts
            .iter()
            .map(|a| {
                if emails {
                    json!({"AccountId": a.id().to_string(), "EmailAddress": a.email().unwrap()})
                } else {
                    json!({"AccountId": a.id().to_string()})
                }
            })
            .collect()
    };
    let hub: HubArn = "arn:aws:securityhub:eu-central-1:111122223333:hub/default".parse().unwrap();
    let security_hub = Target::security_hub(region.clone(), hub).unwrap();
    let no_email = parse(
        "222233334444\n",
        &Options { services: enlist_core::Services::only(enlist_core::Service::SecurityHub), ..Options::default() },
    );
    let mut hub_accounts = accounts.clone();
    hub_accounts.extend(no_email.accounts.iter().cloned());
    let hub_details: Vec<Value> = hub_accounts
        .iter()
        .map(|a| match a.email() {
            Some(email) => json!({"AccountId": a.id().to_string(), "Email": email}),
            None => json!({"AccountId": a.id().to_string()}),
        })
        .collect();
    let cases: Vec<(Request, Value)> = vec![
        (
            wire::create_members(&security_hub, &hub_accounts),
            json!({"service": "securityhub", "operation": "CreateMembers", "params": {"AccountDetails": hub_details}}),
        ),
        (
            wire::invite_members(&security_hub, ids.clone()).unwrap(),
            json!({"service": "securityhub", "operation": "InviteMembers", "params": {"AccountIds": id_strings}}),
        ),
        (
            wire::get_members(&security_hub, ids.clone()),
            json!({"service": "securityhub", "operation": "GetMembers", "params": {"AccountIds": id_strings}}),
        ),
        (
            wire::list_security_hub_members(&region, Some(50), Some("page 2/+=")),
            json!({"service": "securityhub", "operation": "ListMembers", "params": {"OnlyAssociated": false, "MaxResults": 50, "NextToken": "page 2/+="}}),
        ),
        (
            wire::list_security_hub_members(&region, None, None),
            json!({"service": "securityhub", "operation": "ListMembers", "params": {"OnlyAssociated": false}}),
        ),
        (wire::describe_hub(&region), json!({"service": "securityhub", "operation": "DescribeHub", "params": {}})),
        (
            wire::create_members(&guardduty, &gd_accounts),
            json!({"service": "guardduty", "operation": "CreateMembers", "params": {"DetectorId": "12abc34d567e8fa901bc2d34e56789f0", "AccountDetails": account_details(&gd_accounts)}}),
        ),
        (
            wire::create_members(&detective(with_message.clone(), false), &accounts),
            json!({"service": "detective", "operation": "CreateMembers", "params": {"GraphArn": graph_here.as_str(), "Message": with_message.message, "DisableEmailNotification": true, "Accounts": detective_accounts(&accounts, true)}}),
        ),
        (
            wire::create_members(&detective(with_message.clone(), true), &accounts),
            json!({"service": "detective", "operation": "CreateMembers", "validate": false, "params": {"GraphArn": graph_here.as_str(), "DisableEmailNotification": false, "Accounts": detective_accounts(&accounts, false)}}),
        ),
        (
            wire::get_members(&guardduty, ids.clone()),
            json!({"service": "guardduty", "operation": "GetMembers", "params": {"DetectorId": "12abc34d567e8fa901bc2d34e56789f0", "AccountIds": id_strings}}),
        ),
        (
            wire::invite_members(&inviting, ids.clone()).unwrap(),
            json!({"service": "guardduty", "operation": "InviteMembers", "params": {"DetectorId": "12abc34d567e8fa901bc2d34e56789f0", "AccountIds": id_strings, "DisableEmailNotification": true, "Message": with_message.message}}),
        ),
        (
            wire::delete_members(&guardduty, ids.clone()).unwrap(),
            json!({"service": "guardduty", "operation": "DeleteMembers", "params": {"DetectorId": "12abc34d567e8fa901bc2d34e56789f0", "AccountIds": id_strings}}),
        ),
        (
            wire::get_members(&detective(Invitation::default(), false), ids.clone()),
            json!({"service": "detective", "operation": "GetMembers", "params": {"GraphArn": graph_here.as_str(), "AccountIds": id_strings}}),
        ),
        (
            wire::delete_members(&detective(Invitation::default(), false), ids.clone()).unwrap(),
            json!({"service": "detective", "operation": "DeleteMembers", "params": {"GraphArn": graph_here.as_str(), "AccountIds": id_strings}}),
        ),
        (
            wire::list_detectors(&region, None, None),
            json!({"service": "guardduty", "operation": "ListDetectors", "params": {}}),
        ),
        (
            wire::list_detectors(&region, Some(50), Some("page 2/+=")),
            json!({"service": "guardduty", "operation": "ListDetectors", "params": {"MaxResults": 50, "NextToken": "page 2/+="}}),
        ),
        (
            wire::list_guardduty_members(&region, &"a-b_c".parse().unwrap(), Some(50), Some("t")),
            json!({"service": "guardduty", "operation": "ListMembers", "params": {"DetectorId": "a-b_c", "MaxResults": 50, "NextToken": "t", "OnlyAssociated": "false"}}),
        ),
        (
            wire::list_graphs(&region, None, None),
            json!({"service": "detective", "operation": "ListGraphs", "params": {}}),
        ),
        (
            wire::list_graphs(&region, Some(200), Some("next")),
            json!({"service": "detective", "operation": "ListGraphs", "params": {"MaxResults": 200, "NextToken": "next"}}),
        ),
        (
            wire::list_detective_members(&region, &graph, Some(100), None),
            json!({"service": "detective", "operation": "ListMembers", "params": {"GraphArn": GRAPH, "MaxResults": 100}}),
        ),
    ];
    let reference =
        botocore(&json!({"requests": cases.iter().map(|(_, c)| c.clone()).collect::<Vec<_>>(), "errors": []}));
    for (i, (request, case)) in cases.iter().enumerate() {
        assert_eq!(ours(request), reference["requests"][i], "{case}");
    }
}

#[test]
fn error_decoding_matches_botocore() {
    let h = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<Vec<_>>();
    let mut cases: Vec<(&str, &str, Response)> = vec![
        // A real GuardDuty 400: the header names the type, the body's __type another.
        (
            "guardduty",
            "CreateMembers",
            Response {
                status: 400,
                headers: h(&[("x-amzn-ErrorType", "BadRequestException"), ("x-amzn-RequestId", "req-1")]),
                body: r#"{"message":"The request is rejected","__type":"InvalidInputException"}"#.into(),
            },
        ),
        (
            "guardduty",
            "CreateMembers",
            Response {
                status: 400,
                headers: h(&[("X-Amzn-ErrorType", "BadRequestException:http://internal.amazon.com/coral/")]),
                body: "{}".into(),
            },
        ),
        (
            "detective",
            "CreateMembers",
            Response {
                status: 402,
                headers: h(&[]),
                body: r#"{"Message":"quota","__type":"com.amazonaws.detective#ServiceQuotaExceededException"}"#.into(),
            },
        ),
        (
            "detective",
            "CreateMembers",
            Response {
                status: 403,
                headers: h(&[]),
                body: r#"{"code":"AccessDeniedException","Message":"denied"}"#.into(),
            },
        ),
        (
            "detective",
            "CreateMembers",
            Response {
                status: 400,
                headers: h(&[]),
                body: r#"{"Code":"aws.protocoltests#ValidationException:extra","message":"m"}"#.into(),
            },
        ),
        ("guardduty", "ListDetectors", Response { status: 503, headers: h(&[]), body: "Service Unavailable".into() }),
        ("guardduty", "ListDetectors", Response { status: 500, headers: h(&[]), body: String::new() }),
        (
            "guardduty",
            "ListDetectors",
            Response { status: 502, headers: h(&[]), body: "  <html><body>Bad Gateway</body></html>".into() },
        ),
        (
            "guardduty",
            "ListDetectors",
            Response { status: 504, headers: h(&[]), body: "{\"message\":\"upstream\"}".into() },
        ),
        (
            "guardduty",
            "CreateMembers",
            Response {
                status: 429,
                headers: h(&[("x-amzn-requestid", "abc")]),
                body: r#"{"__type":"TooManyRequestsException"}"#.into(),
            },
        ),
    ];
    cases.extend([
        // Security Hub: `Code` in the body, the status from its model.
        (
            "securityhub",
            "DescribeHub",
            Response {
                status: 401,
                headers: h(&[("x-amzn-ErrorType", "InvalidAccessException"), ("x-amzn-RequestId", "sh-1")]),
                body: r#"{"Message":"Account 111122223333 is not subscribed to AWS Security Hub","Code":"InvalidAccessException"}"#.into(),
            },
        ),
        (
            "securityhub",
            "CreateMembers",
            Response {
                status: 429,
                headers: h(&[]),
                body: r#"{"Message":"Rate exceeded","Code":"LimitExceededException"}"#.into(),
            },
        ),
        (
            "securityhub",
            "InviteMembers",
            Response {
                status: 400,
                headers: h(&[("x-amzn-ErrorType", "InvalidInputException:http://internal.amazon.com/coral/")]),
                body: r#"{"Message":"Invalid input","Code":"InvalidInputException"}"#.into(),
            },
        ),
    ]);
    let reference = botocore(&json!({
        "requests": [],
        "errors": cases.iter().map(|(service, operation, r)| json!({"service": service, "operation": operation, "status": r.status, "headers": r.headers, "body": r.body})).collect::<Vec<_>>(),
    }));
    for (i, (_, _, response)) in cases.iter().enumerate() {
        let error = wire::decode_error(response);
        let theirs = &reference["errors"][i];
        assert_eq!(
            json!({"code": error.code, "message": error.message, "requestId": error.request_id}),
            *theirs,
            "{response:?}"
        );
    }
}
