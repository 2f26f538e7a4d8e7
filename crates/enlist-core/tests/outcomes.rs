//! Snapshots of what goes on the wire and what comes back as outcomes and exports, for
//! representative answers of both services.

use enlist_core::engine::{Action, Run, RunConfig};
use enlist_core::export::{results_csv, results_json, retry_list};
use enlist_core::wire::Response;
use enlist_core::{DetectiveOptions, Options, Target, parse};
use serde_json::json;

const GRAPH: &str = "arn:aws:detective:us-east-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899";
const INPUT: &str = "Account ID,Email\n111122223333,admin@example.com\n222233334444,member@example.com\n333344445555,other-admin@example.com\n444455556666,full@example.com\n555566667777,new@example.com\n11112222333,broken@example.com\n=cmd|' /C calc'!A0,evil@example.com\n";

fn guardduty() -> Target {
    Target::GuardDuty {
        region: "us-east-1".parse().unwrap(),
        detector_id: "12abc34d567e8fa901bc2d34e56789f0".parse().unwrap(),
    }
}

fn detective(options: DetectiveOptions) -> Target {
    Target::Detective { region: "us-east-1".parse().unwrap(), graph_arn: GRAPH.parse().unwrap(), options }
}

/// Sends the single batch of a one-target run and answers it with `response`.
fn answered(target: Target, response: &Response) -> (Run, String) {
    let parsed = parse(INPUT, &Options::default());
    let mut run = Run::new(INPUT, &parsed, vec![target], RunConfig::default()).unwrap();
    let actions = run.poll(0);
    let Some(Action::Send { key, request, .. }) = actions.into_iter().next() else { panic!("expected a send") };
    let body: serde_json::Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
    let wire = format!(
        "{} {}\n{}\n{}",
        request.method.as_str(),
        request.path_and_query(),
        request.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("\n"),
        serde_json::to_string_pretty(&body).unwrap()
    );
    run.on_response(key, response, 10);
    assert_eq!(run.poll(10), [Action::Done]);
    (run, wire)
}

fn table(run: &Run) -> String {
    run.cells()
        .map(|v| format!("{} {:<24} {}\n", v.account.id(), v.cell.outcome.label(), v.cell.outcome.detail()))
        .collect()
}

#[test]
fn guardduty_request_and_outcomes() {
    let response = Response {
        status: 200,
        headers: vec![("x-amzn-RequestId".into(), "8d2f-gd".into())],
        body: json!({"unprocessedAccounts": [
            {"accountId": "111122223333", "result": "The request is rejected because the current account cannot become a member of itself."},
            {"accountId": "222233334444", "result": "The request is rejected because the input account is already a member or associated member of the current account."},
            {"accountId": "333344445555", "result": "The request is rejected because the input account is already a member of another administrator account."},
            {"accountId": "444455556666", "result": "The request is rejected because the current account cannot create more members."},
        ]})
        .to_string(),
    };
    let (run, wire) = answered(guardduty(), &response);
    insta::assert_snapshot!("guardduty_request", wire);
    insta::assert_snapshot!("guardduty_outcomes", table(&run));
    insta::assert_snapshot!("guardduty_results_csv", results_csv(&run));
    insta::assert_snapshot!("guardduty_retry_list", retry_list(&run));
}

#[test]
fn detective_request_and_outcomes() {
    let options = DetectiveOptions {
        message: Some("Please join the security team's behavior graph".into()),
        disable_email_notification: true,
        organization_mode: false,
    };
    let member = |id: &str, status: &str, reason: Option<&str>| json!({"AccountId": id, "EmailAddress": "x@example.com", "GraphArn": GRAPH, "Status": status, "DisabledReason": reason, "InvitationType": "INVITATION", "InvitedTime": "2026-11-22T10:00:00Z", "UpdatedTime": 1790000000000u64});
    let response = Response {
        status: 200,
        headers: vec![("x-amzn-RequestId".into(), "77aa-det".into())],
        body: json!({
            "Members": [
                member("222233334444", "VERIFICATION_IN_PROGRESS", None),
                member("333344445555", "ENABLED", None),
                member("444455556666", "ACCEPTED_BUT_DISABLED", Some("VOLUME_TOO_HIGH")),
                member("555566667777", "VERIFICATION_FAILED", None),
            ],
            "UnprocessedAccounts": [{"AccountId": "111122223333", "Reason": "The account is already invited"}],
        })
        .to_string(),
    };
    let (run, wire) = answered(detective(options), &response);
    insta::assert_snapshot!("detective_request", wire);
    insta::assert_snapshot!("detective_outcomes", table(&run));
    insta::assert_snapshot!("detective_results_json", results_json(&run));
    insta::assert_snapshot!("detective_retry_list", retry_list(&run));
}

#[test]
fn detective_organization_request() {
    let ok = Response { status: 200, headers: vec![], body: r#"{"Members":[],"UnprocessedAccounts":[]}"#.into() };
    let (run, wire) = answered(detective(DetectiveOptions { organization_mode: true, ..Default::default() }), &ok);
    insta::assert_snapshot!("detective_organization_request", wire);
    assert!(
        run.cells().all(|v| v.cell.outcome.label() == "unprocessed"),
        "accounts Detective says nothing about are not counted as members"
    );
}

#[test]
fn a_failed_batch_in_the_exports() {
    let denied = Response {
        status: 403,
        headers: vec![
            ("x-amzn-ErrorType".into(), "UnrecognizedClientException".into()),
            ("x-amzn-RequestId".into(), "req-403".into()),
        ],
        body: r#"{"message":"The security token included in the request is invalid."}"#.into(),
    };
    let (run, _) = answered(guardduty(), &denied);
    insta::assert_snapshot!("failed_results_csv", results_csv(&run));
    insta::assert_snapshot!("failed_retry_list", retry_list(&run));
}
