//! `enlist check` as a user runs it: exit statuses, stderr, text and JSON output.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../enlist-core/tests/fixtures").join(name)
}

fn enlist(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_enlist"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("enlist starts");
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn clean_list_exits_0() {
    let path = fixture("console-guardduty.csv");
    let output = enlist(&["check", path.to_str().unwrap(), "--service", "guardduty"], None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).ends_with("3 accounts to send in 1 batch; 0 errors, 0 warnings\n"), "{}", stdout(&output));
}

#[test]
fn errors_exit_1_with_compiler_style_text() {
    let output =
        enlist(&["check", "-", "--service", "guardduty"], Some(b"Account ID,Email\n11112222333,dev@example.com\n"));
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let expected = "<stdin>:2:1: error[E003]: expected a 12-digit account ID, found 11 digits in `11112222333`; a leading zero was probably lost (spreadsheets drop them): `011112222333`
  |
2 | 11112222333,dev@example.com
  | ^^^^^^^^^^^ fix: `011112222333`
";
    assert!(text.contains(expected), "{text}");
}

#[test]
fn json_output_has_the_documented_shape() {
    let path = fixture("mixed-problems.csv");
    let output = enlist(
        &["check", path.to_str().unwrap(), "--service", "guardduty", "--admin-account", "999988887777", "--json"],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("one JSON object");
    let accounts = json["accounts"].as_array().unwrap();
    assert_eq!(accounts[0], serde_json::json!({"accountId": "111122223333", "email": "ops@example.com", "line": 2}));
    let lost_zero = json["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "E003").expect("an E003");
    assert_eq!(lost_zero["severity"], "error");
    assert_eq!(lost_zero["line"], 3);
    assert_eq!(lost_zero["column"], 1);
    assert_eq!(lost_zero["fix"], "011112222333");
    assert!(lost_zero["message"].as_str().unwrap().starts_with("expected a 12-digit account ID, found 11 digits"));
    let own = json["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "W002").expect("a W002");
    assert_eq!((own["severity"].as_str(), own["line"].as_u64()), (Some("warning"), Some(11)));
    // Diagnostics without a fix have no `fix` key.
    assert!(json["diagnostics"].as_array().unwrap().iter().any(|d| d.get("fix").is_none()));
    let batches: Vec<Vec<String>> = serde_json::from_value(json["batches"].clone()).unwrap();
    let ids: Vec<&str> = accounts.iter().map(|a| a["accountId"].as_str().unwrap()).collect();
    assert_eq!(batches.concat(), ids);
    let summary = &json["summary"];
    assert_eq!(summary["accounts"], accounts.len());
    assert_eq!(summary["batches"], batches.len());
    let count = |severity| json["diagnostics"].as_array().unwrap().iter().filter(|d| d["severity"] == severity).count();
    assert_eq!(summary["errors"], count("error"));
    assert_eq!(summary["warnings"], count("warning"));
}

#[test]
fn security_hub_takes_ids_only_and_all_checks_every_service() {
    let ids = b"111122223333\n222233334444,ops@example\n";
    let hub = enlist(&["check", "--service", "securityhub"], Some(ids));
    assert_eq!(hub.status.code(), Some(0), "{}", stdout(&hub));
    let all = enlist(&["check", "--service", "all"], Some(ids));
    assert_eq!(all.status.code(), Some(1));
    let text = stdout(&all);
    assert!(text.contains("error[E006]") && text.contains("GuardDuty invites members by email"), "{text}");
    assert!(text.contains("error[E005]"), "GuardDuty's and Detective's email rules still apply: {text}");
}

#[test]
fn detective_organization_mode_takes_ids_only() {
    let ids = b"111122223333\n222233334444\n";
    let without = enlist(&["check", "--service", "detective"], Some(ids));
    assert_eq!(without.status.code(), Some(1), "emails are required outside organization mode");
    assert!(stdout(&without).contains("error[E006]"));
    let with = enlist(&["check", "--service", "detective", "--org-mode", "--json"], Some(ids));
    assert_eq!(with.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout(&with)).unwrap();
    assert_eq!(json["accounts"][1], serde_json::json!({"accountId": "222233334444", "email": null, "line": 2}));
}

#[test]
fn usage_and_io_problems_exit_2_with_one_line() {
    let cases: [&[&str]; 5] = [
        &["check", "/nonexistent/accounts.csv", "--service", "guardduty"],
        &["check", "-", "--service", "inspector"],
        &["check", "-"],
        &["check", "-", "--service", "guardduty", "--admin-account", "12345"],
        &["check", "-", "--service", "guardduty", "--format", "xml"],
    ];
    for args in cases {
        let output = enlist(args, Some(b""));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("enlist: "), "{err}");
    }
    let missing = enlist(&["check", "/nonexistent/accounts.csv", "--service", "guardduty"], None);
    assert_eq!(stderr(&missing), "enlist: cannot read /nonexistent/accounts.csv: no such file\n");
    let admin = enlist(&["check", "-", "--service", "guardduty", "--admin-account", "12345"], Some(b""));
    assert_eq!(stderr(&admin), "enlist: --admin-account: expected a 12-digit account ID, found `12345`\n");
}

#[test]
fn encodings() {
    // UTF-16 LE with a byte order mark, as Excel's "Unicode text" saves.
    let text = "111122223333\tops@example.com\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let output = enlist(&["check", "--service", "guardduty"], Some(&utf16));
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    // Bytes that are not UTF-8 are read as Windows-1252 (Excel's "CSV (Comma delimited)"), with a
    // note naming the line of the first such byte; the accent then reaches the email check.
    let output = enlist(
        &["check", "--service", "detective"],
        Some(b"111122223333,a@example.com\n222233334444,jos\xe9@example.com\n"),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(
        stderr(&output),
        "enlist: note: <stdin>: read as Windows-1252, not UTF-8 (the byte 0xE9 on line 2 is not UTF-8); check the accented characters, or save the file as UTF-8 (in Excel: \"CSV UTF-8\")\n"
    );
    assert!(stdout(&output).ends_with("2 accounts to send in 1 batch; 0 errors, 0 warnings\n"), "{}", stdout(&output));
    // A UTF-8 byte order mark names the encoding: damage after it is refused, not guessed at.
    let output = enlist(&["check", "--service", "guardduty"], Some(b"\xEF\xBB\xBF111122223333,a@example.com\n\xe9\n"));
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "enlist: <stdin>: expected UTF-8 text after the UTF-8 byte order mark, found the byte 0xE9 on line 2; save the file as UTF-8 (in Excel: \"CSV UTF-8\")\n"
    );
}
