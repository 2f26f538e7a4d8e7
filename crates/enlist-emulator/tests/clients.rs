//! Real clients nobody here wrote, against the emulator on loopback: boto3 (and so botocore's
//! serializers, signer and parsers) and the AWS CLI run every operation of GuardDuty, Detective
//! and Security Hub, and the error cases.

use std::process::Command;

use enlist_emulator::{ACCESS_KEY, Config, Emulator, Faults, SECRET_KEY, app};
use serde_json::{Value, json};

/// Serves the emulator on a loopback port for the life of the returned runtime.
fn serve(emulator: Emulator) -> (tokio::runtime::Runtime, String) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap();
    runtime.spawn(async move { axum::serve(listener, app(emulator)).await });
    (runtime, format!("http://{address}"))
}

#[test]
fn boto3_runs_every_operation_against_the_emulator() {
    let emulator = Emulator::new(Config {
        verification_delay_ms: 0,
        failing_emails: vec!["wrong@example.com".to_owned()],
        organization: true,
        organization_accounts: vec!["444455556666".to_owned()],
        ..Config::default()
    });
    let (_runtime, endpoint) = serve(emulator.clone());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/boto3_check.py");
    let output =
        Command::new("python3").args([script, &endpoint, ACCESS_KEY, SECRET_KEY]).output().expect("python3 runs");
    assert!(
        output.status.success(),
        "boto3 failed (install it with `python3 -m pip install boto3`; `cargo xtask ci` does):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(out["detector"], emulator.detector_id());
    assert_eq!(
        out["gd_unprocessed"],
        json!([{"AccountId": "111122223333", "Result": "The request is rejected because the current account cannot become a member of itself."}])
    );
    assert_eq!(
        out["gd_again"],
        json!([
            "The request is rejected because the input account is already a member or associated member of the current account."
        ])
    );
    assert_eq!(out["gd_members"], json!([["222233334444", "Created"], ["333344445555", "Created"]]));
    assert_eq!(out["gd_invite"], json!([]));
    assert_eq!(out["gd_get"], json!([["222233334444", "Invited"]]));
    assert_eq!(out["gd_lifecycle"], json!([["444455556666", "Enabled"], ["555566667777", "EmailVerificationFailed"]]));
    assert_eq!(out["gd_get_unprocessed"], json!(["999988887777"]));
    assert_eq!(
        out["gd_delete"],
        json!([{"AccountId": "999988887777", "Result": "The request is rejected because the input account ID is not a member of the current account."}])
    );
    assert_eq!(out["gd_after_delete"], json!(["222233334444", "333344445555", "444455556666"]));
    assert_eq!(out["gd_wrong_detector"], json!(["BadRequestException", 400]));
    assert_eq!(out["graph"], emulator.graph_arn("us-east-1"));
    assert_eq!(out["det_members"], json!([["222233334444", "VERIFICATION_IN_PROGRESS"]]));
    assert_eq!(out["det_unprocessed"], json!(["The account is the administrator account of the behavior graph."]));
    assert_eq!(out["det_list"], json!([["222233334444", "INVITED"]]), "verification takes no time here");
    assert_eq!(out["det_get_unprocessed"], json!(["999988887777"]));
    assert_eq!(out["det_get"], json!([["222233334444", "INVITED"]]));
    assert_eq!(out["det_delete"], json!([["222233334444"], ["999988887777"]]));
    assert_eq!(out["det_unknown_graph"], json!(["ResourceNotFoundException", 404]));
    assert_eq!(out["disabled_region"], json!(["UnrecognizedClientException", 403]));
    assert_eq!(out["wrong_secret"], json!(["InvalidSignatureException", 403]));
    assert!(emulator.detective_members("us-east-1").is_empty(), "deleted");
}

#[test]
fn verification_and_acceptance_take_their_time() {
    let emulator = Emulator::new(Config {
        // Long enough that AWS CLI calls on a loaded machine never outlast it.
        verification_delay_ms: 30_000,
        acceptance_rate: 1.0,
        acceptance_delay_ms: 60_000,
        failing_emails: vec!["wrong@example.com".to_owned()],
        ..Config::default()
    });
    let (_runtime, endpoint) = serve(emulator.clone());
    let create = |accounts: &str| {
        aws(
            &endpoint,
            &["detective", "create-members", "--graph-arn", &emulator.graph_arn("us-east-1"), "--accounts", accounts],
        )
    };
    let (code, out, err) = create("AccountId=222233334444,EmailAddress=ok@example.com");
    assert_eq!((code, out["Members"][0]["Status"].as_str()), (0, Some("VERIFICATION_IN_PROGRESS")), "{err}");
    assert_eq!(create("AccountId=333344445555,EmailAddress=wrong@example.com").0, 0);
    let statuses =
        |emulator: &Emulator| emulator.detective_members("us-east-1").into_iter().map(|m| m.status).collect::<Vec<_>>();
    assert_eq!(statuses(&emulator), ["VERIFICATION_IN_PROGRESS", "VERIFICATION_IN_PROGRESS"]);
    emulator.advance_clock(std::time::Duration::from_secs(31));
    assert_eq!(statuses(&emulator), ["INVITED", "VERIFICATION_FAILED"]);
    emulator.advance_clock(std::time::Duration::from_secs(61));
    assert_eq!(statuses(&emulator), ["ENABLED", "VERIFICATION_FAILED"], "accounts that accept become enabled");
    let detector = emulator.detector_id();
    let (code, _, err) = aws(
        &endpoint,
        &[
            "guardduty",
            "create-members",
            "--detector-id",
            &detector,
            "--account-details",
            "AccountId=444455556666,Email=gd@example.com",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = aws(
        &endpoint,
        &[
            "guardduty",
            "invite-members",
            "--detector-id",
            &detector,
            "--account-ids",
            "444455556666",
            "--message",
            "hello",
            "--disable-email-notification",
        ],
    );
    assert_eq!((code, &out["UnprocessedAccounts"]), (0, &json!([])), "{err}");
    let (code, out, err) =
        aws(&endpoint, &["guardduty", "get-members", "--detector-id", &detector, "--account-ids", "444455556666"]);
    assert_eq!(
        (code, out["Members"][0]["RelationshipStatus"].as_str()),
        (0, Some("EmailVerificationInProgress")),
        "{err}"
    );
    emulator.advance_clock(std::time::Duration::from_secs(31));
    let (_, out, _) =
        aws(&endpoint, &["guardduty", "get-members", "--detector-id", &detector, "--account-ids", "444455556666"]);
    assert_eq!(out["Members"][0]["RelationshipStatus"], "Invited");
    let (code, out, err) =
        aws(&endpoint, &["guardduty", "delete-members", "--detector-id", &detector, "--account-ids", "444455556666"]);
    assert_eq!((code, &out["UnprocessedAccounts"]), (0, &json!([])), "{err}");
    let (code, out, err) = aws(
        &endpoint,
        &["detective", "get-members", "--graph-arn", &emulator.graph_arn("us-east-1"), "--account-ids", "333344445555"],
    );
    assert_eq!((code, out["MemberDetails"][0]["Status"].as_str()), (0, Some("VERIFICATION_FAILED")), "{err}");
    let (code, out, err) = aws(
        &endpoint,
        &[
            "detective",
            "delete-members",
            "--graph-arn",
            &emulator.graph_arn("us-east-1"),
            "--account-ids",
            "333344445555",
        ],
    );
    assert_eq!((code, &out["AccountIds"]), (0, &json!(["333344445555"])), "{err}");
}

/// `aws ARGS…` against the emulator, as a user would type it.
fn aws(endpoint: &str, args: &[&str]) -> (i32, Value, String) {
    aws_in(endpoint, "us-east-1", args)
}

/// `aws ARGS… --region REGION` against the emulator.
fn aws_in(endpoint: &str, region: &str, args: &[&str]) -> (i32, Value, String) {
    let output = Command::new("aws")
        .args(args)
        .args(["--endpoint-url", endpoint, "--region", region, "--output", "json"])
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .expect("the AWS CLI runs (`python3 -m pip install awscli`; `cargo xtask ci` installs it)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    (
        output.status.code().unwrap_or(-1),
        serde_json::from_str(&stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_aws_cli_runs_against_the_emulator() {
    let emulator = Emulator::new(Config::default());
    let (_runtime, endpoint) = serve(emulator.clone());
    let (code, out, err) = aws(&endpoint, &["guardduty", "list-detectors"]);
    assert_eq!((code, &out), (0, &json!({"DetectorIds": [emulator.detector_id()]})), "{err}");
    let detector = emulator.detector_id();
    let (code, out, err) = aws(
        &endpoint,
        &[
            "guardduty",
            "create-members",
            "--detector-id",
            &detector,
            "--account-details",
            "AccountId=111122223333,Email=a@example.com",
            "AccountId=222233334444,Email=b@example.com",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out["UnprocessedAccounts"][0]["Result"],
        "The request is rejected because the current account cannot become a member of itself."
    );
    let (code, out, _) =
        aws(&endpoint, &["guardduty", "list-members", "--detector-id", &detector, "--only-associated", "false"]);
    assert_eq!((code, out["Members"][0]["AccountId"].as_str()), (0, Some("222233334444")));
    let (code, _, err) = aws(
        &endpoint,
        &[
            "guardduty",
            "create-members",
            "--detector-id",
            "nope",
            "--account-details",
            "AccountId=222233334444,Email=b@example.com",
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("(BadRequestException)") && err.contains("is not owned by the current account"), "{err}");
    // botocore leaves Detective's `api.` host prefix off an explicit endpoint URL.
    let (code, out, err) = aws(&endpoint, &["detective", "list-graphs"]);
    assert_eq!(
        (code, out["GraphList"][0]["Arn"].as_str()),
        (0, Some(emulator.graph_arn("us-east-1").as_str())),
        "{err}"
    );
}

#[test]
fn boto3_runs_security_hub_against_the_emulator() {
    let emulator = Emulator::new(Config {
        organization: true,
        organization_accounts: vec!["444455556666".to_owned()],
        security_hub_disabled_regions: vec!["eu-north-1".to_owned()],
        ..Config::default()
    });
    let (_runtime, endpoint) = serve(emulator.clone());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/securityhub_check.py");
    let output =
        Command::new("python3").args([script, &endpoint, ACCESS_KEY, SECRET_KEY]).output().expect("python3 runs");
    assert!(
        output.status.success(),
        "boto3 failed (install it with `python3 -m pip install boto3`; `cargo xtask ci` does):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        out["hub"],
        json!({
            "HubArn": "arn:aws:securityhub:us-east-1:111122223333:hub/default",
            "SubscribedAt": "2024-01-15T08:00:00.000Z",
            "AutoEnableControls": true,
            "ControlFindingGenerator": "SECURITY_CONTROL",
        })
    );
    assert_eq!(out["hub_named"], emulator.hub_arn("us-east-1"));
    assert_eq!(
        out["created_unprocessed"],
        json!([
            {"AccountId": "111122223333", "ProcessingResult": "The request is rejected because the current account cannot become a member of itself."},
            {"AccountId": "1234", "ProcessingResult": "The request is rejected because an invalid or out-of-range value is specified as an input parameter."},
        ])
    );
    assert_eq!(
        out["created_again"],
        json!([{"AccountId": "222233334444", "ProcessingResult": "The request is rejected because the given account ID is already a member or associated member of the current account."}]),
        "a member created again is left as it is, and said so"
    );
    assert_eq!(
        out["invited_unprocessed"],
        json!([
            {"AccountId": "444455556666", "ProcessingResult": "The request is rejected because the current account is already the SecurityHub master of the given member account ID."},
            {"AccountId": "999988887777", "ProcessingResult": "The request is rejected because the given account ID is not a member of the current account."},
        ])
    );
    assert_eq!(
        out["get"],
        json!([["222233334444", "Invited"], ["333344445555", "Invited"], ["444455556666", "Enabled"]])
    );
    assert_eq!(out["get_unprocessed"][0]["AccountId"], "999988887777");
    assert_eq!(
        out["get_first"],
        json!({"Email": "member@example.com", "AdministratorId": "111122223333", "MasterId": "111122223333", "InvitedAt": "datetime", "UpdatedAt": "datetime"})
    );
    assert_eq!((&out["get_without_email"], &out["get_organization_invited_at"]), (&json!(false), &json!(false)));
    assert_eq!(out["list_default"], json!([["444455556666", "Enabled"]]), "OnlyAssociated is true when absent");
    assert_eq!(out["list_associated"], out["list_default"]);
    assert_eq!(
        out["list_all"],
        json!([
            ["222233334444", "Invited"],
            ["333344445555", "Invited"],
            ["444455556666", "Enabled"],
            ["555566667777", "Created"]
        ])
    );
    assert_eq!(out["list_first_page"], json!([[["222233334444", "Invited"], ["333344445555", "Invited"]], true]));
    assert_eq!(out["list_pages"], json!([["222233334444", "333344445555"], ["444455556666", "555566667777"]]));
    assert_eq!(out["list_bad_max"], json!(["InvalidInputException", 400]));
    assert_eq!(out["delete_unprocessed"], json!(["999988887777"]));
    assert_eq!(out["after_delete"], json!(["222233334444", "333344445555", "444455556666"]));
    assert_eq!(
        out["hub_disabled"],
        json!(["InvalidAccessException", 401, "Account 111122223333 is not subscribed to AWS Security Hub"])
    );
    assert_eq!(out["hub_disabled_members"], json!(["InvalidAccessException", 401]));
    assert_eq!(out["region_disabled"], json!(["UnrecognizedClientException", 403]));
    assert_eq!(out["throttled"], json!(["LimitExceededException", 429]));
    assert_eq!(out["internal"], json!(["InternalException", 500]));
    assert!(emulator.securityhub_members("eu-north-1").is_empty());
}

#[test]
fn the_aws_cli_runs_security_hub_against_the_emulator() {
    let emulator = Emulator::new(Config {
        acceptance_rate: 1.0,
        // Long enough that AWS CLI calls on a loaded machine never outlast it.
        acceptance_delay_ms: 60_000,
        security_hub_disabled_regions: vec!["eu-north-1".to_owned()],
        ..Config::default()
    });
    let (_runtime, endpoint) = serve(emulator.clone());
    let (code, out, err) = aws(&endpoint, &["securityhub", "describe-hub"]);
    assert_eq!((code, out["HubArn"].as_str()), (0, Some(emulator.hub_arn("us-east-1").as_str())), "{err}");
    let (code, out, err) = aws(
        &endpoint,
        &[
            "securityhub",
            "create-members",
            "--account-details",
            "AccountId=222233334444,Email=a@example.com",
            "AccountId=333344445555",
            "AccountId=111122223333",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out["UnprocessedAccounts"],
        json!([{"AccountId": "111122223333", "ProcessingResult": "The request is rejected because the current account cannot become a member of itself."}])
    );
    let (code, out, err) =
        aws(&endpoint, &["securityhub", "invite-members", "--account-ids", "222233334444", "333344445555"]);
    assert_eq!((code, &out["UnprocessedAccounts"]), (0, &json!([])), "{err}");
    let (code, out, err) = aws(&endpoint, &["securityhub", "get-members", "--account-ids", "222233334444"]);
    assert_eq!(code, 0, "{err}");
    let member = &out["Members"][0];
    assert_eq!((member["MemberStatus"].as_str(), member["Email"].as_str()), (Some("Invited"), Some("a@example.com")));
    assert!(member["InvitedAt"].is_string() && member["UpdatedAt"].is_string(), "{member}");
    let (code, out, err) = aws(&endpoint, &["securityhub", "list-members"]);
    assert_eq!((code, &out["Members"]), (0, &json!([])), "only associated members by default: {err}");
    // The CLI follows NextToken page by page (one member per request) and joins the pages.
    let before = emulator.request_count();
    let (code, out, err) = aws(&endpoint, &["securityhub", "list-members", "--no-only-associated", "--page-size", "1"]);
    assert_eq!(code, 0, "{err}");
    let ids: Vec<&str> = out["Members"].as_array().unwrap().iter().filter_map(|m| m["AccountId"].as_str()).collect();
    assert_eq!(ids, ["222233334444", "333344445555"]);
    assert_eq!(emulator.request_count() - before, 2, "two pages");
    let (code, out, err) = aws(&endpoint, &["securityhub", "list-members", "--no-only-associated", "--max-items", "1"]);
    assert_eq!(
        (code, out["Members"].as_array().map(Vec::len), out["NextToken"].is_string()),
        (0, Some(1), true),
        "{err}"
    );

    emulator.advance_clock(std::time::Duration::from_secs(61));
    let (code, out, err) = aws(&endpoint, &["securityhub", "list-members", "--only-associated"]);
    let statuses: Vec<&str> =
        out["Members"].as_array().unwrap().iter().filter_map(|m| m["MemberStatus"].as_str()).collect();
    assert_eq!((code, statuses), (0, vec!["Enabled", "Enabled"]), "accounts that accept become enabled: {err}");
    let (code, out, err) =
        aws(&endpoint, &["securityhub", "delete-members", "--account-ids", "333344445555", "999988887777"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out["UnprocessedAccounts"][0]["AccountId"], "999988887777");
    assert_eq!(emulator.securityhub_members("us-east-1").len(), 1);

    let (code, _, err) = aws_in(&endpoint, "eu-north-1", &["securityhub", "describe-hub"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("(InvalidAccessException)")
            && err.contains("Account 111122223333 is not subscribed to AWS Security Hub"),
        "{err}"
    );
    emulator.set_faults(Faults { throttle_rate: 1.0, ..Faults::default() });
    let (code, _, err) = aws(&endpoint, &["securityhub", "list-members"]);
    assert_ne!(code, 0);
    assert!(err.contains("(LimitExceededException)"), "{err}");
}
