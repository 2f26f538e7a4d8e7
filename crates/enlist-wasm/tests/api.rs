//! The JavaScript API as JavaScript sees it, in Node.js (wasm-bindgen-test): camelCase objects,
//! UTF-16 columns, the core's messages as `Error`s. `cargo xtask ci` runs these with
//! `cargo test -p enlist-wasm --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use enlist_wasm::{build_requests, export_results, parse};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// What JavaScript received, as JSON.
fn as_js(value: &JsValue) -> serde_json::Value {
    serde_json::from_str(&String::from(js_sys::JSON::stringify(value).unwrap())).unwrap()
}

/// An object as JavaScript would pass it.
fn object(json: &str) -> js_sys::Object {
    js_sys::JSON::parse(json).unwrap().unchecked_into()
}

fn options(json: &str) -> Option<js_sys::Object> {
    Some(object(json))
}

fn plan(json: &str) -> js_sys::Object {
    object(json)
}

/// The message of the JavaScript `Error` a call threw.
fn message(error: wasm_bindgen::JsError) -> String {
    let value: JsValue = error.into();
    String::from(value.dyn_into::<js_sys::Error>().unwrap().message())
}

const DETECTOR: &str = "12abc34d567e8fa901bc2d34e56789f0";

#[wasm_bindgen_test]
fn parse_reports_in_camel_case_with_utf16_columns() {
    // "🔐" is one character but two UTF-16 units: the column JavaScript needs counts two.
    let text = "Account ID,Email,Note\n11122223333,a@example.com,🔐\n🔐 111122224444,b@example.com,x\n";
    let report = as_js(&parse(text, options(r#"{"services":["guardduty"]}"#)).unwrap());
    assert_eq!(report["summary"]["errors"], 2, "{report}");
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let lost_zero = diagnostics.iter().find(|d| d["code"] == "E003").unwrap();
    assert_eq!(lost_zero["severity"], "error");
    assert_eq!(
        (lost_zero["line"].as_u64(), lost_zero["column"].as_u64(), lost_zero["endColumn"].as_u64()),
        (Some(2), Some(1), Some(12))
    );
    assert_eq!(lost_zero["fix"], "011122223333");
    let emoji_line = diagnostics.iter().find(|d| d["line"] == 3 && d["severity"] == "error").unwrap();
    let column = emoji_line["column"].as_u64().unwrap() as usize;
    let line = text.lines().nth(2).unwrap();
    let utf16: Vec<u16> = line.encode_utf16().collect();
    assert_eq!(String::from_utf16(&utf16[column - 1..]).unwrap(), line[line.find('🔐').unwrap()..], "{emoji_line}");
    assert!(report.get("accounts").and_then(|a| a.as_array()).is_some());
    assert!(report["batches"].is_array());
}

#[wasm_bindgen_test]
fn bad_options_throw_errors_with_the_cores_words() {
    let error = parse("111122223333,a@example.com", options(r#"{"services":["inspector"]}"#)).unwrap_err();
    assert_eq!(message(error), "options: expected `guardduty`, `detective` or `securityhub`, found `inspector`");
    let error = parse("", options(r#"{"adminAccount":"12"}"#)).unwrap_err();
    assert!(message(error).starts_with("options: expected a 12-digit account ID"));
    // A misspelled option is named, not ignored.
    let error = parse("", options(r#"{"service":["guardduty"]}"#)).unwrap_err();
    let error = message(error);
    assert!(error.starts_with("options: unknown field `service`, expected one of `services`"), "{error}");
    let error = message(parse("", options(r#"{"services":[]}"#)).unwrap_err());
    assert_eq!(
        error,
        "options: expected one or more of `guardduty`, `detective` and `securityhub`, found an empty list"
    );
    assert!(!error.contains(" at line "), "{error}");
    // A value of the wrong type says what was expected and what was found.
    let error = message(parse("", options(r#"{"organizationMode":"yes"}"#)).unwrap_err());
    assert_eq!(error, "options: expected `true` or `false` for `organizationMode`, found the string `yes`");
    let error = message(parse("", options(r#"{"adminAccount":111122223333}"#)).unwrap_err());
    assert_eq!(error, "options: expected a 12-digit account ID as a string for `adminAccount`, found `111122223333`");
    // Options that are set are used; `null` is the default.
    let report = as_js(
        &parse("111122223333", options(r#"{"services":["detective"],"organizationMode":true,"format":null}"#)).unwrap(),
    );
    assert_eq!(report["summary"]["errors"], 0, "{report}");
    assert!(parse("111122223333,a@example.com", None).is_ok());
}

#[wasm_bindgen_test]
fn build_requests_takes_a_security_hub_target_and_ids_without_emails() {
    let json = r#"{"text":"111122224444\n111122225555,ops@example.com\n","options":{"services":["securityhub"]},"targets":[
        {"service":"securityhub","region":"eu-west-1","hubArn":"arn:aws:securityhub:eu-west-1:111122223333:hub/default"}]}"#;
    let built = as_js(&build_requests(&plan(json)).unwrap());
    let requests = built["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        (requests[0]["path"].as_str(), requests[0]["operation"].as_str()),
        (Some("/members"), Some("Security Hub CreateMembers"))
    );
    let body: serde_json::Value = serde_json::from_str(requests[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"AccountDetails": [{"AccountId": "111122224444"}, {"AccountId": "111122225555", "Email": "ops@example.com"}]})
    );
    let with_message = json.replace(r#""hubArn""#, r#""message":"hi","hubArn""#);
    let error = message(build_requests(&plan(&with_message)).unwrap_err());
    assert!(error.starts_with("plan: expected a Security Hub target without `message`"), "{error}");
}

#[wasm_bindgen_test]
fn build_requests_batches_per_target_and_refuses_errors_unless_told() {
    let text: String = (0..120).map(|i| format!("{},m{i}@example.com\n", 111_122_220_000_u64 + i)).collect();
    let json = format!(
        r#"{{"text":{text:?},"options":{{"services":["guardduty","detective"]}},"targets":[
            {{"service":"guardduty","region":"us-east-1","detectorId":"{DETECTOR}"}},
            {{"service":"detective","region":"eu-west-1","graphArn":"arn:aws:detective:eu-west-1:111122223333:graph:0123456789abcdef0123456789abcdef","message":"hi"}}]}}"#
    );
    let built = as_js(&build_requests(&plan(&json)).unwrap());
    let requests = built["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 6, "3 batches of at most 50 to each of 2 targets");
    assert_eq!(requests[0]["path"], format!("/detector/{DETECTOR}/member"));
    assert_eq!(requests[0]["operation"], "GuardDuty CreateMembers");
    assert_eq!(requests[0]["method"], "POST");
    let body: serde_json::Value = serde_json::from_str(requests[2]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["accountDetails"].as_array().unwrap().len(), 20);
    assert_eq!(
        (requests[3]["service"].as_str(), requests[3]["region"].as_str()),
        (Some("detective"), Some("eu-west-1"))
    );
    assert_eq!(requests[3]["path"], "/graph/members");
    let body: serde_json::Value = serde_json::from_str(requests[3]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["Message"], "hi");

    let with_error = json.replace("111122220000,", "11122220000,");
    let error = build_requests(&plan(&with_error)).unwrap_err();
    assert_eq!(
        message(error),
        "expected a list without errors, found 1; fix it or skip that line, or set skipInvalid to send the valid accounts"
    );
    let skipping = with_error.replacen(r#""targets""#, r#""skipInvalid":true,"targets""#, 1);
    assert_eq!(as_js(&build_requests(&plan(&skipping)).unwrap())["requests"].as_array().unwrap().len(), 6);

    let bad_target = json.replace(DETECTOR, "not/a/detector");
    assert!(message(build_requests(&plan(&bad_target)).unwrap_err()).starts_with("plan: expected a detector ID"));
    let elsewhere = json.replace("\"region\":\"eu-west-1\"", "\"region\":\"us-west-2\"");
    let error = message(build_requests(&plan(&elsewhere)).unwrap_err());
    assert!(error.starts_with("plan: expected a behavior graph in us-west-2, found one in eu-west-1"), "{error}");
    let typo = json.replace("detectorId", "detectorID");
    assert!(message(build_requests(&plan(&typo)).unwrap_err()).starts_with("plan: unknown field `detectorID`"));
}

#[wasm_bindgen_test]
fn export_results_reads_a_journal() {
    use enlist_core::engine::RunConfig;
    let text = "111122224444,a@example.com\nnot an account\n";
    let parsed = enlist_core::parse(text, &enlist_core::Options::default());
    let target =
        enlist_core::Target::guardduty("us-east-1".parse().unwrap(), DETECTOR.parse().unwrap(), Default::default())
            .unwrap();
    let policy = enlist_core::Policy { skip_invalid: true };
    let plan = enlist_core::Plan::new(&parsed, vec![enlist_core::Destination::Target(target)], policy).unwrap();
    let mut run = plan.start(RunConfig::default(), 0);
    run.cancel();
    let journal = enlist_core::engine::to_text(&run.snapshot());
    let csv = export_results(&journal, "csv").unwrap();
    assert!(csv.starts_with("line,account,email,service,region,status,action"), "{csv}");
    assert!(csv.contains("111122224444") && csv.contains("cancelled") && csv.contains("skipped"), "{csv}");
    // What is left to do: the cancelled account, then the line not sent for its error.
    assert_eq!(
        export_results(&journal, "retry").unwrap(),
        "Account ID,Email\n111122224444,a@example.com\nnot an account\n"
    );
    assert!(message(export_results(&journal, "xml").unwrap_err()).contains("found `xml`"));
    assert!(message(export_results("{}", "csv").unwrap_err()).contains("expected an Enlist run journal"));
}

/// `buildRequests` gives exactly the requests the core plans for the shared fixture (the file the
/// CLI's and the page's tests compare with too), byte for byte.
#[wasm_bindgen_test]
fn build_requests_matches_the_shared_fixture() {
    let text = include_str!("../../enlist-core/tests/plan/list.csv");
    let expected: serde_json::Value =
        serde_json::from_str(include_str!("../../enlist-core/tests/plan/requests.json")).unwrap();
    let arn = "arn:aws:detective:eu-west-1:111122223333:graph:000000000000000e1157111122223333";
    let plan_json = serde_json::json!({
        "text": text,
        "targets": [
            {"service": "guardduty", "region": "eu-west-1", "detectorId": "000000000000000e1157111122223333", "message": "Security is adding your account", "disableEmailNotification": true},
            {"service": "detective", "region": "eu-west-1", "graphArn": arn, "message": "Security is adding your account", "disableEmailNotification": true},
        ],
    });
    let built = as_js(&build_requests(&plan(&plan_json.to_string())).unwrap());
    let requests = built["requests"].as_array().unwrap();
    let expected = expected.as_array().unwrap();
    assert_eq!(requests.len(), expected.len());
    for (ours, theirs) in requests.iter().zip(expected) {
        let path = format!(
            "/v1/{}/{}{}",
            ours["service"].as_str().unwrap(),
            ours["region"].as_str().unwrap(),
            ours["path"].as_str().unwrap()
        );
        assert_eq!(path, theirs["path"].as_str().unwrap());
        assert_eq!(ours["body"], theirs["bodyText"], "the same bytes");
    }
}
