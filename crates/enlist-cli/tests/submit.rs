//! `enlist submit` and `enlist serve` as a user runs them: discovery, the reconciling run through
//! the proxy to the emulator (in-process and over loopback, with injected faults), opt-in regions
//! and per-region detectors, the member lifecycle and its repair, dry runs, lists with errors, a
//! journal that resumes. Outcomes are checked against what the emulator holds, read through the
//! proxy's own ListMembers.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

fn enlist(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_enlist")).args(args).output().expect("enlist runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn list(dir: &Path, n: u64, extra: &str) -> String {
    let mut text: String =
        (0..n).map(|i| format!("{:012},member{i}@example.com\n", 400_000_000_000 + i * 11)).collect();
    text.push_str(extra);
    let path = dir.join("accounts.csv");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The emulator answers fast in these tests: verification in a fifth of a second.
const QUICK: &str = r#"{"verificationDelayMs":200}"#;

fn rows(path: &Path) -> Vec<Value> {
    serde_json::from_str::<Value>(&std::fs::read_to_string(path).unwrap()).unwrap().as_array().unwrap().clone()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn adds_to_both_services_in_two_regions_and_finishes_the_lifecycle() {
    let dir = scratch("submit-in-process");
    let path = list(&dir, 120, "111122223333,admin@example.com\n");
    let json = dir.join("results.json");
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
        "--emulator-config",
        QUICK,
        "--admin-account",
        "111122223333",
        "--results-json",
        json.to_str().unwrap(),
    ]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("120 accounts to 4 destinations"), "{err}");
    assert!(err.contains(&format!("{:<24} 120 invited", "guardduty us-east-1")), "{err}");
    assert!(err.contains(&format!("{:<24} 120 invited", "detective eu-west-1")), "{err}");
    assert!(err.contains("line 121: skipped: excluded: the administrator account itself"), "{err}");
    let rows = rows(&json);
    assert_eq!(rows.len(), 4 * 120 + 1, "a row per account and destination, one skipped line");
    let guardduty = rows.iter().find(|r| r["service"] == "guardduty").unwrap();
    assert_eq!(
        (guardduty["status"].as_str(), guardduty["action"].as_str()),
        (Some("invited"), Some("created and invited by this run"))
    );
    let skipped = rows.last().unwrap();
    assert_eq!((skipped["status"].as_str(), skipped["account"].as_str()), (Some("skipped"), Some("111122223333")));
}

#[test]
fn a_dry_run_reads_and_changes_nothing_and_errors_stop_the_run() {
    let dir = scratch("submit-dry-run");
    let path = list(&dir, 3, "");
    let output = enlist(&["submit", &path, "--service", "both", "--region", "us-east-1", "--emulator", "--dry-run"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains(&format!("{:<24} 3 to create and invite", "guardduty us-east-1")), "{err}");
    assert!(
        err.contains("first request: POST /v1/guardduty/us-east-1/detector/")
            && err.contains("(dry run: nothing was changed)"),
        "{err}"
    );
    let broken = list(&dir, 3, "11112222333,broken@example.com\n");
    let output = enlist(&["submit", &broken, "--service", "guardduty", "--region", "us-east-1", "--emulator"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(err.contains("error[E003]") && err.contains("--skip-invalid"), "{err}");
    let output = enlist(&[
        "submit",
        &broken,
        "--service",
        "guardduty",
        "--region",
        "us-east-1",
        "--emulator",
        "--emulator-config",
        QUICK,
        "--skip-invalid",
    ]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(err.contains("line 4: skipped: E003"), "{err}");
}

#[test]
fn an_opt_in_region_nobody_enabled_is_reported_and_the_others_finish() {
    let dir = scratch("submit-opt-in");
    let path = list(&dir, 60, "");
    let csv = dir.join("results.csv");
    let output = enlist(&[
        "submit",
        &path,
        "--service",
        "guardduty",
        "--region",
        "us-east-1",
        "--region",
        "me-south-1",
        "--emulator",
        "--emulator-config",
        QUICK,
        "--results-csv",
        csv.to_str().unwrap(),
    ]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "not every account is a member: {err}");
    assert!(err.contains("GuardDuty me-south-1: the region is not enabled for this account"), "{err}");
    assert!(err.contains(&format!("{:<24} 60 invited", "guardduty us-east-1")), "{err}");
    assert!(err.contains(&format!("{:<24} unavailable: the region is not enabled", "guardduty me-south-1")), "{err}");
    let text = std::fs::read_to_string(csv).unwrap();
    let unavailable = text.lines().filter(|l| l.contains(",me-south-1,unavailable,")).count();
    assert_eq!(unavailable, 60, "the region is on every account's row");
}

#[test]
fn a_region_without_security_hub_is_reported_and_ids_alone_are_enough() {
    let dir = scratch("submit-no-hub");
    let path = dir.join("ids.txt");
    std::fs::write(&path, "400000000001\n400000000012\n").unwrap();
    let csv = dir.join("results.csv");
    let output = enlist(&[
        "submit",
        path.to_str().unwrap(),
        "--service",
        "securityhub",
        "--region",
        "us-east-1",
        "--region",
        "eu-west-2",
        "--emulator",
        "--emulator-config",
        r#"{"securityHubDisabledRegions":["eu-west-2"]}"#,
        "--results-csv",
        csv.to_str().unwrap(),
    ]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "not every account is a member: {err}");
    assert!(err.contains("Security Hub eu-west-2: Security Hub is not enabled in this region"), "{err}");
    assert!(err.contains(&format!("{:<24} 2 invited", "securityhub us-east-1")), "{err}");
    let text = std::fs::read_to_string(csv).unwrap();
    assert_eq!(text.lines().filter(|l| l.contains(",eu-west-2,unavailable,")).count(), 2, "{text}");
}

#[test]
fn detectors_and_graphs_are_given_per_region() {
    let dir = scratch("submit-per-region");
    let path = list(&dir, 5, "");
    let detector = "000000000000000e1157111122223333";
    let common =
        ["submit", &path, "--service", "guardduty", "--region", "us-east-1", "--region", "eu-west-1", "--emulator"];
    let bare = enlist(&[&common[..], &["--detector-id", detector]].concat());
    assert_eq!(bare.status.code(), Some(2));
    assert!(
        stderr(&bare).contains("--detector-id: expected REGION=ID with several regions (detectors are per region)"),
        "{}",
        stderr(&bare)
    );
    let wrong = "0123456789abcdef0123456789abcdef";
    let json = dir.join("results.json");
    let given = enlist(
        &[
            &common[..],
            &[
                "--emulator-config",
                QUICK,
                "--detector-id",
                &format!("us-east-1={detector}"),
                "--detector-id",
                &format!("eu-west-1={wrong}"),
            ],
            &["--results-json", json.to_str().unwrap()],
        ]
        .concat(),
    );
    let err = stderr(&given);
    assert_eq!(given.status.code(), Some(1), "{err}");
    let rows = rows(&json);
    assert!(rows.iter().filter(|r| r["region"] == "us-east-1").all(|r| r["status"] == "invited"), "{rows:?}");
    assert!(
        rows.iter()
            .filter(|r| r["region"] == "eu-west-1")
            .all(|r| r["status"] == "unknown" && r["detail"].as_str().unwrap().contains("not owned")),
        "each region got its own detector: {rows:?}"
    );
    let arn = "arn:aws:detective:eu-west-1:111122223333:graph:000000000000000e1157111122223333";
    let graph =
        enlist(&["submit", &path, "--service", "detective", "--region", "us-east-1", "--emulator", "--graph-arn", arn]);
    assert_eq!(graph.status.code(), Some(2));
    assert!(
        stderr(&graph).contains("--graph-arn: expected a graph in one of the --region values, found one in eu-west-1")
    );
}

#[test]
fn a_journal_resumes_and_a_finished_run_sends_nothing_more() {
    let dir = scratch("submit-journal");
    let path = list(&dir, 60, "");
    let journal = dir.join("run.jsonl");
    let args = [
        "submit",
        &path,
        "--service",
        "guardduty",
        "--region",
        "us-east-1",
        "--emulator",
        "--emulator-config",
        QUICK,
        "--journal",
        journal.to_str().unwrap(),
    ];
    assert_eq!(enlist(&args).status.code(), Some(0));
    let saved = std::fs::read_to_string(&journal).unwrap();
    assert!(saved.starts_with("{\"k\":\"plan\",\"journal\":\"enlist run\",\"version\":2"), "{saved}");
    let output = enlist(&args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    assert!(
        err.contains("resuming the run in") && err.contains(&format!("{:<24} 60 invited", "guardduty us-east-1")),
        "{err}"
    );
    std::fs::write(&journal, "{\"version\": 0}").unwrap();
    let output = enlist(&args);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("expected an Enlist run journal of version 2, found version 0"),
        "{}",
        stderr(&output)
    );
}

/// `enlist serve --emulator` on a free loopback port; stops when dropped.
struct Server {
    child: Child,
    url: String,
    token: String,
    detector: String,
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
    let (mut url, mut token, mut detector) = (String::new(), String::new(), String::new());
    while url.is_empty() || token.is_empty() {
        let line = lines.next().expect("serve prints its address and token").unwrap();
        if let Some(rest) = line.strip_prefix("Enlist proxy on ") {
            url = rest.split_whitespace().next().unwrap().to_owned();
            detector = rest.split("detector ").nth(1).unwrap().split(',').next().unwrap().to_owned();
        } else if let Some(rest) = line.strip_prefix("token: ") {
            token = rest.trim().to_owned();
        }
    }
    // Keep draining its logs so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, url, token, detector }
}

/// What the emulator holds, read through the proxy with ListMembers (retried through the
/// injected faults): account → status, as the service writes it.
fn truth(server: &Server, service: &str, region: &str) -> std::collections::BTreeMap<String, String> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut found = std::collections::BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let mut page = None;
            for _ in 0..100 {
                let request = if service == "securityhub" {
                    let mut url =
                        format!("{}/v1/securityhub/{region}/members?OnlyAssociated=false&MaxResults=50", server.url);
                    if let Some(t) = &token {
                        url.push_str(&format!("&NextToken={t}"));
                    }
                    client.get(url)
                } else if service == "guardduty" {
                    let mut url = format!(
                        "{}/v1/guardduty/{region}/detector/{}/member?onlyAssociated=false&maxResults=50",
                        server.url, server.detector
                    );
                    if let Some(t) = &token {
                        url.push_str(&format!("&nextToken={t}"));
                    }
                    client.get(url)
                } else {
                    let graph = format!("arn:aws:detective:{region}:111122223333:graph:{}", &server.detector);
                    let mut body = json!({"GraphArn": graph, "MaxResults": 200});
                    if let Some(t) = &token {
                        body["NextToken"] = json!(t);
                    }
                    client
                        .post(format!("{}/v1/detective/{region}/graph/members/list", server.url))
                        .header("content-type", "application/json")
                        .body(body.to_string())
                };
                let response = request.bearer_auth(&server.token).send().await.unwrap();
                if response.status().is_success() {
                    page = Some(serde_json::from_str::<Value>(&response.text().await.unwrap()).unwrap());
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            let page = page.expect("ListMembers kept failing");
            let (list, id, status) = if service == "securityhub" {
                ("Members", "AccountId", "MemberStatus")
            } else if service == "guardduty" {
                ("members", "accountId", "relationshipStatus")
            } else {
                ("MemberDetails", "AccountId", "Status")
            };
            for member in page[list].as_array().unwrap() {
                found.insert(member[id].as_str().unwrap().to_owned(), member[status].as_str().unwrap().to_owned());
            }
            token = page.get("nextToken").or_else(|| page.get("NextToken")).and_then(Value::as_str).map(str::to_owned);
            if token.is_none() {
                return found;
            }
        }
    })
}

/// Every row's status is what the emulator holds for that account, in that service and region.
fn assert_rows_match(server: &Server, rows: &[Value], regions: &[&str]) {
    for service in ["guardduty", "detective", "securityhub"] {
        if !rows.iter().any(|r| r["service"] == service) {
            continue;
        }
        for region in regions {
            let held = truth(server, service, region);
            for row in rows.iter().filter(|r| r["service"] == service && r["region"] == *region) {
                let account = row["account"].as_str().unwrap();
                let expected = held
                    .get(account)
                    .map(|s| enlist_core::MemberStatus::from_wire(s, None).label())
                    .unwrap_or("not held");
                assert_eq!(row["status"].as_str().unwrap(), expected, "{service} {region} {account}: {row}");
            }
        }
    }
}

#[test]
fn through_a_served_proxy_under_throttling_and_errors_every_row_of_all_three_services_is_their_truth() {
    let config =
        r#"{"verificationDelayMs":300,"faults":{"throttleRate":0.25,"errorRate":0.1,"dropRate":0.03,"seed":3}}"#;
    let server = serve(&["--emulator-config", config]);
    let dir = scratch("submit-remote");
    let path = list(&dir, 300, "");
    let json = dir.join("results.json");
    let output = Command::new(env!("CARGO_BIN_EXE_enlist"))
        .args([
            "submit",
            &path,
            "--service",
            "all",
            "--region",
            "us-east-1",
            "--region",
            "ap-southeast-2",
            "--proxy",
            &server.url,
        ])
        .args(["--results-json", json.to_str().unwrap()])
        .env("ENLIST_TOKEN", &server.token)
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let rows = rows(&json);
    assert_eq!(rows.len(), 1_800, "300 accounts × 3 services × 2 regions");
    assert!(rows.iter().all(|r| r["status"] == "invited"), "every account is invited despite the faults");
    let hub = rows.iter().filter(|r| r["service"] == "securityhub").count();
    assert_eq!(hub, 600, "Security Hub's rows are in the same table");
    assert_rows_match(&server, &rows, &["us-east-1", "ap-southeast-2"]);
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
    assert!(stderr(&wrong).contains("EnlistProxy.Unauthorized"), "{}", stderr(&wrong));
}

/// The issue's whole scenario from the command line: some accounts already members, some of the
/// organization (GuardDuty enables them without an invitation), some with the wrong root email —
/// under throttling, in two regions of both services; then the emails corrected and repaired.
#[test]
fn the_lifecycle_and_its_repair_from_the_command_line() {
    let config = json!({
        "verificationDelayMs": 300,
        "failingEmails": ["wrong1@example.com", "wrong2@example.com"],
        "organization": true,
        "organizationAccounts": ["500000000004", "500000000005"],
        "faults": {"throttleRate": 0.2, "seed": 11},
    })
    .to_string();
    let server = serve(&["--emulator-config", &config]);
    let dir = scratch("submit-lifecycle");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let submit = |list: &str, extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_enlist"))
            .args([
                "submit",
                list,
                "--service",
                "both",
                "--region",
                "us-east-1",
                "--region",
                "eu-west-1",
                "--proxy",
                &server.url,
            ])
            .args(extra)
            .env("ENLIST_TOKEN", &server.token)
            .output()
            .unwrap()
    };
    let before = write("before.csv", "500000000001,already1@example.com\n500000000002,already2@example.com\n");
    assert_eq!(submit(&before, &[]).status.code(), Some(0));
    let full = write(
        "full.csv",
        "Account ID,Email\n500000000001,already1@example.com\n500000000002,already2@example.com\n500000000003,new@example.com\n500000000004,org1@example.com\n500000000005,org2@example.com\n500000000006,wrong1@example.com\n500000000007,wrong2@example.com\n",
    );
    let json = dir.join("results.json");
    let repair_list = dir.join("repair.csv");
    let output =
        submit(&full, &["--results-json", json.to_str().unwrap(), "--repair-list", repair_list.to_str().unwrap()]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "verification failed for two accounts: {err}");
    assert!(err.contains("2 accounts failed email verification: correct the emails (listed in"), "{err}");
    let rows = rows(&json);
    assert_rows_match(&server, &rows, &["us-east-1", "eu-west-1"]);
    let row = |account: &str, service: &str| {
        let r = rows
            .iter()
            .find(|r| r["account"] == account && r["service"] == service && r["region"] == "eu-west-1")
            .unwrap();
        format!("{} / {}", r["status"].as_str().unwrap(), r["action"].as_str().unwrap())
    };
    assert_eq!(row("500000000001", "guardduty"), "invited / already a member");
    assert_eq!(row("500000000003", "guardduty"), "invited / created and invited by this run");
    assert_eq!(row("500000000004", "guardduty"), "enabled / created by this run");
    assert_eq!(row("500000000006", "guardduty"), "verification-failed / created and invited by this run");
    assert_eq!(row("500000000006", "detective"), "verification-failed / created by this run");
    assert_eq!(
        std::fs::read_to_string(&repair_list).unwrap(),
        "Account ID,Email\n500000000006,wrong1@example.com\n500000000007,wrong2@example.com\n"
    );
    // Without --repair-failed, a corrected list does not delete anything.
    let corrected =
        write("corrected.csv", "Account ID,Email\n500000000006,right1@example.com\n500000000007,right2@example.com\n");
    let output = submit(&corrected, &["--results-json", json.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(rows_of(&json).iter().all(|r| r["status"] == "verification-failed"));
    let output = submit(&corrected, &["--repair-failed", "--results-json", json.to_str().unwrap()]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let repaired = rows_of(&json);
    assert!(repaired.iter().all(|r| r["status"] == "invited"), "{repaired:?}");
    assert!(
        repaired
            .iter()
            .filter(|r| r["service"] == "guardduty")
            .all(|r| r["action"] == "deleted, created again and invited by this run")
    );
    assert_rows_match(&server, &repaired, &["us-east-1", "eu-west-1"]);
}

fn rows_of(path: &Path) -> Vec<Value> {
    rows(path)
}

/// The CLI sends exactly the requests the core plans for the shared fixture (the same file the
/// bindings' and the page's tests compare with), byte for byte.
#[test]
fn the_dry_run_writes_the_planned_requests_byte_for_byte() {
    let dir = scratch("submit-requests");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../enlist-core/tests/plan");
    let out = dir.join("requests.json");
    let output = enlist(&[
        "submit",
        &format!("{fixture}/list.csv"),
        "--service",
        "both",
        "--region",
        "eu-west-1",
        "--emulator",
        "--dry-run",
        "--message",
        "Security is adding your account",
        "--disable-email-notification",
        "--requests",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(out).unwrap(),
        std::fs::read_to_string(format!("{fixture}/requests.json")).unwrap()
    );
}

/// `--token "$TOKEN"` with the variable unset is `--token ''`: an open proxy if it were taken.
/// Empty, blank and short tokens are refused from every source, without repeating them.
#[test]
fn serve_refuses_empty_and_short_tokens() {
    let dir = scratch("serve-tokens");
    let file = dir.join("tokens");
    std::fs::write(&file, "# the team's token\n\nshort-token-1\n").unwrap();
    let file = file.to_str().unwrap();
    for (args, env, expected) in [
        (vec!["--token", ""], "", "--token: expected a token, found an empty one"),
        (vec!["--token", "   "], "", "--token: expected a token, found an empty one"),
        (vec!["--token", "hunter2"], "", "--token: expected a token of at least 32 characters"),
        (
            vec!["--token", "0123456789abcdef 0123456789abcdef"],
            "",
            "expected a token of visible ASCII characters without commas, found a space",
        ),
        (vec![], "0123456789abcdef0123456789abcdef,tiny", "ENLIST_TOKENS: expected a token of at least 32 characters"),
        (vec!["--token-file", file], "", "line 3: expected a token of at least 32 characters"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_enlist"))
            .args(["serve", "--emulator", "--bind", "127.0.0.1:0"])
            .args(&args)
            .env("ENLIST_TOKENS", env)
            .output()
            .unwrap();
        let message = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {message}");
        assert!(message.contains(expected), "{args:?}: {message}");
        assert!(
            !message.contains("hunter2") && !message.contains("tiny") && !message.contains("short-token-1"),
            "{message}"
        );
    }
    // A good token from a file is taken, and not printed.
    let good = "0123456789abcdef0123456789abcdef";
    std::fs::write(dir.join("good"), format!("{good}\n")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_enlist"))
        .args(["serve", "--emulator", "--bind", "127.0.0.1:0", "--token-file", dir.join("good").to_str().unwrap()])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.strip_prefix("Enlist proxy on ").unwrap().split_whitespace().next().unwrap().to_owned();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let statuses = runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut statuses = Vec::new();
        for token in [good, "", "0123456789abcdef0123456789abcdeF"] {
            let answer = client.get(format!("{url}/v1/config")).bearer_auth(token).send().await.unwrap();
            statuses.push(answer.status().as_u16());
        }
        statuses
    });
    let _ = child.kill();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let _ = child.wait();
    assert_eq!(statuses, [200, 401, 401]);
    assert!(!first.contains(good) && !rest.iter().any(|l| l.contains(good)), "the token is never printed");
}

/// GuardDuty alone has no graph ARN to name the administrator: the proxy says whose credentials it
/// signs with, and that account is left out with its warning, in process and through a served proxy.
#[test]
fn the_proxys_own_account_is_never_sent() {
    let dir = scratch("submit-administrator");
    let path = list(&dir, 3, "111122223333,admin@example.com\n");
    let in_process = enlist(&[
        "submit",
        &path,
        "--service",
        "guardduty",
        "--region",
        "us-east-1",
        "--emulator",
        "--emulator-config",
        QUICK,
    ]);
    let err = stderr(&in_process);
    assert_eq!(in_process.status.code(), Some(0), "{err}");
    assert!(err.contains("administrator account 111122223333 (the proxy's credentials)"), "{err}");
    assert!(err.contains("line 4: skipped: excluded: the administrator account itself"), "{err}");
    let server = serve(&["--emulator-config", QUICK]);
    let served = enlist(&[
        "submit",
        &path,
        "--service",
        "guardduty",
        "--region",
        "us-east-1",
        "--proxy",
        &server.url,
        "--token",
        &server.token,
    ]);
    let err = stderr(&served);
    assert_eq!(served.status.code(), Some(0), "{err}");
    assert!(err.contains("line 4: skipped: excluded: the administrator account itself"), "{err}");
    let held = truth(&server, "guardduty", "us-east-1");
    assert_eq!(held.len(), 3, "{held:?}");
    assert!(!held.contains_key("111122223333"));
}

/// `enlist serve --service` signs for the services named only: a Security Hub request to a proxy
/// that serves GuardDuty is refused before it is signed.
#[test]
fn serve_signs_only_the_services_it_is_given() {
    let server = serve(&["--service", "guardduty"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (hub, detectors) = runtime.block_on(async {
        let client = reqwest::Client::new();
        let get = |path: &str| client.get(format!("{}{path}", server.url)).bearer_auth(&server.token).send();
        let hub = get("/v1/securityhub/us-east-1/accounts").await.unwrap();
        let hub = (hub.status().as_u16(), hub.text().await.unwrap());
        let detectors = get("/v1/guardduty/us-east-1/detector").await.unwrap().status().as_u16();
        (hub, detectors)
    });
    assert_eq!(hub.0, 404, "{}", hub.1);
    assert!(
        hub.1.contains("EnlistProxy.UnknownService") && hub.1.contains("expected one of `guardduty` after /v1/"),
        "{}",
        hub.1
    );
    assert_eq!(detectors, 200);
    let typo = enlist(&["serve", "--emulator", "--bind", "127.0.0.1:0", "--service", "inspector"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(stderr(&typo).contains("--service: expected `guardduty`, `detective` or `securityhub`, found `inspector`"));
}
