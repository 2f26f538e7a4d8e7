//! The reconciling engine against a simulated GuardDuty, Detective and Security Hub (`tests/sim`) on a virtual
//! clock: the member lifecycle, faults of every kind, kills and resumes from the journal, pacing
//! against a rate limit. Every final outcome must equal what the simulated service holds.

mod sim;

use enlist_core::engine::{
    Action, CallId, Held, Machine, Op, Pacing, Problem, RetryPolicy, Run, RunConfig, WatchPolicy, to_text,
};
use enlist_core::wire::{Operation, Response};
use enlist_core::{
    Destination, FailureKind, Invitation, Options, Plan, Policy, Region, Service, Services, Stage, Target,
    UnprocessedReason, parse,
};
use serde_json::{Value, json};
use sim::{ADMIN, Behaviour, DETECTOR, Driver, Ended, Fault, Faults, Sim, accounts, check_against_truth, hub};

fn region(name: &str) -> Region {
    name.parse().unwrap()
}

fn graph(region: &str) -> String {
    format!("arn:aws:detective:{region}:{ADMIN}:graph:027c7c4610ea4aacaf0b883093cab899")
}

fn guardduty(name: &str) -> Destination {
    Destination::Target(Target::guardduty(region(name), DETECTOR.parse().unwrap(), Invitation::default()).unwrap())
}

fn detective(name: &str) -> Destination {
    Destination::Target(
        Target::detective(region(name), graph(name).parse().unwrap(), Invitation::new(Some("welcome"), false), false)
            .unwrap(),
    )
}

fn security_hub(name: &str) -> Destination {
    Destination::Target(Target::security_hub(region(name), hub(name).parse().unwrap()).unwrap())
}

fn key(service: Service, name: &str) -> String {
    match service {
        Service::GuardDuty => Sim::key(service, name, DETECTOR),
        Service::Detective => Sim::key(service, name, &graph(name)),
        Service::SecurityHub => Sim::key(service, name, &hub(name)),
    }
}

fn start(input: &str, destinations: Vec<Destination>, config: RunConfig) -> Run {
    let parsed = parse(input, &Options::default());
    Plan::new(&parsed, destinations, Policy::default()).unwrap().start(config, 0)
}

fn both(regions: &[&str]) -> Vec<Destination> {
    regions.iter().flat_map(|r| [guardduty(r), detective(r)]).collect()
}

fn all_three(regions: &[&str]) -> Vec<Destination> {
    regions.iter().flat_map(|r| [guardduty(r), detective(r), security_hub(r)]).collect()
}

fn labels(run: &Run) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for view in run.cells() {
        *counts.entry(format!("{} {}", view.outcome.label(), view.outcome.action())).or_insert(0) += 1;
    }
    counts
}

fn assert_truth(run: &Run, sim: &mut Sim, now: u64) {
    let (lost, wrong, examples) = check_against_truth(run, sim, now);
    assert_eq!((lost, wrong), (0, 0), "accounts lost and wrong statuses: {examples:#?}");
}

fn outcome(run: &Run, service: Service, r: &str, account: usize) -> String {
    let d = run.destinations().iter().position(|d| d.service() == service && d.region().as_str() == r).unwrap();
    let o = run.outcome(d, account).unwrap();
    format!("{} / {}", o.label(), o.action())
}

/// The whole lifecycle on a mixed list, in two regions of both services: members already there
/// (some still to invite), organization accounts GuardDuty enables at once, a member of another
/// administrator, emails that fail verification — then those emails corrected and repaired.
#[test]
fn the_lifecycle_settles_every_account_and_repairs_failed_verification() {
    let input = "Account ID,Email\n\
        222200000001,enabled@example.com\n\
        222200000002,created-before@example.com\n\
        222200000003,new@example.com\n\
        222200000004,org@example.com\n\
        222200000005,wrong@example.com\n\
        222200000006,foreign@example.com\n";
    let behaviour = Behaviour {
        failing_emails: ["wrong@example.com".to_owned()].into(),
        organization_accounts: ["222200000004".to_owned()].into(),
        foreign: ["222200000006".to_owned()].into(),
        verification_ms: 3_000,
        quotas: false,
    };
    let mut sim = Sim::new(1, Faults::default(), behaviour);
    for r in ["us-east-1", "eu-west-1"] {
        sim.seed_member(&key(Service::GuardDuty, r), "222200000001", Some("enabled@example.com"), "Enabled");
        sim.seed_member(&key(Service::GuardDuty, r), "222200000002", Some("created-before@example.com"), "Created");
        sim.seed_member(&key(Service::Detective, r), "222200000001", Some("enabled@example.com"), "ENABLED");
    }
    for r in ["us-east-1", "eu-west-1"] {
        sim.seed_member(&key(Service::SecurityHub, r), "222200000002", Some("created-before@example.com"), "Created");
    }
    let mut run = start(input, all_three(&["us-east-1", "eu-west-1"]), RunConfig::default());
    let mut driver = Driver::new(1_000_000);
    assert_eq!(driver.drive(&mut run, &mut sim, None), Ended::Done);
    assert_truth(&run, &mut sim, driver.now);
    let gd = |run: &Run, a| outcome(run, Service::GuardDuty, "eu-west-1", a);
    let det = |run: &Run, a| outcome(run, Service::Detective, "eu-west-1", a);
    let sh = |run: &Run, a| outcome(run, Service::SecurityHub, "eu-west-1", a);
    assert_eq!(sh(&run, 0), "invited / created and invited by this run");
    assert_eq!(sh(&run, 1), "invited / invited by this run", "a member left uninvited is invited");
    assert_eq!(sh(&run, 3), "enabled / created by this run", "organization accounts are not invited");
    assert_eq!(
        sh(&run, 4),
        "invited / created and invited by this run",
        "Security Hub verifies no email: the wrong one is only a contact address"
    );
    assert_eq!(sh(&run, 5), "not-added / ");
    let sh_invites = sim.log.iter().filter(|o| **o == Operation::SecurityHubInviteMembers).count();
    assert_eq!(sh_invites, 2, "one invitation batch per Security Hub region");
    assert_eq!(gd(&run, 0), "enabled / already a member");
    assert_eq!(gd(&run, 1), "invited / invited by this run", "a member left uninvited is invited");
    assert_eq!(gd(&run, 2), "invited / created and invited by this run");
    assert_eq!(gd(&run, 3), "enabled / created by this run", "organization accounts are not invited");
    assert_eq!(gd(&run, 4), "verification-failed / created and invited by this run");
    assert_eq!(gd(&run, 5), "not-added / ");
    assert_eq!(det(&run, 0), "enabled / already a member");
    assert_eq!(det(&run, 2), "invited / created by this run");
    assert_eq!(det(&run, 4), "verification-failed / created by this run");
    assert!(!run.all_good());
    let invites = sim.log.iter().filter(|o| **o == Operation::GuardDutyInviteMembers).count();
    assert_eq!(invites, 2, "one invitation batch per GuardDuty region");
    let repair_list = enlist_core::export::repair_list(&run);
    assert_eq!(repair_list, "Account ID,Email\n222200000005,wrong@example.com\n");

    // The user corrects the email on the row and confirms the repair.
    sim.behaviour.failing_emails.clear();
    // The same email again would fail the same way: refused, in words, and nothing changes.
    let same = run.repair(4, " Wrong@example.com ").unwrap_err();
    assert_eq!(
        same,
        "expected a corrected email, found Wrong@example.com, the one the account already has (its verification failed)"
    );
    assert_eq!(
        run.repair(4, "right@example.com").unwrap(),
        4,
        "four destinations to repair: GuardDuty and Detective in two regions, never Security Hub"
    );
    assert!(run.repair(4, "not an email").is_err());
    assert_eq!(
        run.repair(4, "New@example.com").unwrap_err(),
        "expected the root email of account 222200000005, found New@example.com, the email of account 222200000003 in this run (each AWS account has its own)"
    );
    assert_eq!(run.repairable(4).len(), 4, "GuardDuty and Detective in two regions");
    assert!(run.repairable(0).is_empty());
    assert_eq!(driver.drive(&mut run, &mut sim, None), Ended::Done);
    assert_truth(&run, &mut sim, driver.now);
    assert_eq!(gd(&run, 4), "invited / deleted, created again and invited by this run");
    assert_eq!(det(&run, 4), "invited / deleted and created again by this run");
    let deletes = sim
        .log
        .iter()
        .filter(|o| matches!(o, Operation::GuardDutyDeleteMembers | Operation::DetectiveDeleteMembers))
        .count();
    assert_eq!(deletes, 4, "only the failed members are deleted");
    assert_eq!(sh(&run, 4), "invited / created and invited by this run", "the repair leaves Security Hub alone");
    assert_reads_back(&run, &driver);
    // The repaired email is in the journal: a reload shows it.
    let resumed = driver.resume();
    assert_eq!(resumed.accounts()[4].email(), Some("right@example.com"));
}

/// The issue's hard case: 4,000 accounts × 2 services × 3 regions under a rate limit, heavy
/// random throttling, 5xx, and connections dropped before and after the work, with three kills
/// and resumes. Nothing is lost, every status is the service's, the retry budget survives the
/// throttling, and the run keeps the rate-limited lanes busy.
#[test]
fn four_thousand_accounts_under_faults_and_kills_lose_nothing() {
    let input = accounts(4_000);
    let faults = Faults {
        rate: 10.0,
        throttle: 0.20,
        server_error: 0.10,
        dropped_before: 0.02,
        dropped_after: 0.02,
        // Answers that never come cost a request deadline each (40 s); they have their own test.
        lost_after: 0.0,
        proxy_502_after: 0.01,
    };
    let behaviour = Behaviour { verification_ms: 0, ..Behaviour::default() };
    let mut sim = Sim::new(42, faults, behaviour);
    // Some accounts are members already.
    for (i, line) in input.lines().enumerate().filter(|(i, _)| i % 37 == 0) {
        let id = &line[..12];
        let email = &line[13..];
        sim.seed_member(
            &key(Service::GuardDuty, "us-east-1"),
            id,
            Some(email),
            if i % 2 == 0 { "Enabled" } else { "Created" },
        );
        sim.seed_member(&key(Service::Detective, "ap-southeast-2"), id, Some(email), "INVITED");
        sim.seed_member(&key(Service::SecurityHub, "eu-west-1"), id, Some(email), "Created");
    }
    let mut run = start(
        &input,
        all_three(&["us-east-1", "eu-west-1", "ap-southeast-2"]),
        RunConfig { seed: 7, ..RunConfig::default() },
    );
    let mut driver = Driver::new(1_700_000_000_000);
    let started = driver.now;
    for kill_after in [700, 700, 700] {
        assert_eq!(driver.drive(&mut run, &mut sim, Some(kill_after)), Ended::Killed);
        run = driver.resume();
    }
    assert_eq!(driver.drive(&mut run, &mut sim, None), Ended::Done);
    assert_truth(&run, &mut sim, driver.now);
    assert!(run.all_good(), "{:?}", labels(&run));
    let progress = run.progress();
    assert_eq!((progress.done, progress.good), (36_000, 36_000));
    assert!(progress.destinations.iter().all(|d| d.retry_tokens > 0), "throttling never drains the retry budget");
    // Lanes run in parallel, each admitting at most `rate` requests a second: the busiest lane's
    // admitted requests over the rate is the floor.
    let busiest = sim.admitted.values().copied().max().unwrap();
    let floor_ms = busiest as f64 / faults.rate * 1_000.0;
    let took = (driver.now - started) as f64;
    assert!(took <= floor_ms * 1.3, "took {took} ms, more than 1.3 × the {floor_ms} ms floor of the busiest lane");
    // What faults cost: GuardDuty needs 5 requests a batch (read, create, read, invite, read).
    let minimal = 80 * 5;
    assert!(busiest <= minimal * 2, "{busiest} requests admitted in the busiest lane for a minimum of {minimal}");
}

fn one_batch(destinations: Vec<Destination>, script: &[Fault]) -> (Run, Sim, Driver) {
    let mut sim = Sim::new(3, Faults::default(), Behaviour::default());
    sim.script = script.iter().copied().collect();
    let run = start(&accounts(3), destinations, RunConfig::default());
    (run, sim, Driver::new(0))
}

/// A request the service applied but whose answer was lost — the connection dropped, the proxy
/// answered 502, nothing came back — is read back: the accounts are reported as created by this
/// run, never as "already a member" or failed.
#[test]
fn an_answer_lost_after_the_work_is_read_back() {
    for fault in [Fault::DroppedAfter, Fault::Proxy502After, Fault::LostAfter] {
        for destination in [guardduty("us-east-1"), detective("us-east-1"), security_hub("us-east-1")] {
            let service = destination.service();
            let (mut run, mut sim, mut driver) = one_batch(vec![destination], &[Fault::None, fault]);
            assert_eq!(driver.drive(&mut run, &mut sim, None), Ended::Done);
            assert_truth(&run, &mut sim, driver.now);
            let outcome = run.outcome(0, 0).unwrap();
            assert_eq!(outcome.action().split(' ').next(), Some("created"), "{fault:?} {service:?}: {outcome:?}");
            let creates = sim.log.iter().filter(|o| o.name() == "CreateMembers").count();
            assert_eq!(creates, 1, "{fault:?}: read back, not sent again");
            assert_eq!(sim.log[2].service(), service);
            assert_eq!(sim.log[2].name(), "GetMembers");
        }
    }
}

/// A connection that dropped before the service saw the request: the read finds nothing and the
/// account is created.
#[test]
fn a_request_lost_before_the_work_is_sent_again_after_a_read() {
    let (mut run, mut sim, mut driver) = one_batch(vec![guardduty("us-east-1")], &[Fault::None, Fault::DroppedBefore]);
    assert_eq!(driver.drive(&mut run, &mut sim, None), Ended::Done);
    assert_truth(&run, &mut sim, driver.now);
    let ops: Vec<Operation> = sim.log.iter().take(4).copied().collect();
    assert_eq!(
        ops,
        [
            Operation::GuardDutyGetMembers,
            Operation::GuardDutyCreateMembers,
            Operation::GuardDutyGetMembers,
            Operation::GuardDutyCreateMembers
        ]
    );
}

/// Killed right after requests went out, before their answers were journaled: the flight records
/// written before the send make the resumed run read those accounts back.
#[test]
fn a_kill_between_send_and_journal_write_loses_nothing() {
    let mut interrupted = 0;
    for kill_after in [1, 2, 3, 5, 9, 13, 21] {
        let mut sim = Sim::new(kill_after, Faults::default(), Behaviour::default());
        let mut run = start(&accounts(400), both(&["us-east-1"]), RunConfig::default());
        let mut driver = Driver::new(0);
        assert_eq!(driver.drive(&mut run, &mut sim, Some(kill_after)), Ended::Killed);
        // Requests the service applied whose answers the journal does not have.
        if sim.applied > driver.deliveries {
            interrupted += 1;
        }
        let mut resumed = driver.resume();
        assert_eq!(driver.drive(&mut resumed, &mut sim, None), Ended::Done);
        assert_truth(&resumed, &mut sim, driver.now);
        assert!(resumed.all_good(), "{:?}", labels(&resumed));
    }
    assert!(interrupted >= 3, "only {interrupted} kills left requests in flight");
}

/// A process resumed ten minutes into a run, with a clock behind the dead one's (or ahead): no
/// timer waits for the old clock, and the watch deadline is kept to.
#[test]
fn a_resume_with_another_clock_carries_on_at_once() {
    for new_clock in [0, 5_000_000] {
        let mut sim = Sim::new(5, Faults { rate: 0.5, ..Faults::default() }, Behaviour::default());
        let mut run = start(&accounts(4_000), vec![guardduty("us-east-1")], RunConfig::default());
        let mut driver = Driver::new(1_000_000);
        // At a request every two seconds, 300 answers take about ten minutes.
        assert_eq!(driver.drive(&mut run, &mut sim, Some(300)), Ended::Killed);
        assert!(driver.now >= 1_000_000 + 120_000, "the first process ran for {} ms", driver.now - 1_000_000);
        let mut resumed = driver.resume();
        let mut next = Driver::new(new_clock);
        next.journal = driver.journal.clone();
        let actions = resumed.poll(new_clock);
        assert!(actions.iter().any(|a| matches!(a, Action::Send { .. })), "sends at once: {actions:?}");
        assert_eq!(next.drive(&mut resumed, &mut sim, None), Ended::Done);
        assert_truth(&resumed, &mut sim, next.now);
        let took = next.now - new_clock;
        assert!(took < 30 * 60 * 1_000, "finished {took} ms after the resume");
    }
}

/// Members whose verification takes longer than the watch: they end as still verifying, marked for
/// another try, and a later run finds them settled.
#[test]
fn watching_ends_at_its_deadline_and_a_later_run_settles_it() {
    let behaviour = Behaviour { verification_ms: 20 * 60 * 1_000, ..Behaviour::default() };
    let mut sim = Sim::new(9, Faults::default(), behaviour);
    let config =
        RunConfig { watch: WatchPolicy { timeout_ms: 60_000, ..WatchPolicy::default() }, ..RunConfig::default() };
    let mut run = start(&accounts(60), vec![detective("us-east-1")], config);
    let mut driver = Driver::new(0);
    assert_eq!(driver.drive(&mut run, &mut sim, None), Ended::Done);
    let outcome = run.outcome(0, 0).unwrap();
    assert_eq!((outcome.label(), &outcome.stage), ("verifying-email", &Stage::WatchEnded));
    assert!(outcome.needs_retry() && !run.all_good());
    assert!(driver.now < 2 * 60 * 1_000, "stopped watching after about a minute: {}", driver.now);
    let reads = sim.log.iter().filter(|o| **o == Operation::DetectiveGetMembers).count();
    assert!((4..=16).contains(&reads), "reads slow down as they go: {reads} in a minute for two batches");
    assert_reads_back(&run, &driver);
    driver.now = 25 * 60 * 1_000;
    let mut later = driver.resume();
    assert_eq!(driver.drive(&mut later, &mut sim, None), Ended::Done);
    assert_truth(&later, &mut sim, driver.now);
    assert!(later.all_good());
}

/// A dry run only reads: it reports what each account is and changes nothing.
#[test]
fn a_survey_reads_and_changes_nothing() {
    let mut sim = Sim::new(2, Faults::default(), Behaviour::default());
    sim.seed_member(&key(Service::GuardDuty, "us-east-1"), "200000000000", Some("member0@example.com"), "Enabled");
    let config = RunConfig { survey: true, ..RunConfig::default() };
    let mut run = start(&accounts(120), both(&["us-east-1"]), config);
    let mut driver = Driver::new(0);
    assert_eq!(driver.drive(&mut run, &mut sim, None), Ended::Done);
    assert!(sim.log.iter().all(|o| matches!(o, Operation::GuardDutyGetMembers | Operation::DetectiveGetMembers)));
    assert_eq!(sim.log.len(), 6, "three batches to each of two targets");
    let progress = run.progress();
    assert_eq!(progress.labels, [("not-a-member", 239), ("enabled", 1)]);
    assert!(progress.destinations.iter().all(|d| d.surveyed));
}

/// Nothing is created in a target until every account of it was read: the numbers before sending
/// are known, and already-members are never sent.
#[test]
fn every_account_is_read_before_anything_is_created() {
    let mut sim = Sim::new(4, Faults::default(), Behaviour::default());
    sim.seed_member(&key(Service::GuardDuty, "us-east-1"), "200000000007", Some("member1@example.com"), "Enabled");
    let mut run = start(&accounts(500), vec![guardduty("us-east-1")], RunConfig::default());
    let mut driver = Driver::new(0);
    assert_eq!(driver.drive(&mut run, &mut sim, None), Ended::Done);
    let first_create = sim.log.iter().position(|o| *o == Operation::GuardDutyCreateMembers).unwrap();
    assert_eq!(first_create, 10, "ten reads, then the creates");
    let creates = sim.log.iter().filter(|o| **o == Operation::GuardDutyCreateMembers).count();
    assert_eq!(creates, 10);
    assert_truth(&run, &mut sim, driver.now);
}

/// The service's refusals are final and never retried: GuardDuty's member limit (per account) and
/// Detective's quota (HTTP 402, per request).
#[test]
fn quotas_are_not_retried() {
    let behaviour = Behaviour { quotas: true, verification_ms: 0, ..Behaviour::default() };
    let mut sim = Sim::new(1, Faults::default(), behaviour);
    let mut run = start(&accounts(1_300), both(&["us-east-1"]), RunConfig::default());
    let mut driver = Driver::new(0);
    assert_eq!(driver.drive(&mut run, &mut sim, None), Ended::Done);
    let mut limit = 0;
    let mut quota = 0;
    for view in run.cells() {
        match &view.cell.problem {
            Some(Problem::Refused { reason: UnprocessedReason::LimitReached, .. }) => limit += 1,
            Some(Problem::Failed { kind: FailureKind::Quota, .. }) => quota += 1,
            _ => {}
        }
    }
    assert_eq!(limit, 300, "GuardDuty stops at 1,000 members");
    assert_eq!(quota, 100, "Detective refuses the batches past 1,200 with 402");
    let detective_creates = sim.log.iter().filter(|o| **o == Operation::DetectiveCreateMembers).count();
    assert_eq!(detective_creates, 26, "24 batches taken, 2 refused once each");
    assert!(run.cells().filter(|v| v.cell.problem.is_some()).all(|v| !v.outcome.needs_retry()));
}

fn throttled() -> Response {
    Response {
        status: 400,
        headers: vec![
            ("x-amzn-ErrorType".into(), "ThrottlingException".into()),
            ("x-amz-retry-after".into(), "7000".into()),
        ],
        body: "{}".into(),
    }
}

fn sent(actions: &[Action]) -> Vec<(CallId, Operation)> {
    actions
        .iter()
        .filter_map(|a| if let Action::Send { call, request } = a { Some((*call, request.operation)) } else { None })
        .collect()
}

#[test]
fn retries_honour_retry_after_and_stop_at_non_retryable_errors() {
    let mut run = start(&accounts(3), vec![guardduty("us-east-1")], RunConfig::default());
    let (call, operation) = sent(&run.poll(0))[0];
    assert_eq!(operation, Operation::GuardDutyGetMembers);
    run.on_response(call, &throttled(), 100);
    assert_eq!(run.poll(100), [Action::WaitUntil(7_100)], "x-amz-retry-after is honoured");
    assert!(sent(&run.poll(7_099)).is_empty());
    let (call, _) = sent(&run.poll(7_100))[0];
    let denied = Response {
        status: 403,
        headers: vec![("x-amzn-ErrorType".into(), "AccessDeniedException".into())],
        body: r#"{"message":"not allowed"}"#.into(),
    };
    run.on_response(call, &denied, 7_200);
    assert_eq!(run.poll(7_200), [Action::Done]);
    let outcome = run.outcome(0, 0).unwrap();
    assert_eq!(outcome.label(), "unknown");
    assert_eq!(outcome.detail(), "could not read it back: AccessDeniedException: not allowed");
    // A late or repeated answer changes nothing.
    run.on_response(call, &Response { status: 200, headers: vec![], body: "{}".into() }, 8_000);
    assert_eq!(run.outcome(0, 0).unwrap().label(), "unknown");
}

#[test]
fn a_stalled_request_times_out_in_the_engine() {
    let mut run = start(&accounts(3), vec![guardduty("us-east-1")], RunConfig::default());
    let (call, _) = sent(&run.poll(0))[0];
    let deadline = run.config().retry.request_timeout_ms;
    assert_eq!(run.poll(10), [Action::WaitUntil(deadline)], "the next deadline is the request's");
    let actions = run.poll(deadline);
    assert_eq!(sent(&actions).len(), 0, "the retry waits for its backoff");
    let Some(Action::WaitUntil(retry_at)) = actions.last().cloned() else { panic!("{actions:?}") };
    assert!(retry_at < deadline + 1_000, "full jitter within the first second");
    assert_eq!(sent(&run.poll(retry_at)).len(), 1);
    // The timed-out request's late answer is ignored.
    run.on_response(call, &Response { status: 200, headers: vec![], body: "{}".into() }, retry_at + 1);
    assert_eq!(run.progress().in_flight, 1);
}

#[test]
fn throttled_answers_take_no_retry_tokens_and_have_their_own_limit() {
    let mut run = start(&accounts(3), vec![guardduty("us-east-1")], RunConfig::default());
    let limit = run.config().retry.max_throttled_attempts;
    let mut now = 0;
    for _ in 0..limit {
        let actions = run.poll(now);
        let (call, _) = sent(&actions)[0];
        run.on_response(call, &Response { status: 429, headers: vec![], body: "{}".into() }, now + 10);
        now += 30_000;
    }
    assert_eq!(run.poll(now), [Action::Done]);
    assert_eq!(run.progress().destinations[0].retry_tokens, 500, "throttling took no token");
    let outcome = run.outcome(0, 0).unwrap();
    assert!(matches!(outcome.problem, Some(Problem::Failed { op: Op::Read, kind: FailureKind::Throttled, .. })));
    assert!(outcome.needs_retry());
}

#[test]
fn cancelling_keeps_answers_in_flight_and_cancels_the_rest() {
    let mut sim = Sim::new(6, Faults::default(), Behaviour::default());
    let mut run = start(&accounts(500), vec![guardduty("us-east-1")], RunConfig::default());
    let first = run.poll(0);
    assert_eq!(sent(&first).len(), 2, "two requests in flight at the start");
    run.cancel();
    for action in first {
        if let Action::Send { call, request } = action {
            let sim::Answer::Respond(response) = sim.handle(&request, 10) else { panic!() };
            run.on_response(call, &response, 50);
        }
    }
    assert_eq!(run.poll(60), [Action::Done]);
    let counts = labels(&run);
    assert_eq!(counts.get("cancelled ").copied(), Some(500), "{counts:?}");
    assert_eq!(run.cell(0, 99).unwrap().held, Held::Absent, "the answers in flight are kept");
    assert_eq!(run.cell(0, 100).unwrap().held, Held::Unknown);
    // Resuming (what the CLI does with a journal, and "retry" in the page) carries on.
    run.retry_failed(100);
    let mut driver = Driver::new(100);
    assert_eq!(driver.drive(&mut run, &mut sim, None), Ended::Done);
    assert_truth(&run, &mut sim, driver.now);
}

#[test]
fn journals_refuse_other_versions_and_damage_without_panicking() {
    let mut sim = Sim::new(8, Faults::default(), Behaviour::default());
    let mut run = start(&accounts(120), both(&["us-east-1"]), RunConfig::default());
    let mut driver = Driver::new(0);
    assert_eq!(driver.drive(&mut run, &mut sim, Some(4)), Ended::Killed);
    let journal = driver.journal.join("\n");
    assert!(Run::from_journal(&journal).is_ok());
    let cases = [
        ("not json", "expected an Enlist run journal (JSON), found text that is not JSON"),
        ("[1,2]", "expected an Enlist run journal (a JSON object on each line)"),
        ("{\"version\":3}", "expected an Enlist run journal of version 2, found version 3, written by a newer Enlist"),
        ("{\"k\":\"run\"}", "the run journal is damaged: it has no plan record"),
        ("", "expected an Enlist run journal, found an empty one"),
    ];
    for (text, message) in cases {
        let error = Run::from_journal(text).unwrap_err().to_string();
        assert!(error.contains(message), "{text}: {error}");
    }
    // A last line cut short by a kill is ignored; damage anywhere else is refused.
    let cut = format!("{journal}\n{{\"k\":\"u0\",\"sent\":");
    assert!(Run::from_journal(&cut).is_ok());
    let middle = format!("{{\"k\":\"u0\",\"sent\":\n{journal}");
    assert!(Run::from_journal(&middle).unwrap_err().to_string().contains("the run journal is damaged"));
    let mut lines: Vec<String> = driver.journal.clone();
    let unit = lines.iter().position(|l| l.starts_with("{\"k\":\"u")).unwrap();
    let mut value: Value = serde_json::from_str(&lines[unit]).unwrap();
    value["cells"].as_array_mut().unwrap().pop();
    lines[unit] = value.to_string();
    assert!(Run::from_journal(&lines.join("\n")).unwrap_err().to_string().contains("does not match its batch"));
    // Cutting a journal anywhere never panics.
    for cut in (0..journal.len()).step_by(11) {
        if journal.is_char_boundary(cut) {
            let _ = Run::from_journal(&journal[..cut]);
        }
    }
}

/// A run's journal reads back as it was written: loading the run's snapshot gives a run whose
/// snapshot is the same text, and so does loading the append-only journal the driver wrote (many
/// records of a key, the last one winning). For a run with nothing in flight.
fn assert_reads_back(run: &Run, driver: &Driver) {
    let snapshot = to_text(&run.snapshot());
    let loaded = Run::from_journal(&snapshot).unwrap();
    assert_eq!(to_text(&loaded.snapshot()), snapshot);
    let lines: Vec<&str> = driver.journal.iter().map(String::as_str).collect();
    assert_eq!(to_text(&Run::from_lines(&lines).unwrap().snapshot()), snapshot);
}

/// Every kind of fact a journal keeps reads back: settings unlike the defaults, skipped lines,
/// destinations that cannot be used (each reason), invitations with a message and organization
/// mode, refusals, failures for good, emails whose verification failed, repairs, and text that
/// needs escaping.
#[test]
fn a_journal_keeps_every_kind_of_fact() {
    let input = "Account ID,Email\n\
        222200000001,a@example.com\n\
        222200000002,wrong@example.com\n\
        222200000003,foreign@example.com\n\
        not an ID,x@example.com\n\
        222200000005,\"e\u{e9}@example.com\"\n";
    let behaviour = Behaviour {
        failing_emails: ["wrong@example.com".to_owned()].into(),
        foreign: ["222200000003".to_owned()].into(),
        verification_ms: 2_000,
        ..Behaviour::default()
    };
    let mut sim = Sim::new(5, Faults { server_error: 0.3, ..Faults::default() }, behaviour);
    let mut destinations = all_three(&["us-east-1"]);
    let welcome = Invitation::new(Some("Welcome to \"security\"\nline two \u{2014} \\ done"), true);
    let quiet = Target::guardduty(region("eu-west-1"), DETECTOR.parse().unwrap(), welcome).unwrap();
    let org = Target::detective(region("eu-west-1"), graph("eu-west-1").parse().unwrap(), Invitation::default(), true);
    destinations.extend([Destination::Target(quiet), Destination::Target(org.unwrap())]);
    let reasons = [
        enlist_core::Unreachable::NotEnabled,
        enlist_core::Unreachable::NoDetector,
        enlist_core::Unreachable::NoGraph,
        enlist_core::Unreachable::NoHub,
        enlist_core::Unreachable::AccessDenied { message: "not \"allowed\"".to_owned() },
        enlist_core::Unreachable::Failed { code: "Boom".to_owned(), message: "it \u{e9}xploded".to_owned() },
    ];
    for (i, unreachable) in reasons.into_iter().enumerate() {
        let service = [Service::GuardDuty, Service::Detective, Service::SecurityHub][i % 3];
        let place = ["ap-south-2", "ap-east-1", "me-south-1", "af-south-1", "eu-south-1", "eu-south-2"][i];
        destinations.push(Destination::Unavailable { service, region: region(place), unreachable });
    }
    let retry = RetryPolicy::default();
    let pacing = Pacing::default();
    let watch = WatchPolicy::default();
    let config = RunConfig {
        retry: RetryPolicy {
            max_attempts: 2,
            max_throttled_attempts: retry.max_throttled_attempts + 1,
            base_delay_ms: retry.base_delay_ms + 1,
            max_delay_ms: retry.max_delay_ms + 1,
            bucket_capacity: retry.bucket_capacity + 1,
            retry_cost: retry.retry_cost + 1,
            timeout_retry_cost: retry.timeout_retry_cost + 1,
            request_timeout_ms: retry.request_timeout_ms + 1,
        },
        pacing: Pacing {
            initial: pacing.initial + 1,
            max: pacing.max + 1,
            throttled_interval_ms: pacing.throttled_interval_ms + 1,
            max_interval_ms: pacing.max_interval_ms + 1,
        },
        watch: WatchPolicy { timeout_ms: watch.timeout_ms + 1, first_ms: watch.first_ms + 1, max_ms: watch.max_ms + 1 },
        seed: u64::MAX,
        survey: false,
        repair_failed: true,
    };
    let parsed = parse(input, &Options::default());
    let mut run =
        Plan::new(&parsed, destinations, Policy { skip_invalid: true }).unwrap().start(config, 1_700_000_000_000);
    assert_eq!(run.skipped().len(), 2, "the line without an ID, and the email outside ASCII");
    let mut driver = Driver::new(1_700_000_000_000);
    assert_eq!(driver.drive(&mut run, &mut sim, None), Ended::Done);
    let cells: Vec<_> = run.cells().map(|v| v.cell.clone()).collect();
    assert!(cells.iter().any(|c| matches!(c.problem, Some(Problem::Refused { .. }))), "a refusal");
    assert!(cells.iter().any(|c| matches!(c.problem, Some(Problem::Failed { .. }))), "a failure for good");
    let faults: u32 = run.progress().destinations.iter().map(|d| d.faults).sum();
    assert!(faults > 0, "the server errors are counted where the progress shows them");
    assert!(cells.iter().any(|c| c.held_email.is_some()), "an email whose verification failed");
    assert_reads_back(&run, &driver);
    run.repair(1, "right@example.com").unwrap();
    sim.behaviour.failing_emails.clear();
    assert_eq!(driver.drive(&mut run, &mut sim, None), Ended::Done);
    assert!(run.cells().any(|v| v.cell.did.deleted), "a repair");
    assert_reads_back(&run, &driver);
    let loaded = Run::from_journal(&to_text(&run.snapshot())).unwrap();
    assert_eq!(loaded.config(), run.config());
    assert_eq!(loaded.skipped(), run.skipped());
    assert_eq!(loaded.destinations(), run.destinations());
}

/// An append-only journal and its compacted snapshot load into the same run, and what an answer
/// appends does not grow with the size of the run.
#[test]
fn appended_and_compacted_journals_agree_and_answers_cost_a_batch() {
    let mut sim = Sim::new(10, Faults { throttle: 0.1, server_error: 0.05, ..Faults::default() }, Behaviour::default());
    let mut run = start(&accounts(2_000), both(&["us-east-1"]), RunConfig::default());
    let mut driver = Driver::new(0);
    assert_eq!(driver.drive(&mut run, &mut sim, Some(150)), Ended::Killed);
    let appended = driver.resume();
    let snapshot = enlist_core::engine::to_text(&run.snapshot());
    let compacted = Run::from_journal(&snapshot).unwrap();
    let cells = |run: &Run| run.cells().map(|v| v.cell.clone()).collect::<Vec<_>>();
    let mut compacted_retried = compacted.clone();
    compacted_retried.retry_failed(driver.now);
    assert_eq!(cells(&appended), cells(&compacted_retried));
    let longest = driver.journal.iter().skip(1).map(String::len).max().unwrap();
    assert!(longest < 3_000, "the longest record after the plan is {longest} bytes: one batch, not the run");
}

#[test]
fn a_version_1_journal_is_migrated_and_read_back() {
    let guardduty = json!({"service": "guardduty", "region": "us-east-1", "detectorId": DETECTOR});
    let cell = |outcome: Value| json!({"outcome": outcome, "attempts": 1, "requestId": null});
    let v1 = json!({
        "version": 1,
        "targets": [guardduty],
        "accounts": [
            {"id": "200000000000", "email": "a@example.com", "line": 1, "start": 0, "end": 26},
            {"id": "200000000007", "email": "b@example.com", "line": 2, "start": 27, "end": 53},
            {"id": "200000000014", "email": "c@example.com", "line": 3, "start": 54, "end": 80},
        ],
        "skipped": [],
        "config": {"seed": 3},
        "batches": [],
        "cells": [
            cell(json!({"outcome": "created"})),
            cell(json!({"outcome": "unprocessed", "reason": "memberOfAnotherAdministrator", "text": "another administrator"})),
            cell(json!({"outcome": "sending"})),
        ],
        "lanes": [], "laneOf": [], "bucket": 500, "rng": "3", "cancelled": false
    });
    let mut run = Run::from_journal(&v1.to_string()).unwrap();
    let mut sim = Sim::new(1, Faults::default(), Behaviour::default());
    sim.seed_member(&key(Service::GuardDuty, "us-east-1"), "200000000000", Some("a@example.com"), "Created");
    let mut driver = Driver::new(0);
    assert_eq!(driver.drive(&mut run, &mut sim, None), Ended::Done);
    let outcomes: Vec<String> = (0..3)
        .map(|a| {
            let o = run.outcome(0, a).unwrap();
            format!("{} / {}", o.label(), o.action())
        })
        .collect();
    assert_eq!(
        outcomes,
        ["invited / created and invited by this run", "not-added / ", "invited / created and invited by this run"]
    );
    assert!(matches!(run.cell(0, 1).unwrap().held, Held::Absent));
}

/// The pace settles near the rate the service allows: four lanes at five requests a second each,
/// with 10% throttled at random whatever the pace.
#[test]
fn pacing_settles_near_the_rate_without_collapsing_under_random_throttling() {
    let mut sim = Sim::new(5, Faults { rate: 5.0, throttle: 0.10, ..Faults::default() }, Behaviour::default());
    let mut run =
        start(&accounts(3_000), both(&["us-east-1", "eu-west-1"]), RunConfig { seed: 3, ..RunConfig::default() });
    let mut driver = Driver::new(0);
    assert_eq!(driver.drive(&mut run, &mut sim, None), Ended::Done);
    assert_truth(&run, &mut sim, driver.now);
    let busiest = sim.admitted.values().copied().max().unwrap();
    let floor_ms = busiest * 1_000 / 5;
    assert!(driver.now <= floor_ms * 13 / 10, "took {} ms, more than 1.3 × the {floor_ms} ms floor", driver.now);
    assert!(busiest <= 60 * 5 * 3 / 2, "{busiest} requests admitted in the busiest lane for 60 batches of 5");
}

#[test]
fn plans_refuse_what_cannot_be_sent() {
    let ids_only = "111122224444\n222233334444\n";
    let org = Options { services: Services::only(Service::Detective), organization_mode: true, ..Options::default() };
    let parsed = parse(ids_only, &org);
    let error = Plan::new(&parsed, vec![guardduty("us-east-1")], Policy::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "expected an email for account 111122224444 to send it to guardduty us-east-1, found none"
    );
    let organization = Destination::Target(
        Target::detective(region("us-east-1"), graph("us-east-1").parse().unwrap(), Invitation::default(), true)
            .unwrap(),
    );
    let plan = Plan::new(&parsed, vec![organization], Policy::default()).unwrap();
    let requests = plan.requests();
    assert!(!requests[0].request.body.as_ref().unwrap().contains("EmailAddress"), "organization mode sends no emails");
    let empty = parse("", &Options::default());
    assert_eq!(
        Plan::new(&empty, both(&["us-east-1"]), Policy::default()).unwrap_err().to_string(),
        "expected at least one account to send, found none"
    );
    let twice = vec![guardduty("us-east-1"), guardduty("us-east-1")];
    let two = parse(&accounts(2), &Options::default());
    assert!(Plan::new(&two, twice, Policy::default()).unwrap_err().to_string().contains("twice"));
    let with_admin = parse(&format!("{ADMIN},admin@example.com\n"), &Options::default());
    assert!(
        Plan::new(&with_admin, vec![detective("us-east-1")], Policy::default())
            .unwrap_err()
            .to_string()
            .contains("administrator account 111122223333")
    );
    let broken = parse("111122224444,a@example.com\n12,b@example.com\n", &Options::default());
    assert_eq!(
        Plan::new(&broken, both(&["us-east-1"]), Policy::default()).unwrap_err().to_string(),
        "expected a list without errors, found 1; fix it or skip that line"
    );
    let plan = Plan::new(&broken, both(&["us-east-1"]), Policy { skip_invalid: true }).unwrap();
    assert_eq!(plan.skipped()[0].line, 2);
    assert_eq!(plan.skipped()[0].account.as_deref(), Some("12"));
    // A line skipped for its email still names its account, and an unusable destination is named
    // as people write it.
    let bad_email = parse("111122224444,a@example.com\n111122225555,ops@@example.com\n", &Options::default());
    let plan = Plan::new(&bad_email, both(&["us-east-1"]), Policy { skip_invalid: true }).unwrap();
    assert_eq!(
        (plan.skipped()[0].account.as_deref(), plan.skipped()[0].email.as_deref()),
        (Some("111122225555"), Some("ops@@example.com"))
    );
    let nowhere = vec![Destination::Unavailable {
        service: Service::SecurityHub,
        region: region("eu-west-2"),
        unreachable: enlist_core::Unreachable::NoHub,
    }];
    let error = Plan::new(&two, nowhere, Policy::default()).unwrap_err().to_string();
    assert!(error.starts_with("expected at least one destination that can be used, found none: Security Hub eu-west-2: Security Hub is not enabled"), "{error}");
}
