//! `enlist submit` and `enlist serve` as a user runs them: the engine through the proxy to the
//! emulator, in-process and over loopback with injected faults; dry runs; lists with errors; a
//! journal that resumes.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

fn enlist(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_enlist")).args(args).output().expect("enlist runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn list(dir: &std::path::Path, n: u64, extra: &str) -> String {
    let mut text: String =
        (0..n).map(|i| format!("{:012},member{i}@example.com\n", 400_000_000_000 + i * 11)).collect();
    text.push_str(extra);
    let path = dir.join("accounts.csv");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn submits_to_both_services_in_two_regions_through_the_in_process_proxy() {
    let dir = scratch("submit-in-process");
    let path = list(&dir, 120, "111122223333,admin@example.com\n");
    let csv = dir.join("results.csv");
    let output = enlist(&[
        "submit",
        &path,
        "--service",
        "both",
        "--region",
        "us-east-1",
        "--region",
        "eu-west-1",
        "--emulator",
        "--admin-account",
        "111122223333",
        "--results-csv",
        csv.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("120 accounts to 4 targets in 12 batches"), "{stderr}");
    let row = |target: &str, outcome: &str, n: usize| format!("{target:<24} {outcome:<26} {n}");
    assert!(stderr.contains(&row("guardduty us-east-1", "created", 120)), "{stderr}");
    assert!(stderr.contains(&row("detective eu-west-1", "verification-in-progress", 120)), "{stderr}");
    assert!(stderr.contains("line 121: skipped: excluded: the administrator account itself"), "{stderr}");
    let results = std::fs::read_to_string(csv).unwrap();
    assert_eq!(results.lines().count(), 1 + 4 * 120 + 1, "a header, a row per account and target, one skipped line");
}

#[test]
fn a_dry_run_sends_nothing_and_errors_stop_the_run() {
    let dir = scratch("submit-dry-run");
    let path = list(&dir, 3, "");
    let output =
        enlist(&["submit", &path, "--service", "guardduty", "--region", "us-east-1", "--emulator", "--dry-run"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("\"accountDetails\"") && stderr.contains("(dry run: nothing was sent)"), "{stderr}");
    let broken = list(&dir, 3, "11112222333,broken@example.com\n");
    let output = enlist(&["submit", &broken, "--service", "guardduty", "--region", "us-east-1", "--emulator"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("error[E003]") && stderr.contains("--skip-invalid"), "{stderr}");
    let output =
        enlist(&["submit", &broken, "--service", "guardduty", "--region", "us-east-1", "--emulator", "--skip-invalid"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("line 4: skipped: E003"), "{stderr}");
}

#[test]
fn a_finished_journal_resumes_without_sending_again() {
    let dir = scratch("submit-journal");
    let path = list(&dir, 60, "");
    let journal = dir.join("run.json");
    let args = [
        "submit",
        &path,
        "--service",
        "guardduty",
        "--region",
        "us-east-1",
        "--emulator",
        "--journal",
        journal.to_str().unwrap(),
    ];
    assert_eq!(enlist(&args).status.code(), Some(0));
    let saved = std::fs::read_to_string(&journal).unwrap();
    assert!(saved.contains("\"version\":1"));
    let output = enlist(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("resuming the run in")
            && stderr.contains(&format!("{:<24} {:<26} 60", "guardduty us-east-1", "created")),
        "{stderr}"
    );
    std::fs::write(&journal, "{\"version\": 0}").unwrap();
    let output = enlist(&args);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("expected an Enlist run journal of version 1, found version 0")
    );
}

/// `enlist serve --emulator` on a free loopback port; stops when dropped.
struct Server {
    child: Child,
    url: String,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_enlist"))
        .args(["serve", "--emulator", "--bind", "127.0.0.1:0"])
        .args(extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (mut url, mut token) = (String::new(), String::new());
    while url.is_empty() || token.is_empty() {
        let line = lines.next().expect("serve prints its address and token").unwrap();
        if let Some(rest) = line.strip_prefix("Enlist proxy on ") {
            url = rest.split_whitespace().next().unwrap().to_owned();
        } else if let Some(rest) = line.strip_prefix("token: ") {
            token = rest.trim().to_owned();
        }
    }
    // Keep draining its logs so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, url, token }
}

#[test]
fn submits_through_a_served_proxy_under_throttling_and_errors() {
    let server = serve(&["--emulator-faults", r#"{"throttleRate":0.3,"errorRate":0.1,"seed":3}"#]);
    let dir = scratch("submit-remote");
    let path = list(&dir, 500, "");
    let json = dir.join("results.json");
    let output = enlist(&[
        "submit",
        &path,
        "--service",
        "guardduty",
        "--region",
        "us-east-1",
        "--region",
        "ap-southeast-2",
        "--proxy",
        &server.url,
        "--token",
        &server.token,
        "--max-attempts",
        "8",
        "--results-json",
        json.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1_000);
    assert!(rows.iter().all(|r| r["outcome"] == "created"), "every account is created despite the faults");
    assert!(rows.iter().any(|r| r["attempts"].as_u64().unwrap() > 1), "some batches needed retries");
    let wrong = enlist(&[
        "submit",
        &path,
        "--service",
        "guardduty",
        "--region",
        "us-east-1",
        "--proxy",
        &server.url,
        "--token",
        "nope",
    ]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("EnlistProxy.Unauthorized"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
}
