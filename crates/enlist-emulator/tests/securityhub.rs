//! Security Hub's member lifecycle, requests signed as a client signs them: creation (organization
//! accounts enabled at once), invitations and their acceptance, the reasons accounts go
//! unprocessed, the invitation quota, ListMembers' default and pages, hubs that are not enabled,
//! and Security Hub's own throttling and 5xx errors.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use enlist_emulator::{ACCESS_KEY, Config, Emulator, Faults, SECRET_KEY, app};
use serde_json::{Value, json};
use tower::ServiceExt;

/// What a call answered: status, `x-amzn-ErrorType` and the JSON body.
struct Answer {
    status: StatusCode,
    error_type: Option<String>,
    body: Value,
}

/// Sends `method path` to Security Hub in `region`, signed with the emulator's key.
async fn call(emulator: &Emulator, region: &str, method: &str, path: &str, body: Option<&Value>) -> Answer {
    send(emulator, "securityhub", region, method, path, body).await
}

/// Sends `method path` to `service` in `region`, signed with the emulator's key.
async fn send(
    emulator: &Emulator,
    service: &str,
    region: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Answer {
    let host = format!("{service}.{region}.amazonaws.com");
    let body = body.map(Value::to_string).unwrap_or_default();
    let identity = Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let headers = [("host", host.as_str()), ("content-type", "application/json")];
    let signable = SignableRequest::new(
        method,
        format!("https://{host}{path}"),
        headers.into_iter(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers.into_iter().chain(instructions.headers()) {
        request = request.header(name, value);
    }
    let response = app(emulator.clone()).oneshot(request.body(Body::from(body)).unwrap()).await.unwrap();
    let status = response.status();
    let error_type = response.headers().get("x-amzn-ErrorType").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24).await.unwrap();
    Answer { status, error_type, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
}

async fn post(emulator: &Emulator, path: &str, body: Value) -> Value {
    let answer = call(emulator, "us-east-1", "POST", path, Some(&body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    answer.body
}

async fn list(emulator: &Emulator, query: &str) -> Value {
    let answer = call(emulator, "us-east-1", "GET", &format!("/members{query}"), None).await;
    assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
    answer.body
}

fn details(ids: &[&str]) -> Value {
    let details: Vec<Value> =
        ids.iter().map(|id| json!({"AccountId": id, "Email": format!("{id}@example.com")})).collect();
    json!({"AccountDetails": details})
}

fn statuses(emulator: &Emulator) -> Vec<(String, String)> {
    emulator.securityhub_members("us-east-1").into_iter().map(|m| (m.account_id, m.status)).collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, s)| ((*a).to_owned(), (*s).to_owned())).collect()
}

#[tokio::test]
async fn members_are_created_invited_and_accept() {
    let emulator = Emulator::new(Config {
        organization: true,
        organization_accounts: vec!["444455556666".to_owned()],
        foreign_members: vec!["555566667777".to_owned()],
        acceptance_rate: 1.0,
        acceptance_delay_ms: 60_000,
        // Security Hub verifies no email: neither applies to it.
        verification_delay_ms: 3_600_000,
        failing_emails: vec!["222233334444@example.com".to_owned()],
        ..Config::default()
    });
    let created = post(
        &emulator,
        "/members",
        json!({"AccountDetails": [
            {"AccountId": "222233334444", "Email": "222233334444@example.com"},
            {"AccountId": "333344445555"},
            {"AccountId": "444455556666", "Email": "org@example.com"},
            {"AccountId": "555566667777", "Email": "taken@example.com"},
            {"AccountId": "111122223333", "Email": "admin@example.com"},
            {"AccountId": "12345", "Email": "short@example.com"},
        ]}),
    )
    .await;
    assert_eq!(
        created,
        json!({"UnprocessedAccounts": [
            {"AccountId": "555566667777", "ProcessingResult": "The request is rejected because the given account ID is already a member of another administrator account."},
            {"AccountId": "111122223333", "ProcessingResult": "The request is rejected because the current account cannot become a member of itself."},
            {"AccountId": "12345", "ProcessingResult": "The request is rejected because an invalid or out-of-range value is specified as an input parameter."},
        ]})
    );
    assert_eq!(
        statuses(&emulator),
        pairs(&[("222233334444", "Created"), ("333344445555", "Created"), ("444455556666", "Enabled")]),
        "an organization account is enabled at once"
    );
    // Creating a member again leaves it as it is, and says so.
    let again = post(&emulator, "/members", json!({"AccountDetails": [{"AccountId": "444455556666"}]})).await;
    assert_eq!(
        again,
        json!({"UnprocessedAccounts": [{"AccountId": "444455556666", "ProcessingResult": "The request is rejected because the given account ID is already a member or associated member of the current account."}]})
    );
    assert_eq!(emulator.securityhub_members("us-east-1")[2].email.as_deref(), Some("org@example.com"));

    let invited = post(
        &emulator,
        "/members/invite",
        json!({"AccountIds": ["222233334444", "333344445555", "444455556666", "999988887777"]}),
    )
    .await;
    assert_eq!(
        invited,
        json!({"UnprocessedAccounts": [
            {"AccountId": "444455556666", "ProcessingResult": "The request is rejected because the current account is already the SecurityHub master of the given member account ID."},
            {"AccountId": "999988887777", "ProcessingResult": "The request is rejected because the given account ID is not a member of the current account."},
        ]})
    );
    assert_eq!(
        statuses(&emulator),
        pairs(&[("222233334444", "Invited"), ("333344445555", "Invited"), ("444455556666", "Enabled")]),
        "invited at once: no email verification, and a failing email changes nothing"
    );
    let got =
        post(&emulator, "/members/get", json!({"AccountIds": ["222233334444", "333344445555", "999988887777"]})).await;
    let first = &got["Members"][0];
    assert_eq!(
        (&first["AccountId"], &first["Email"], &first["MemberStatus"]),
        (&json!("222233334444"), &json!("222233334444@example.com"), &json!("Invited"))
    );
    assert_eq!((&first["AdministratorId"], &first["MasterId"]), (&json!("111122223333"), &json!("111122223333")));
    assert!(first["InvitedAt"].as_str().is_some_and(|t| t.ends_with('Z')), "{first}");
    assert!(got["Members"][1].get("Email").is_none(), "no email given, none answered: {got}");
    assert_eq!(
        got["UnprocessedAccounts"],
        json!([{"AccountId": "999988887777", "ProcessingResult": "The request is rejected because the given account ID is not a member of the current account."}])
    );

    emulator.advance_clock(Duration::from_secs(59));
    assert_eq!(statuses(&emulator)[0].1, "Invited", "not yet accepted");
    emulator.advance_clock(Duration::from_secs(2));
    assert_eq!(
        statuses(&emulator),
        pairs(&[("222233334444", "Enabled"), ("333344445555", "Enabled"), ("444455556666", "Enabled")]),
        "accounts that accept become enabled"
    );
    let got = post(&emulator, "/members/get", json!({"AccountIds": ["444455556666"]})).await;
    assert!(got["Members"][0].get("InvitedAt").is_none(), "an organization account is never invited: {got}");
    let again = post(&emulator, "/members/invite", json!({"AccountIds": ["222233334444"]})).await;
    assert_eq!(again["UnprocessedAccounts"][0]["AccountId"], "222233334444", "enabled members stay enabled");

    let deleted = post(&emulator, "/members/delete", json!({"AccountIds": ["222233334444", "999988887777"]})).await;
    assert_eq!(deleted["UnprocessedAccounts"].as_array().map(Vec::len), Some(1));
    assert_eq!(deleted["UnprocessedAccounts"][0]["AccountId"], "999988887777");
    assert_eq!(emulator.securityhub_members("us-east-1").len(), 2);
    assert!(emulator.securityhub_members("eu-west-1").is_empty(), "hubs are per region");
}

#[tokio::test]
async fn invitations_follow_the_acceptance_rate_and_guardduty_keeps_verifying() {
    let emulator = Emulator::new(Config { acceptance_rate: 0.0, acceptance_delay_ms: 0, ..Config::default() });
    post(&emulator, "/members", details(&["222233334444"])).await;
    post(&emulator, "/members/invite", json!({"AccountIds": ["222233334444"]})).await;
    emulator.advance_clock(Duration::from_secs(120));
    assert_eq!(statuses(&emulator), pairs(&[("222233334444", "Invited")]), "nobody accepts at rate 0");

    // GuardDuty still verifies the email before its invitation is out.
    let emulator = Emulator::new(Config { acceptance_rate: 1.0, acceptance_delay_ms: 0, ..Config::default() });
    let path = format!("/detector/{}/member", emulator.detector_id());
    let gd = |path: String, body: Value| {
        let emulator = emulator.clone();
        async move { send(&emulator, "guardduty", "us-east-1", "POST", &path, Some(&body)).await.status }
    };
    let created =
        gd(path.clone(), json!({"accountDetails": [{"accountId": "222233334444", "email": "a@example.com"}]})).await;
    assert_eq!(created, StatusCode::OK);
    assert_eq!(gd(format!("{path}/invite"), json!({"accountIds": ["222233334444"]})).await, StatusCode::OK);
    let status = |emulator: &Emulator| emulator.guardduty_members("us-east-1")[0].status.clone();
    assert_eq!(status(&emulator), "EmailVerificationInProgress");
    emulator.advance_clock(Duration::from_secs(6));
    assert_eq!(status(&emulator), "Enabled", "verified after 5 s, then accepted");
}

#[tokio::test]
async fn the_quota_counts_invited_members_only() {
    let emulator = Emulator::new(Config {
        organization: true,
        organization_accounts: (0..51).map(|i| format!("{:012}", 900_000_000_000u64 + i)).collect(),
        ..Config::default()
    });
    let batch = |start: u64| -> Value {
        let details: Vec<Value> =
            (start..start + 50).map(|i| json!({"AccountId": format!("{:012}", 600_000_000_000 + i)})).collect();
        json!({"AccountDetails": details})
    };
    let organization: Vec<Value> =
        (0..50).map(|i| json!({"AccountId": format!("{:012}", 900_000_000_000u64 + i)})).collect();
    let taken = post(&emulator, "/members", json!({"AccountDetails": organization})).await;
    assert_eq!(taken, json!({"UnprocessedAccounts": []}), "organization accounts are not invited ones");
    for n in 0..20 {
        assert_eq!(post(&emulator, "/members", batch(n * 50)).await, json!({"UnprocessedAccounts": []}), "batch {n}");
    }
    let full = post(&emulator, "/members", batch(1_000)).await;
    let unprocessed = full["UnprocessedAccounts"].as_array().unwrap();
    assert_eq!(unprocessed.len(), 50, "1,000 invited members at most");
    assert_eq!(
        unprocessed[0]["ProcessingResult"],
        "The request is rejected because the current account cannot create anymore members since it cannot exceed the maximum number of allowed members."
    );
    let late = post(&emulator, "/members", json!({"AccountDetails": [{"AccountId": "900000000050"}]})).await;
    assert_eq!(late, json!({"UnprocessedAccounts": []}), "an organization account joins a full hub");
    assert_eq!(emulator.securityhub_members("us-east-1").len(), 1_051);
    // Existing members are members already, full hub or not.
    let again = post(&emulator, "/members", batch(0)).await;
    let reasons = again["UnprocessedAccounts"].as_array().unwrap();
    assert_eq!(reasons.len(), 50);
    assert!(reasons.iter().all(|r| r["ProcessingResult"].as_str().unwrap().contains("already a member")), "{again}");
    // Another region has its own quota.
    let other = call(&emulator, "eu-west-1", "POST", "/members", Some(&batch(1_000))).await;
    assert_eq!(other.body, json!({"UnprocessedAccounts": []}));
}

#[tokio::test]
async fn list_members_defaults_to_associated_ones_and_pages() {
    let emulator = Emulator::new(Config {
        organization: true,
        organization_accounts: vec!["200000000001".to_owned(), "200000000003".to_owned()],
        ..Config::default()
    });
    let ids = ["200000000001", "200000000002", "200000000003", "200000000004", "200000000005"];
    post(&emulator, "/members", details(&ids)).await;
    let accounts = |page: &Value| -> Vec<String> {
        page["Members"].as_array().unwrap().iter().map(|m| m["AccountId"].as_str().unwrap().to_owned()).collect()
    };
    let associated = list(&emulator, "").await;
    assert_eq!(accounts(&associated), ["200000000001", "200000000003"], "OnlyAssociated is true when absent");
    assert!(associated.get("NextToken").is_none(), "{associated}");
    assert_eq!(accounts(&list(&emulator, "?OnlyAssociated=true").await), ["200000000001", "200000000003"]);
    let all = list(&emulator, "?OnlyAssociated=false").await;
    assert_eq!(accounts(&all), ids);
    assert_eq!(all["Members"][1]["MemberStatus"], "Created");

    let mut seen = Vec::new();
    let mut query = "?OnlyAssociated=false&MaxResults=2".to_owned();
    let mut pages = 0;
    loop {
        let page = list(&emulator, &query).await;
        pages += 1;
        assert!(page["Members"].as_array().unwrap().len() <= 2);
        seen.extend(accounts(&page));
        match page["NextToken"].as_str() {
            Some(token) => query = format!("?OnlyAssociated=false&MaxResults=2&NextToken={token}"),
            None => break,
        }
    }
    assert_eq!((pages, seen), (3, ids.map(str::to_owned).to_vec()));

    for bad in ["?MaxResults=0", "?MaxResults=51", "?MaxResults=ten", "?OnlyAssociated=maybe", "?NextToken=forged"] {
        let answer = call(&emulator, "us-east-1", "GET", &format!("/members{bad}"), None).await;
        assert_eq!(
            (answer.status, answer.error_type.as_deref(), &answer.body["Code"]),
            (StatusCode::BAD_REQUEST, Some("InvalidInputException"), &json!("InvalidInputException")),
            "{bad}"
        );
        assert!(answer.body["Message"].as_str().is_some_and(|m| m.starts_with("Invalid parameter")), "{bad}");
    }
}

#[tokio::test]
async fn requests_out_of_shape_answer_invalid_input() {
    let emulator = Emulator::new(Config::default());
    let too_many: Vec<String> = (0..51).map(|i| format!("{:012}", 300_000_000_000u64 + i)).collect();
    let cases = [
        ("/members", json!({"AccountDetails": []})),
        ("/members", details(&too_many.iter().map(String::as_str).collect::<Vec<_>>())),
        ("/members", json!({})),
        ("/members", json!({"AccountDetails": [{"Email": "a@example.com"}]})),
        ("/members", json!({"AccountDetails": [{"AccountId": "222233334444", "Email": "  "}]})),
        ("/members/invite", json!({"AccountIds": []})),
        ("/members/invite", json!({"AccountIds": too_many})),
        ("/members/get", json!({"AccountIds": [222233334444u64]})),
        ("/members/delete", json!({})),
    ];
    for (path, body) in cases {
        let answer = call(&emulator, "us-east-1", "POST", path, Some(&body)).await;
        assert_eq!(
            (answer.status, answer.error_type.as_deref(), &answer.body["Code"]),
            (StatusCode::BAD_REQUEST, Some("InvalidInputException"), &json!("InvalidInputException")),
            "{path} {body}"
        );
    }
    assert!(emulator.securityhub_members("us-east-1").is_empty());
}

#[tokio::test]
async fn describe_hub_names_the_hub_unless_security_hub_is_off() {
    let emulator =
        Emulator::new(Config { security_hub_disabled_regions: vec!["eu-north-1".to_owned()], ..Config::default() });
    let hub = call(&emulator, "us-east-1", "GET", "/accounts", None).await;
    assert_eq!(hub.status, StatusCode::OK);
    assert_eq!(hub.body["HubArn"], "arn:aws:securityhub:us-east-1:111122223333:hub/default");
    assert_eq!(hub.body["HubArn"], emulator.hub_arn("us-east-1"));
    assert_eq!(
        (&hub.body["AutoEnableControls"], &hub.body["ControlFindingGenerator"]),
        (&json!(true), &json!("SECURITY_CONTROL"))
    );
    assert!(hub.body["SubscribedAt"].as_str().is_some_and(|t| t.ends_with('Z')));
    let named = call(
        &emulator,
        "us-east-1",
        "GET",
        "/accounts?HubArn=arn%3Aaws%3Asecurityhub%3Aus-east-1%3A111122223333%3Ahub%2Fdefault",
        None,
    )
    .await;
    assert_eq!(named.body, hub.body, "its own ARN, percent-encoded");
    let other = call(
        &emulator,
        "us-east-1",
        "GET",
        "/accounts?HubArn=arn%3Aaws%3Asecurityhub%3Aus-east-1%3A999988887777%3Ahub%2Fdefault",
        None,
    )
    .await;
    assert_eq!((other.status, other.error_type.as_deref()), (StatusCode::NOT_FOUND, Some("ResourceNotFoundException")));

    for (method, path, body) in [
        ("GET", "/accounts", None),
        ("POST", "/members", Some(details(&["222233334444"]))),
        ("GET", "/members", None),
        ("POST", "/members/invite", Some(json!({"AccountIds": ["222233334444"]}))),
    ] {
        let answer = call(&emulator, "eu-north-1", method, path, body.as_ref()).await;
        assert_eq!(
            (answer.status, answer.error_type.as_deref(), answer.body),
            (
                StatusCode::UNAUTHORIZED,
                Some("InvalidAccessException"),
                json!({"Code": "InvalidAccessException", "Message": "Account 111122223333 is not subscribed to AWS Security Hub"})
            ),
            "{method} {path}"
        );
    }
    assert!(emulator.securityhub_members("eu-north-1").is_empty());
    // A region nobody enabled answers as for the other services.
    let answer = call(&emulator, "af-south-1", "GET", "/accounts", None).await;
    assert_eq!(
        (answer.status, answer.error_type.as_deref()),
        (StatusCode::FORBIDDEN, Some("UnrecognizedClientException"))
    );
}

#[tokio::test]
async fn faults_answer_as_security_hub_does() {
    let emulator = Emulator::new(Config::default());
    emulator.set_faults(Faults { throttle_rate: 1.0, ..Faults::default() });
    let answer = call(&emulator, "us-east-1", "GET", "/members", None).await;
    assert_eq!(
        (answer.status, answer.error_type.as_deref(), &answer.body["Code"]),
        (StatusCode::TOO_MANY_REQUESTS, Some("LimitExceededException"), &json!("LimitExceededException"))
    );
    emulator.set_faults(Faults { error_rate: 1.0, ..Faults::default() });
    let answer = call(&emulator, "us-east-1", "GET", "/members", None).await;
    assert_eq!(
        (answer.status, answer.error_type.as_deref(), &answer.body["Code"]),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("InternalException"), &json!("InternalException"))
    );
    // The rate limit is per service and region.
    emulator.set_faults(Faults { rate_per_region: 2.0, ..Faults::default() });
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(call(&emulator, "us-east-1", "GET", "/members", None).await.status);
    }
    assert_eq!(statuses[..2], [StatusCode::OK, StatusCode::OK]);
    assert!(statuses[2..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    assert_eq!(call(&emulator, "eu-west-1", "GET", "/members", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_state_endpoint_lists_security_hub_members() {
    let emulator = Emulator::new(Config::default());
    let created = call(&emulator, "ap-southeast-2", "POST", "/members", Some(&details(&["222233334444"]))).await;
    assert_eq!(created.status, StatusCode::OK);
    let request = Request::builder().uri("/_emulator/state").body(Body::empty()).unwrap();
    let response = app(emulator.clone()).oneshot(request).await.unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    let state: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        state,
        json!({"ap-southeast-2": {
            "guardduty": [],
            "detective": [],
            "securityhub": [{"accountId": "222233334444", "email": "222233334444@example.com", "status": "Created"}],
        }}),
        "a region with Security Hub members only is listed"
    );
}
