//! The engine against a deterministic simulated upstream: seeded throttling, 5xx, timeouts after
//! the work was done, dropped connections, existing members and quotas, on a virtual clock.
//! Every run must end with exactly one terminal outcome per account and target, agree with the
//! simulated service's member lists, never send a batch again without a reason, never exceed the
//! attempt policy, and finish the same way when resumed from a journal taken mid-run.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

use enlist_core::engine::{Action, BatchKey, Millis, Run, RunConfig, TransportError};
use enlist_core::wire::{Operation, Request, Response};
use enlist_core::{FailureKind, Options, Outcome, Target, UnprocessedReason, parse};
use serde_json::{Value, json};

const GRAPH: &str = "arn:aws:detective:us-east-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899";

#[derive(Clone, Copy, Debug, Default)]
struct Faults {
    throttle: f64,
    server_error: f64,
    /// The work is done but no answer arrives.
    timeout_after_apply: f64,
    /// The connection drops before the request arrives.
    dropped: f64,
    /// Requests per second per service and region before throttling; 0 for none.
    rate: f64,
    /// Enforce GuardDuty's 1,000 and Detective's 1,200 members.
    quotas: bool,
}

enum Answer {
    Respond(Response),
    Timeout,
    Dropped,
}

/// A simulated GuardDuty and Detective: member lists per target, with seeded faults.
struct Sim {
    rng: u64,
    faults: Faults,
    members: HashMap<String, HashSet<String>>,
    tokens: HashMap<String, (f64, Millis)>,
}

impl Sim {
    fn new(seed: u64, faults: Faults) -> Sim {
        Sim { rng: seed, faults, members: HashMap::new(), tokens: HashMap::new() }
    }

    fn roll(&mut self) -> f64 {
        self.rng = self.rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }

    fn target_key(request: &Request, body: &Value) -> String {
        match request.operation {
            Operation::GuardDutyCreateMembers => format!("guardduty {} {}", request.region, request.path),
            _ => format!("detective {} {}", request.region, body["GraphArn"].as_str().unwrap()),
        }
    }

    fn error(status: u16, kind: &str) -> Answer {
        Answer::Respond(Response {
            status,
            headers: vec![("x-amzn-ErrorType".into(), kind.into()), ("x-amzn-RequestId".into(), "sim-error".into())],
            body: json!({"message": format!("simulated {kind}")}).to_string(),
        })
    }

    fn handle(&mut self, request: &Request, now: Millis) -> Answer {
        let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
        if self.faults.rate > 0.0 {
            let lane = format!("{:?} {}", request.operation.service(), request.region);
            let (tokens, last) = self.tokens.entry(lane).or_insert((self.faults.rate, now));
            *tokens = (*tokens + (now - *last) as f64 / 1000.0 * self.faults.rate).min(self.faults.rate);
            *last = now;
            if *tokens < 1.0 {
                return Sim::error(400, "ThrottlingException");
            }
            *tokens -= 1.0;
        }
        if self.roll() < self.faults.throttle {
            return Sim::error(429, "TooManyRequestsException");
        }
        if self.roll() < self.faults.server_error {
            return Sim::error(500, "InternalServerErrorException");
        }
        if self.roll() < self.faults.dropped {
            return Answer::Dropped;
        }
        let timeout = self.roll() < self.faults.timeout_after_apply;
        let response = self.apply(request, &body);
        if timeout { Answer::Timeout } else { Answer::Respond(response) }
    }

    fn apply(&mut self, request: &Request, body: &Value) -> Response {
        let key = Sim::target_key(request, body);
        let quotas = self.faults.quotas;
        let members = self.members.entry(key).or_default();
        let ok = |body: Value| Response {
            status: 200,
            headers: vec![("x-amzn-RequestId".into(), "sim-ok".into())],
            body: body.to_string(),
        };
        if request.operation == Operation::GuardDutyCreateMembers {
            let mut unprocessed = Vec::new();
            for detail in body["accountDetails"].as_array().unwrap() {
                let id = detail["accountId"].as_str().unwrap().to_owned();
                if members.contains(&id) {
                    unprocessed.push(json!({"accountId": id, "result": "The request is rejected because the input account is already a member or associated member of the current account."}));
                } else if quotas && members.len() >= 1_000 {
                    unprocessed.push(json!({"accountId": id, "result": "The request is rejected because the current account cannot create more members."}));
                } else {
                    members.insert(id);
                }
            }
            return ok(json!({"unprocessedAccounts": unprocessed}));
        }
        let accounts = body["Accounts"].as_array().unwrap();
        let new = accounts.iter().filter(|a| !members.contains(a["AccountId"].as_str().unwrap())).count();
        if quotas && members.len() + new > 1_200 {
            return Response {
                status: 402,
                headers: vec![],
                body: json!({"Message": "quota", "__type": "ServiceQuotaExceededException"}).to_string(),
            };
        }
        let (mut created, mut unprocessed) = (Vec::new(), Vec::new());
        for account in accounts {
            let id = account["AccountId"].as_str().unwrap().to_owned();
            if members.insert(id.clone()) {
                created.push(json!({"AccountId": id, "EmailAddress": account["EmailAddress"], "GraphArn": body["GraphArn"], "Status": "VERIFICATION_IN_PROGRESS"}));
            } else {
                unprocessed
                    .push(json!({"AccountId": id, "Reason": "The account is already a member of the behavior graph"}));
            }
        }
        ok(json!({"Members": created, "UnprocessedAccounts": unprocessed}))
    }
}

#[derive(Default)]
struct Record {
    sends: BTreeMap<BatchKey, u32>,
    retryable_failures: BTreeMap<BatchKey, u32>,
    no_answer: HashSet<BatchKey>,
    in_flight: HashSet<BatchKey>,
    max_attempt: u32,
    deliveries: usize,
}

enum Delivery {
    Answer(Response),
    Timeout,
    Dropped,
}

/// Drives `run` against `sim` on a virtual clock until it is done, or until `stop_after` answers
/// were delivered (what is still in flight is then lost, as when a tab closes).
fn drive(run: &mut Run, sim: &mut Sim, now: &mut Millis, record: &mut Record, stop_after: Option<usize>) -> bool {
    let mut queue: BinaryHeap<Reverse<(Millis, u64, BatchKey)>> = BinaryHeap::new();
    let mut pending: HashMap<u64, Delivery> = HashMap::new();
    let mut sequence = 0u64;
    for _ in 0..1_000_000 {
        let mut wake = None;
        for action in run.poll(*now) {
            match action {
                Action::Done => {
                    assert!(queue.is_empty(), "done with answers outstanding");
                    return true;
                }
                Action::WaitUntil(at) => wake = Some(at),
                Action::Send { key, attempt, request } => {
                    assert!(record.in_flight.insert(key), "{key:?} sent while already in flight");
                    let sends = record.sends.entry(key).or_default();
                    *sends += 1;
                    assert_eq!(attempt, *sends, "attempt numbers count the sends of a batch");
                    assert!(
                        *sends <= 1 + record.retryable_failures.get(&key).copied().unwrap_or(0),
                        "{key:?} sent again without a retryable failure"
                    );
                    record.max_attempt = record.max_attempt.max(attempt);
                    let (delay, delivery) = match sim.handle(&request, *now) {
                        Answer::Respond(response) => (40, Delivery::Answer(response)),
                        Answer::Timeout => (10_000, Delivery::Timeout),
                        Answer::Dropped => (5, Delivery::Dropped),
                    };
                    sequence += 1;
                    pending.insert(sequence, delivery);
                    queue.push(Reverse((*now + delay, sequence, key)));
                }
            }
        }
        let next = match (queue.peek(), wake) {
            (Some(Reverse((at, ..))), Some(w)) => (*at).min(w),
            (Some(Reverse((at, ..))), None) => *at,
            (None, Some(w)) => w,
            (None, None) => panic!("the run stalled: nothing in flight and nothing to wait for"),
        };
        *now = (*now).max(next);
        while queue.peek().is_some_and(|Reverse((at, ..))| *at <= *now) {
            let Reverse((_, sequence, key)) = queue.pop().unwrap();
            record.in_flight.remove(&key);
            match pending.remove(&sequence).unwrap() {
                Delivery::Answer(response) => {
                    if response.status == 429 || response.status >= 500 || response.body.contains("ThrottlingException")
                    {
                        *record.retryable_failures.entry(key).or_default() += 1;
                    }
                    run.on_response(key, &response, *now);
                }
                Delivery::Timeout => {
                    *record.retryable_failures.entry(key).or_default() += 1;
                    record.no_answer.insert(key);
                    run.on_transport_error(key, TransportError::Timeout, *now);
                }
                Delivery::Dropped => {
                    *record.retryable_failures.entry(key).or_default() += 1;
                    record.no_answer.insert(key);
                    run.on_transport_error(key, TransportError::Connection("connection reset".into()), *now);
                }
            }
            record.deliveries += 1;
            if stop_after.is_some_and(|n| record.deliveries >= n) {
                return false;
            }
        }
    }
    panic!("the run did not finish");
}

fn accounts(n: usize) -> String {
    (0..n).map(|i| format!("{:012},member{i}@example.com\n", 200_000_000_000u64 + i as u64 * 7)).collect()
}

fn targets() -> Vec<Target> {
    let guardduty = |region: &str| Target::GuardDuty {
        region: region.parse().unwrap(),
        detector_id: "12abc34d567e8fa901bc2d34e56789f0".parse().unwrap(),
    };
    vec![
        guardduty("us-east-1"),
        guardduty("eu-west-1"),
        Target::Detective {
            region: "ap-southeast-2".parse().unwrap(),
            graph_arn: GRAPH.parse().unwrap(),
            options: Default::default(),
        },
    ]
}

/// Checks every invariant of a finished run against the simulated service.
fn check_finished(run: &Run, sim: &Sim, record: &Record) {
    assert!(run.is_done());
    let policy = &run.config().retry;
    let most = policy.max_attempts.max(policy.max_throttled_attempts);
    assert!(record.max_attempt <= most, "attempts never exceed the policy");
    for view in run.cells() {
        assert!(view.cell.outcome.is_terminal(), "{:?}", view.cell.outcome);
        assert!(view.cell.attempts >= 1 && view.cell.attempts <= most);
        let key = match view.target {
            Target::GuardDuty { region, detector_id } => format!("guardduty {region} /detector/{detector_id}/member"),
            Target::Detective { region, graph_arn, .. } => format!("detective {region} {graph_arn}"),
        };
        let id = view.account.id().to_string();
        let is_member = sim.members.get(&key).is_some_and(|m| m.contains(&id));
        if view.cell.outcome.is_member() {
            assert!(
                is_member,
                "{id} on {}: {:?} but the service has no such member",
                view.target.label(),
                view.cell.outcome
            );
        } else if is_member {
            // Only an attempt that got no answer can have done work the run did not see.
            assert!(
                matches!(
                    view.cell.outcome,
                    Outcome::Failed { kind: FailureKind::Transient, .. }
                        | Outcome::Failed { kind: FailureKind::Throttled, .. }
                        | Outcome::Cancelled
                ),
                "{id} on {}: {:?} but the service made it a member",
                view.target.label(),
                view.cell.outcome
            );
        }
    }
}

#[test]
fn five_thousand_accounts_three_regions_under_faults() {
    let input = accounts(5_000);
    let parsed = parse(&input, &Options::default());
    let faults =
        Faults { throttle: 0.10, server_error: 0.05, timeout_after_apply: 0.02, dropped: 0.02, ..Faults::default() };
    let mut sim = Sim::new(42, faults);
    // Some accounts are members already.
    for (i, account) in parsed.accounts.iter().enumerate().filter(|(i, _)| i % 37 == 0) {
        let key = if i % 2 == 0 {
            "guardduty us-east-1 /detector/12abc34d567e8fa901bc2d34e56789f0/member".to_owned()
        } else {
            format!("detective ap-southeast-2 {GRAPH}")
        };
        sim.members.entry(key).or_default().insert(account.id().to_string());
    }
    let mut run = Run::new(&input, &parsed, targets(), RunConfig { seed: 7, ..RunConfig::default() }).unwrap();
    let lanes = |run: &Run| run.progress().lanes.iter().map(|l| (l.batches, l.done, l.waiting)).collect::<Vec<_>>();
    assert_eq!(lanes(&run), vec![(100, 0, 100); 3], "5,000 accounts are 100 batches in each of the three lanes");
    let (mut now, mut record) = (0, Record::default());
    assert!(drive(&mut run, &mut sim, &mut now, &mut record, None));
    assert_eq!(lanes(&run), vec![(100, 100, 0); 3]);
    check_finished(&run, &sim, &record);
    let count = |label: &str| run.cells().filter(|v| v.cell.outcome.label() == label).count();
    assert_eq!(run.cells().count(), 15_000);
    assert!(count("created") > 9_000, "most GuardDuty accounts are created");
    assert!(count("verification-in-progress") > 4_000);
    assert!(
        run.cells()
            .any(|v| matches!(v.cell.outcome, Outcome::Unprocessed { reason: UnprocessedReason::AlreadyMember, .. }))
    );
    assert!(record.retryable_failures.values().sum::<u32>() > 20, "the faults happened");
    assert!(record.sends.values().any(|&n| n > 1), "and were retried");
    let progress = run.progress();
    assert_eq!((progress.done, progress.in_flight, progress.waiting), (progress.batches, 0, 0));
    assert!(progress.lanes.iter().all(|l| l.window >= 1 && l.window <= run.config().pacing.max));
}

#[test]
fn a_run_resumed_from_a_journal_ends_like_an_uninterrupted_one() {
    let input = accounts(1_200);
    let parsed = parse(&input, &Options::default());
    let finish = |stop: Option<usize>| {
        let mut sim = Sim::new(9, Faults::default());
        let mut run = Run::new(&input, &parsed, targets(), RunConfig { seed: 3, ..RunConfig::default() }).unwrap();
        let (mut now, mut record) = (0, Record::default());
        if stop.is_some() && !drive(&mut run, &mut sim, &mut now, &mut record, stop) {
            // The tab closes: what was in flight is lost; the journal is all that is left.
            let journal = run.to_journal();
            run = Run::from_journal(&journal).unwrap();
            assert_eq!(
                Run::from_journal(&run.to_journal()).unwrap().to_journal(),
                run.to_journal(),
                "journals round-trip"
            );
            // What was in flight got no answer, as far as the resumed run knows.
            for key in std::mem::take(&mut record.in_flight) {
                *record.retryable_failures.entry(key).or_default() += 1;
                record.no_answer.insert(key);
            }
        }
        assert!(drive(&mut run, &mut sim, &mut now, &mut record, None));
        check_finished(&run, &sim, &record);
        run.cells().map(|v| v.cell.outcome.clone()).collect::<Vec<_>>()
    };
    let whole = finish(None);
    let resumed = finish(Some(25));
    assert_eq!(whole.len(), resumed.len());
    let mut probably = 0;
    for (a, b) in whole.iter().zip(&resumed) {
        match b {
            Outcome::ProbablyCreated { .. } => {
                probably += 1;
                assert!(a.is_member(), "{a:?} vs {b:?}");
            }
            _ => assert_eq!(a, b),
        }
    }
    assert!(probably > 0, "the batches lost in flight were applied and are reported as probably created");
}

#[test]
fn quotas_and_permissions_are_not_retried() {
    let input = accounts(1_300);
    let parsed = parse(&input, &Options::default());
    let mut sim = Sim::new(1, Faults { quotas: true, ..Faults::default() });
    let mut run = Run::new(&input, &parsed, targets(), RunConfig::default()).unwrap();
    let (mut now, mut record) = (0, Record::default());
    assert!(drive(&mut run, &mut sim, &mut now, &mut record, None));
    check_finished(&run, &sim, &record);
    let limit = run
        .cells()
        .filter(|v| matches!(v.cell.outcome, Outcome::Unprocessed { reason: UnprocessedReason::LimitReached, .. }))
        .count();
    assert_eq!(limit, 2 * 300, "GuardDuty stops at 1,000 members per region");
    let quota: Vec<_> =
        run.cells().filter(|v| matches!(v.cell.outcome, Outcome::Failed { kind: FailureKind::Quota, .. })).collect();
    assert_eq!(quota.len(), 100, "Detective refuses the batches past 1,200 with 402");
    assert!(quota.iter().all(|v| v.cell.attempts == 1), "a quota is never retried");
}

fn single_batch_run() -> Run {
    let input = accounts(3);
    let parsed = parse(&input, &Options::default());
    let target = vec![targets().remove(0)];
    Run::new(&input, &parsed, target, RunConfig { seed: 5, ..RunConfig::default() }).unwrap()
}

fn sent(actions: &[Action]) -> Vec<(BatchKey, u32)> {
    actions
        .iter()
        .filter_map(|a| if let Action::Send { key, attempt, .. } = a { Some((*key, *attempt)) } else { None })
        .collect()
}

#[test]
fn retries_honour_retry_after_and_stop_at_non_retryable_errors() {
    let mut run = single_batch_run();
    let key = sent(&run.poll(0))[0].0;
    let throttled = Response {
        status: 400,
        headers: vec![
            ("x-amzn-ErrorType".into(), "ThrottlingException".into()),
            ("x-amz-retry-after".into(), "7000".into()),
        ],
        body: "{}".into(),
    };
    run.on_response(key, &throttled, 100);
    assert_eq!(run.poll(100), [Action::WaitUntil(7_100)], "x-amz-retry-after is honoured");
    assert!(sent(&run.poll(7_099)).is_empty());
    assert_eq!(sent(&run.poll(7_100)), [(key, 2)]);
    let denied = Response {
        status: 403,
        headers: vec![("x-amzn-ErrorType".into(), "AccessDeniedException".into())],
        body: r#"{"message":"not allowed"}"#.into(),
    };
    run.on_response(key, &denied, 7_200);
    assert_eq!(run.poll(7_200), [Action::Done]);
    let cell = run.cell(0, 0).unwrap();
    assert_eq!(cell.attempts, 2);
    assert_eq!(
        cell.outcome,
        Outcome::Failed {
            kind: FailureKind::Auth,
            code: "AccessDeniedException".into(),
            message: "not allowed".into()
        }
    );
    // A late or repeated answer changes nothing.
    run.on_response(key, &Response { status: 200, headers: vec![], body: "{}".into() }, 8_000);
    assert_eq!(run.cell(0, 0).unwrap().outcome.label(), "failed");
}

/// Answers `key` with `response` at `now` and returns the next send, polling until there is one.
fn answer_and_resend(run: &mut Run, key: BatchKey, response: &Response, now: &mut Millis) -> Option<u32> {
    run.on_response(key, response, *now);
    loop {
        let actions = run.poll(*now);
        if let Some((_, attempt)) = sent(&actions).first() {
            return Some(*attempt);
        }
        match actions.first() {
            Some(Action::WaitUntil(at)) => *now = *at,
            _ => return None,
        }
    }
}

#[test]
fn throttled_attempts_do_not_use_up_the_attempts_but_have_their_own_limit() {
    let throttled = Response {
        status: 429,
        headers: vec![("x-amzn-ErrorType".into(), "TooManyRequestsException".into())],
        body: "{}".into(),
    };
    let server_error = Response {
        status: 500,
        headers: vec![("x-amzn-ErrorType".into(), "InternalServerErrorException".into())],
        body: "{}".into(),
    };
    // Five throttled answers, then two server errors: the batch still has its third real attempt.
    let mut run = single_batch_run();
    let key = sent(&run.poll(0))[0].0;
    let mut now = 0;
    for attempt in 2..=6 {
        assert_eq!(answer_and_resend(&mut run, key, &throttled, &mut now), Some(attempt));
    }
    // Their backoff is that of a first and a second real attempt: throttling does not lengthen it.
    let before = now;
    assert_eq!(answer_and_resend(&mut run, key, &server_error, &mut now), Some(7));
    assert!(now - before <= 1_000, "waited {} ms after the first server error", now - before);
    let before = now;
    assert_eq!(answer_and_resend(&mut run, key, &server_error, &mut now), Some(8));
    assert!(now - before <= 2_000, "waited {} ms after the second server error", now - before);
    let ok = Response { status: 200, headers: vec![], body: r#"{"unprocessedAccounts":[]}"#.into() };
    run.on_response(key, &ok, now);
    assert_eq!(run.cell(0, 0).unwrap().outcome.label(), "created");
    assert_eq!(run.cell(0, 0).unwrap().attempts, 8);

    // Throttled without end: the batch fails after `max_throttled_attempts`, as throttled.
    let mut run = single_batch_run();
    let key = sent(&run.poll(0))[0].0;
    let mut now = 0;
    let limit = run.config().retry.max_throttled_attempts;
    for attempt in 2..=limit {
        assert_eq!(answer_and_resend(&mut run, key, &throttled, &mut now), Some(attempt));
    }
    assert_eq!(answer_and_resend(&mut run, key, &throttled, &mut now), None);
    let cell = run.cell(0, 0).unwrap();
    assert_eq!((cell.attempts, cell.outcome.label()), (limit, "failed"));
    assert!(matches!(cell.outcome, Outcome::Failed { kind: FailureKind::Throttled, .. }), "{:?}", cell.outcome);
}

#[test]
fn backoff_is_full_jitter_within_the_cap_and_the_bucket_runs_dry() {
    let mut run = single_batch_run();
    let key = sent(&run.poll(0))[0].0;
    let server = Response { status: 503, headers: vec![], body: String::new() };
    run.on_response(key, &server, 0);
    let Action::WaitUntil(first) = run.poll(0)[0] else { panic!("expected a wait") };
    assert!(first < 1_000, "the first retry waits less than the 1 s base: {first}");
    assert_eq!(sent(&run.poll(first)), [(key, 2)]);
    run.on_response(key, &server, first);
    let Action::WaitUntil(second) = run.poll(first)[0] else { panic!("expected a wait") };
    assert!(second - first < 2_000, "the second waits less than 2 s");
    assert_eq!(sent(&run.poll(second)), [(key, 3)]);
    run.on_response(key, &server, second);
    assert_eq!(run.poll(second), [Action::Done], "three attempts and no more");
    assert_eq!(run.retry_tokens(), 500 - 10);
}

#[test]
fn cancelling_keeps_answers_in_flight_and_cancels_the_rest() {
    let input = accounts(500);
    let parsed = parse(&input, &Options::default());
    let mut run = Run::new(&input, &parsed, vec![targets().remove(0)], RunConfig::default()).unwrap();
    let first = sent(&run.poll(0));
    assert_eq!(first.len(), 2, "two batches in flight at the start");
    run.cancel();
    run.on_response(
        first[0].0,
        &Response { status: 200, headers: vec![], body: r#"{"unprocessedAccounts":[]}"#.into() },
        50,
    );
    run.on_response(first[1].0, &Response { status: 500, headers: vec![], body: String::new() }, 50);
    assert_eq!(run.poll(60), [Action::Done]);
    let labels: Vec<&str> = run.cells().map(|v| v.cell.outcome.label()).collect();
    assert!(labels[..50].iter().all(|&l| l == "created"));
    assert!(labels[50..].iter().all(|&l| l == "cancelled"), "nothing is retried after a cancel");
}

#[test]
fn journals_refuse_other_versions_and_damage_without_panicking() {
    let run = single_batch_run();
    let journal = run.to_journal();
    assert!(Run::from_journal(&journal).is_ok());
    let cases = [
        ("not json", "expected an Enlist run journal (JSON), found text that is not JSON"),
        ("[1,2]", "expected an Enlist run journal (an object with a \"version\"), found other JSON"),
        (
            r#"{"version":0}"#,
            "expected an Enlist run journal of version 1, found version 0, written by an older Enlist",
        ),
        (r#"{"version":2}"#, "found version 2, written by a newer Enlist"),
        (r#"{"version":1}"#, "the run journal is damaged: missing field"),
    ];
    for (text, message) in cases {
        let error = Run::from_journal(text).unwrap_err().to_string();
        assert!(error.contains(message), "{text}: {error}");
    }
    let mut value: Value = serde_json::from_str(&journal).unwrap();
    value["cells"].as_array_mut().unwrap().pop();
    assert!(Run::from_journal(&value.to_string()).unwrap_err().to_string().contains("do not match"));
    let mut value: Value = serde_json::from_str(&journal).unwrap();
    value["batches"][0]["end"] = json!(99);
    assert!(Run::from_journal(&value.to_string()).unwrap_err().to_string().contains("outside the accounts"));
    // Cutting a journal anywhere never panics.
    for cut in (0..journal.len()).step_by(7) {
        if journal.is_char_boundary(cut) {
            let _ = Run::from_journal(&journal[..cut]);
        }
    }
}

#[test]
fn runs_refuse_what_cannot_be_sent() {
    let ids_only = "111122223333\n222233334444\n";
    let org = Options {
        services: enlist_core::Services::only(enlist_core::Service::Detective),
        organization_mode: true,
        ..Options::default()
    };
    let parsed = parse(ids_only, &org);
    let error = Run::new(ids_only, &parsed, vec![targets().remove(0)], RunConfig::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "expected an email for account 111122223333 to send it to guardduty us-east-1, found none"
    );
    let organization = Target::Detective {
        region: "us-east-1".parse().unwrap(),
        graph_arn: GRAPH.parse().unwrap(),
        options: enlist_core::DetectiveOptions { organization_mode: true, ..Default::default() },
    };
    let mut run = Run::new(ids_only, &parsed, vec![organization], RunConfig::default()).unwrap();
    let Action::Send { request, .. } = &run.poll(0)[0] else { panic!("expected a send") };
    assert!(!request.body.as_ref().unwrap().contains("EmailAddress"), "organization mode sends no emails");
    let empty = parse("", &Options::default());
    assert!(Run::new("", &empty, targets(), RunConfig::default()).is_err());
    let twice = vec![targets().remove(0), targets().remove(0)];
    let parsed = parse(&accounts(2), &Options::default());
    assert!(Run::new(&accounts(2), &parsed, twice, RunConfig::default()).unwrap_err().to_string().contains("twice"));
}

#[test]
fn pacing_settles_near_the_rate_the_service_allows() {
    // 4,000 accounts to one region that allows 2 requests a second: 80 batches, a floor of 40 s.
    let input = accounts(4_000);
    let parsed = parse(&input, &Options::default());
    let mut sim = Sim::new(11, Faults { rate: 2.0, ..Faults::default() });
    let config = RunConfig {
        seed: 2,
        retry: enlist_core::engine::RetryPolicy { max_attempts: 10, ..Default::default() },
        ..RunConfig::default()
    };
    let mut run = Run::new(&input, &parsed, vec![targets().remove(0)], config).unwrap();
    let (mut now, mut record) = (0, Record::default());
    assert!(drive(&mut run, &mut sim, &mut now, &mut record, None));
    check_finished(&run, &sim, &record);
    let labels: std::collections::BTreeMap<&str, usize> = run.cells().fold(Default::default(), |mut m, v| {
        *m.entry(v.cell.outcome.label()).or_default() += 1;
        m
    });
    assert!(run.cells().all(|v| v.cell.outcome.label() == "created"), "every account gets through: {labels:?}");
    let sends: u32 = record.sends.values().sum();
    let floor_ms = 80 * 1_000 / 2;
    assert!(now <= floor_ms * 3 / 2, "finished in {now} ms, more than 1.5 × the {floor_ms} ms floor");
    assert!(sends <= 80 * 2, "{sends} requests for 80 batches: the pace adapts instead of hammering");
}

#[test]
fn random_throttling_on_top_of_a_rate_limit_neither_collapses_the_pace_nor_loses_accounts() {
    // 5,000 accounts to GuardDuty in three regions, each allowing 5 requests a second, and 10% of
    // requests throttled at random whatever the pace: 100 batches per region, a floor of 20 s.
    let input = accounts(5_000);
    let parsed = parse(&input, &Options::default());
    let mut sim = Sim::new(5, Faults { rate: 5.0, throttle: 0.10, ..Faults::default() });
    let guardduty = |region: &str| Target::GuardDuty {
        region: region.parse().unwrap(),
        detector_id: "12abc34d567e8fa901bc2d34e56789f0".parse().unwrap(),
    };
    let targets = vec![guardduty("us-east-1"), guardduty("eu-west-1"), guardduty("ap-southeast-2")];
    let mut run = Run::new(&input, &parsed, targets, RunConfig { seed: 3, ..RunConfig::default() }).unwrap();
    let (mut now, mut record) = (0, Record::default());
    assert!(drive(&mut run, &mut sim, &mut now, &mut record, None));
    check_finished(&run, &sim, &record);
    let labels: BTreeMap<&str, usize> = run.cells().fold(BTreeMap::new(), |mut m, v| {
        *m.entry(v.cell.outcome.label()).or_default() += 1;
        m
    });
    assert_eq!(labels.get("created"), Some(&15_000), "every account gets through: {labels:?}");
    let floor_ms = 100 * 1_000 / 5;
    assert!(now <= floor_ms * 6 / 5, "finished in {now} ms, more than 1.2 × the {floor_ms} ms floor");
}
