//! Snapshots of what goes on the wire and what comes back as outcomes and exports: one list, the
//! whole lifecycle against a simulated GuardDuty and Detective, every kind of ending.

// The harness reads and rewrites its fixture files; the core it tests does not.
#![allow(clippy::disallowed_methods)]

mod sim;

use enlist_core::engine::{Machine, RunConfig};
use enlist_core::export::{repair_list, results_csv, results_json, retry_list};
use enlist_core::wire::Response;
use enlist_core::{Destination, Invitation, Options, Plan, Policy, Target, parse};
use sim::{ADMIN, Behaviour, DETECTOR, Driver, Faults, Sim};

const INPUT: &str = "Account ID,Email\n\
222233334444,member@example.com\n\
333344445555,other-admin@example.com\n\
444455556666,wrong-root@example.com\n\
555566667777,new@example.com\n\
666677778888,org@example.com\n\
11112222333,broken@example.com\n\
=cmd|' /C calc'!A0,evil@example.com\n";

fn graph() -> String {
    format!("arn:aws:detective:us-east-1:{ADMIN}:graph:027c7c4610ea4aacaf0b883093cab899")
}

fn destinations() -> Vec<Destination> {
    let invitation = Invitation::new(Some("Please join the security team's administrator"), true);
    vec![
        Destination::Target(
            Target::guardduty("us-east-1".parse().unwrap(), DETECTOR.parse().unwrap(), invitation.clone()).unwrap(),
        ),
        Destination::Target(
            Target::detective("us-east-1".parse().unwrap(), graph().parse().unwrap(), invitation, false).unwrap(),
        ),
        Destination::Unavailable {
            service: enlist_core::Service::GuardDuty,
            region: "me-south-1".parse().unwrap(),
            unreachable: enlist_core::Unreachable::NotEnabled,
        },
    ]
}

fn table(run: &enlist_core::engine::Run) -> String {
    run.cells()
        .map(|v| {
            format!(
                "{} {:<18} {:<24} {:<40} {}\n",
                v.account.id(),
                v.destination.label(),
                v.outcome.label(),
                v.outcome.action(),
                v.outcome.detail()
            )
        })
        .collect()
}

#[test]
fn every_request_and_every_ending() {
    let parsed = parse(INPUT, &Options::default());
    let plan = Plan::new(&parsed, destinations(), Policy { skip_invalid: true }).unwrap();
    let requests: String = plan
        .requests()
        .iter()
        .map(|p| {
            let body: serde_json::Value = serde_json::from_str(p.request.body.as_deref().unwrap()).unwrap();
            format!(
                "{} {}\n{}\n",
                p.request.method.as_str(),
                p.request.proxy_path(),
                serde_json::to_string_pretty(&body).unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!("planned_requests", requests);

    let behaviour = Behaviour {
        failing_emails: ["wrong-root@example.com".to_owned()].into(),
        organization_accounts: ["666677778888".to_owned()].into(),
        foreign: ["333344445555".to_owned()].into(),
        verification_ms: 2_000,
        quotas: false,
    };
    let mut sim = Sim::new(1, Faults::default(), behaviour);
    sim.seed_member(
        &Sim::key(enlist_core::Service::GuardDuty, "us-east-1", DETECTOR),
        "222233334444",
        Some("member@example.com"),
        "Enabled",
    );
    sim.seed_member(
        &Sim::key(enlist_core::Service::Detective, "us-east-1", &graph()),
        "222233334444",
        Some("member@example.com"),
        "ENABLED",
    );
    let mut run = plan.start(RunConfig::default(), 1_790_000_000_000);
    let mut driver = Driver::new(1_790_000_000_000);
    driver.drive(&mut run, &mut sim, None);
    insta::assert_snapshot!("outcomes", table(&run));
    // Snapshots trim the last newline; every text export must end with one.
    for export in [results_csv(&run), results_json(&run), retry_list(&run), repair_list(&run)] {
        assert!(export.ends_with('\n'), "{export:?} ends with a newline");
    }
    insta::assert_snapshot!("results_csv", results_csv(&run));
    insta::assert_snapshot!("results_json", results_json(&run));
    insta::assert_snapshot!("retry_list", retry_list(&run));
    insta::assert_snapshot!("repair_list", repair_list(&run));
    let journal = driver.journal.iter().take(4).cloned().collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!("journal_start", journal);
}

#[test]
fn a_refused_read_in_the_exports() {
    let parsed = parse(INPUT, &Options::default());
    let plan = Plan::new(&parsed, destinations().into_iter().take(1).collect(), Policy { skip_invalid: true }).unwrap();
    let mut run = plan.start(RunConfig::default(), 0);
    let actions = run.poll(0);
    let Some(enlist_core::engine::Action::Send { call, .. }) = actions.into_iter().next() else {
        panic!("expected a send")
    };
    let denied = Response {
        status: 403,
        headers: vec![
            ("x-amzn-ErrorType".into(), "AccessDeniedException".into()),
            ("x-amzn-RequestId".into(), "req-403".into()),
        ],
        body: r#"{"message":"User is not authorized to perform: guardduty:GetMembers"}"#.into(),
    };
    run.on_response(call, &denied, 10);
    assert_eq!(run.poll(10), [enlist_core::engine::Action::Done]);
    insta::assert_snapshot!("refused_results_csv", results_csv(&run));
    insta::assert_snapshot!("refused_retry_list", retry_list(&run));
}

/// The requests every frontend must send for one list and one set of settings: the CLI's dry run
/// (`crates/enlist-cli/tests/submit.rs`), `buildRequests` (`crates/enlist-wasm/tests/api.rs`) and
/// the page's preview (`web/tests/ui.test.mjs`) are compared with this same file.
#[test]
fn the_planned_requests_of_the_shared_fixture() {
    let list = include_str!("plan/list.csv");
    let parsed = parse(list, &Options::default());
    let invitation = Invitation::new(Some("Security is adding your account"), true);
    let arn = "arn:aws:detective:eu-west-1:111122223333:graph:000000000000000e1157111122223333";
    let destinations = vec![
        Destination::Target(
            Target::guardduty(
                "eu-west-1".parse().unwrap(),
                "000000000000000e1157111122223333".parse().unwrap(),
                invitation.clone(),
            )
            .unwrap(),
        ),
        Destination::Target(
            Target::detective("eu-west-1".parse().unwrap(), arn.parse().unwrap(), invitation, false).unwrap(),
        ),
    ];
    let plan = Plan::new(&parsed, destinations, Policy::default()).unwrap();
    let json = enlist_core::requests_json(&plan.requests());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/plan/requests.json");
    if std::env::var_os("INSTA_UPDATE").is_some_and(|v| v == "always") {
        std::fs::write(path, &json).unwrap();
    }
    assert_eq!(json, std::fs::read_to_string(path).unwrap(), "INSTA_UPDATE=always rewrites tests/plan/requests.json");
}
