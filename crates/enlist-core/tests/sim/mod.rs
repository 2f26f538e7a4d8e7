//! A simulated GuardDuty, Detective and Security Hub for the engine's tests: member lists per target with the
//! member lifecycle (create, invite, email verification, organization accounts, quotas, another
//! administrator's members), seeded faults (a rate limit per service and region, random
//! throttling, 5xx, connections dropped before or after the work, answers lost after the work, a
//! proxy's 502 after the work), and a driver on a virtual clock that journals like the CLI does
//! and can kill the run at any point and resume it from its journal.

#![allow(dead_code, unreachable_pub, clippy::needless_pass_by_value, clippy::map_entry)]

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

use enlist_core::engine::{Action, CallId, Held, Machine, Millis, Run, TransportError};
use enlist_core::wire::{Operation, Request, Response};
use enlist_core::{MemberStatus, Service};
use serde_json::{Value, json};

pub const GRAPH_US: &str = "arn:aws:detective:us-east-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899";
pub const DETECTOR: &str = "12abc34d567e8fa901bc2d34e56789f0";
pub const ADMIN: &str = "111122223333";

/// The administrator's Security Hub hub in `region`.
pub fn hub(region: &str) -> String {
    format!("arn:aws:securityhub:{region}:{ADMIN}:hub/default")
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Faults {
    /// Requests per second per service and region; 0 for no limit.
    pub rate: f64,
    /// Throttled at random whatever the pace.
    pub throttle: f64,
    /// HTTP 500 before any work.
    pub server_error: f64,
    /// The connection drops before the request arrives.
    pub dropped_before: f64,
    /// The work is done, then the connection drops.
    pub dropped_after: f64,
    /// The work is done and no answer ever comes (the engine's deadline ends it).
    pub lost_after: f64,
    /// The work is done, then the proxy answers 502 "the service dropped the connection".
    pub proxy_502_after: f64,
}

#[derive(Clone, Debug)]
pub struct SimMember {
    pub email: Option<String>,
    pub status: &'static str,
    /// When a verification in progress completes.
    pub verify_at: Millis,
    /// Created while the run was going (not there before it).
    pub created_by_run: bool,
}

/// The simulated services' settings.
#[derive(Clone, Debug, Default)]
pub struct Behaviour {
    /// Emails whose verification fails.
    pub failing_emails: HashSet<String>,
    /// Accounts of the administrator's organization: GuardDuty enables them at creation.
    pub organization_accounts: HashSet<String>,
    /// Accounts that are members of another administrator.
    pub foreign: HashSet<String>,
    /// How long email verification takes.
    pub verification_ms: Millis,
    /// Enforce GuardDuty's 1,000 and Detective's 1,200 members.
    pub quotas: bool,
}

/// A fault for one request, in the order requests arrive (scripted before the random ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    Throttle,
    ServerError,
    DroppedBefore,
    DroppedAfter,
    LostAfter,
    Proxy502After,
}

pub enum Answer {
    Respond(Response),
    /// The connection dropped.
    Dropped,
    /// No answer at all.
    Lost,
}

pub struct Sim {
    rng: u64,
    pub faults: Faults,
    pub behaviour: Behaviour,
    /// `service region target` → members.
    pub members: HashMap<String, BTreeMap<String, SimMember>>,
    tokens: HashMap<String, (f64, Millis)>,
    pub requests: HashMap<String, u64>,
    /// Requests per lane that the rate limit let through: the floor of a run is these divided by
    /// the rate.
    pub admitted: HashMap<String, u64>,
    pub applied: u64,
    /// Faults for the next requests, before the random ones.
    pub script: std::collections::VecDeque<Fault>,
    /// Every operation received, in order.
    pub log: Vec<Operation>,
}

fn ok(body: Value) -> Response {
    Response { status: 200, headers: vec![("x-amzn-RequestId".into(), "sim-ok".into())], body: body.to_string() }
}

pub fn error(status: u16, kind: &str) -> Response {
    Response {
        status,
        headers: vec![("x-amzn-ErrorType".into(), kind.into()), ("x-amzn-RequestId".into(), "sim-error".into())],
        body: json!({"message": format!("simulated {kind}")}).to_string(),
    }
}

impl Sim {
    pub fn new(seed: u64, faults: Faults, behaviour: Behaviour) -> Sim {
        Sim {
            rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            faults,
            behaviour,
            members: HashMap::new(),
            tokens: HashMap::new(),
            requests: HashMap::new(),
            admitted: HashMap::new(),
            applied: 0,
            script: std::collections::VecDeque::new(),
            log: Vec::new(),
        }
    }

    fn roll(&mut self) -> f64 {
        self.rng = self.rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn key(service: Service, region: &str, resource: &str) -> String {
        format!("{} {region} {resource}", service.as_str())
    }

    fn key_of(request: &Request, body: &Value) -> String {
        let service = request.operation.service();
        let resource = match service {
            Service::GuardDuty => request.path.split('/').nth(2).unwrap_or("").to_owned(),
            Service::Detective => body["GraphArn"].as_str().unwrap_or("").to_owned(),
            Service::SecurityHub => hub(request.region.as_str()),
        };
        Sim::key(service, request.region.as_str(), &resource)
    }

    /// Puts a member in place before the run, with a status as the service writes it.
    pub fn seed_member(&mut self, key: &str, account: &str, email: Option<&str>, status: &'static str) {
        self.members.entry(key.to_owned()).or_default().insert(
            account.to_owned(),
            SimMember { email: email.map(str::to_owned), status, verify_at: 0, created_by_run: false },
        );
    }

    /// The member as of `now` (verifications complete when their time comes).
    pub fn current(&mut self, key: &str, account: &str, now: Millis) -> Option<SimMember> {
        let failing = self.behaviour.failing_emails.clone();
        let member = self.members.get_mut(key)?.get_mut(account)?;
        settle(member, now, &failing);
        Some(member.clone())
    }

    pub fn handle(&mut self, request: &Request, now: Millis) -> Answer {
        let body: Value = serde_json::from_str(request.body.as_deref().unwrap_or("{}")).unwrap();
        let lane = format!("{} {}", request.operation.service().as_str(), request.region);
        *self.requests.entry(lane.clone()).or_default() += 1;
        self.log.push(request.operation);
        if let Some(fault) = self.script.pop_front() {
            return self.scripted(fault, request, &body, now);
        }
        if self.faults.rate > 0.0 {
            let rate = self.faults.rate;
            let (tokens, last) = self.tokens.entry(lane).or_insert((rate, now));
            *tokens = (*tokens + now.saturating_sub(*last) as f64 / 1000.0 * rate).min(rate.max(1.0));
            *last = now;
            if *tokens < 1.0 {
                return Answer::Respond(error(400, "ThrottlingException"));
            }
            *tokens -= 1.0;
        }
        *self.admitted.entry(format!("{} {}", request.operation.service().as_str(), request.region)).or_default() += 1;
        if self.roll() < self.faults.throttle {
            return Answer::Respond(error(429, "TooManyRequestsException"));
        }
        if self.roll() < self.faults.server_error {
            return Answer::Respond(error(500, "InternalServerErrorException"));
        }
        if self.roll() < self.faults.dropped_before {
            return Answer::Dropped;
        }
        let response = self.apply(request, &body, now);
        self.applied += 1;
        let after = self.roll();
        if after < self.faults.dropped_after {
            Answer::Dropped
        } else if after < self.faults.dropped_after + self.faults.lost_after {
            Answer::Lost
        } else if after < self.faults.dropped_after + self.faults.lost_after + self.faults.proxy_502_after {
            let mut response = error(502, "EnlistProxy.UpstreamUnavailable");
            response.body =
                json!({"message": "the service dropped the connection", "__type": "EnlistProxy.UpstreamUnavailable"})
                    .to_string();
            Answer::Respond(response)
        } else {
            Answer::Respond(response)
        }
    }

    fn scripted(&mut self, fault: Fault, request: &Request, body: &Value, now: Millis) -> Answer {
        match fault {
            Fault::Throttle => return Answer::Respond(error(429, "TooManyRequestsException")),
            Fault::ServerError => return Answer::Respond(error(500, "InternalServerErrorException")),
            Fault::DroppedBefore => return Answer::Dropped,
            _ => {}
        }
        let response = self.apply(request, body, now);
        self.applied += 1;
        match fault {
            Fault::DroppedAfter => Answer::Dropped,
            Fault::LostAfter => Answer::Lost,
            Fault::Proxy502After => Answer::Respond(Response {
                status: 502,
                headers: vec![("x-amzn-ErrorType".into(), "EnlistProxy.UpstreamUnavailable".into())],
                body: json!({"message": "the service dropped the connection"}).to_string(),
            }),
            _ => Answer::Respond(response),
        }
    }

    fn apply(&mut self, request: &Request, body: &Value, now: Millis) -> Response {
        let key = Sim::key_of(request, body);
        let behaviour = self.behaviour.clone();
        let failing = behaviour.failing_emails.clone();
        let members = self.members.entry(key).or_default();
        let ids = |name: &str| -> Vec<String> {
            body[name].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
        };
        match request.operation {
            Operation::GuardDutyGetMembers | Operation::DetectiveGetMembers => {
                let guardduty = request.operation == Operation::GuardDutyGetMembers;
                let (mut found, mut missing) = (Vec::new(), Vec::new());
                for id in ids(if guardduty { "accountIds" } else { "AccountIds" }) {
                    match members.get_mut(&id) {
                        Some(member) => {
                            settle(member, now, &failing);
                            found.push(if guardduty {
                                json!({"accountId": id, "email": member.email, "relationshipStatus": member.status, "administratorId": ADMIN})
                            } else {
                                json!({"AccountId": id, "EmailAddress": member.email, "Status": member.status})
                            });
                        }
                        None if guardduty => missing.push(json!({"accountId": id, "result": "The request is rejected because the input account ID is not a member of the current account."})),
                        None => missing.push(json!({"AccountId": id, "Reason": "The account is not a member of the behavior graph."})),
                    }
                }
                if guardduty {
                    ok(json!({"members": found, "unprocessedAccounts": missing}))
                } else {
                    ok(json!({"MemberDetails": found, "UnprocessedAccounts": missing}))
                }
            }
            Operation::GuardDutyCreateMembers => {
                let mut unprocessed = Vec::new();
                for detail in body["accountDetails"].as_array().unwrap() {
                    let id = detail["accountId"].as_str().unwrap().to_owned();
                    let email = detail["email"].as_str().map(str::to_owned);
                    let result = if id == ADMIN {
                        Some("The request is rejected because the current account cannot become a member of itself.")
                    } else if behaviour.foreign.contains(&id) {
                        Some(
                            "The request is rejected because the input account is already a member of another administrator account.",
                        )
                    } else if members.contains_key(&id) {
                        Some(
                            "The request is rejected because the input account is already a member or associated member of the current account.",
                        )
                    } else if behaviour.quotas && members.len() >= 1_000 {
                        Some("The request is rejected because the current account cannot create more members.")
                    } else {
                        None
                    };
                    match result {
                        Some(result) => unprocessed.push(json!({"accountId": id, "result": result})),
                        None => {
                            let status =
                                if behaviour.organization_accounts.contains(&id) { "Enabled" } else { "Created" };
                            members.insert(id, SimMember { email, status, verify_at: 0, created_by_run: true });
                        }
                    }
                }
                ok(json!({"unprocessedAccounts": unprocessed}))
            }
            Operation::GuardDutyInviteMembers => {
                let mut unprocessed = Vec::new();
                for id in ids("accountIds") {
                    match members.get_mut(&id) {
                        Some(member) if member.status == "Created" => {
                            member.status = "EmailVerificationInProgress";
                            member.verify_at = now + behaviour.verification_ms;
                            settle(member, now, &failing);
                        }
                        Some(_) => unprocessed.push(json!({"accountId": id, "result": "The request is rejected because the input account is already invited or associated."})),
                        None => unprocessed.push(json!({"accountId": id, "result": "The request is rejected because the input account ID is not a member of the current account."})),
                    }
                }
                ok(json!({"unprocessedAccounts": unprocessed}))
            }
            Operation::GuardDutyDeleteMembers | Operation::DetectiveDeleteMembers => {
                let guardduty = request.operation == Operation::GuardDutyDeleteMembers;
                let mut unprocessed = Vec::new();
                let mut deleted = Vec::new();
                for id in ids(if guardduty { "accountIds" } else { "AccountIds" }) {
                    if members.remove(&id).is_some() {
                        deleted.push(id);
                    } else if guardduty {
                        unprocessed.push(json!({"accountId": id, "result": "not a member"}));
                    } else {
                        unprocessed.push(json!({"AccountId": id, "Reason": "not a member"}));
                    }
                }
                if guardduty {
                    ok(json!({"unprocessedAccounts": unprocessed}))
                } else {
                    ok(json!({"AccountIds": deleted, "UnprocessedAccounts": unprocessed}))
                }
            }
            Operation::DetectiveCreateMembers => {
                let accounts = body["Accounts"].as_array().unwrap();
                let new = accounts.iter().filter(|a| !members.contains_key(a["AccountId"].as_str().unwrap())).count();
                if behaviour.quotas && members.len() + new > 1_200 {
                    return Response {
                        status: 402,
                        headers: vec![("x-amzn-ErrorType".into(), "ServiceQuotaExceededException".into())],
                        body: json!({"Message": "quota"}).to_string(),
                    };
                }
                let (mut created, mut unprocessed) = (Vec::new(), Vec::new());
                for account in accounts {
                    let id = account["AccountId"].as_str().unwrap().to_owned();
                    let email = account["EmailAddress"].as_str().map(str::to_owned);
                    if id == ADMIN {
                        unprocessed.push(json!({"AccountId": id, "Reason": "The account is the administrator account of the behavior graph."}));
                    } else if members.contains_key(&id) {
                        unprocessed.push(json!({"AccountId": id, "Reason": "The account is already a member of the behavior graph."}));
                    } else {
                        let mut member = SimMember {
                            status: if email.is_some() { "VERIFICATION_IN_PROGRESS" } else { "ENABLED" },
                            verify_at: now + behaviour.verification_ms,
                            email,
                            created_by_run: true,
                        };
                        settle(&mut member, now, &failing);
                        created.push(json!({"AccountId": id, "EmailAddress": member.email, "Status": member.status}));
                        members.insert(id, member);
                    }
                }
                ok(json!({"Members": created, "UnprocessedAccounts": unprocessed}))
            }
            Operation::SecurityHubGetMembers => {
                let (mut found, mut missing) = (Vec::new(), Vec::new());
                for id in ids("AccountIds") {
                    match members.get(&id) {
                        Some(member) => found.push(json!({"AccountId": id, "Email": member.email, "MemberStatus": member.status, "AdministratorId": ADMIN, "MasterId": ADMIN})),
                        None => missing.push(json!({"AccountId": id, "ProcessingResult": "Account is not a member of the administrator account."})),
                    }
                }
                ok(json!({"Members": found, "UnprocessedAccounts": missing}))
            }
            Operation::SecurityHubCreateMembers => {
                let mut unprocessed = Vec::new();
                for detail in body["AccountDetails"].as_array().unwrap() {
                    let id = detail["AccountId"].as_str().unwrap().to_owned();
                    let email = detail["Email"].as_str().map(str::to_owned);
                    let invited = members.values().filter(|m| m.status != "Enabled" || !m.created_by_run).count();
                    let result = if id == ADMIN {
                        Some("The account is the administrator account and cannot be a member of itself.")
                    } else if behaviour.foreign.contains(&id) {
                        Some("The account is already a member of another administrator account.")
                    } else if members.contains_key(&id) {
                        Some(
                            "The request is rejected because the given account ID is already a member or associated member of the current account.",
                        )
                    } else if behaviour.quotas && invited >= 1_000 {
                        Some("The administrator account has reached the maximum number of member accounts.")
                    } else {
                        None
                    };
                    match result {
                        Some(result) => unprocessed.push(json!({"AccountId": id, "ProcessingResult": result})),
                        None => {
                            let status =
                                if behaviour.organization_accounts.contains(&id) { "Enabled" } else { "Created" };
                            members.insert(id, SimMember { email, status, verify_at: 0, created_by_run: true });
                        }
                    }
                }
                ok(json!({"UnprocessedAccounts": unprocessed}))
            }
            Operation::SecurityHubInviteMembers => {
                let mut unprocessed = Vec::new();
                for id in ids("AccountIds") {
                    match members.get_mut(&id) {
                        // Security Hub verifies no email: the invitation goes out at once.
                        Some(member) if member.status == "Created" => member.status = "Invited",
                        Some(_) => {}
                        None => unprocessed.push(json!({"AccountId": id, "ProcessingResult": "Account is not a member of the administrator account."})),
                    }
                }
                ok(json!({"UnprocessedAccounts": unprocessed}))
            }
            other => panic!("the engine sent {other:?}"),
        }
    }
}

fn settle(member: &mut SimMember, now: Millis, failing: &HashSet<String>) {
    if now < member.verify_at {
        return;
    }
    let fails = member.email.as_ref().is_some_and(|e| failing.contains(&e.to_ascii_lowercase()));
    member.status = match member.status {
        "VERIFICATION_IN_PROGRESS" if fails => "VERIFICATION_FAILED",
        "VERIFICATION_IN_PROGRESS" => "INVITED",
        "EmailVerificationInProgress" if fails => "EmailVerificationFailed",
        "EmailVerificationInProgress" => "Invited",
        other => other,
    };
}

/// How a drive ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    Done,
    /// Killed: what was in flight is lost; the journal is all that is left.
    Killed,
}

enum Delivery {
    Answer(Response),
    Dropped,
}

/// A driver on a virtual clock: polls, writes the journal before it sends (as the CLI does),
/// delivers answers after a latency, and can be killed after a number of deliveries.
pub struct Driver {
    pub now: Millis,
    pub journal: Vec<String>,
    pub latency: Millis,
    pub sends: u64,
    pub deliveries: u64,
}

impl Driver {
    pub fn new(now: Millis) -> Driver {
        Driver { now, journal: Vec::new(), latency: 40, sends: 0, deliveries: 0 }
    }

    fn write(&mut self, run: &mut Run) {
        for record in run.take_records() {
            self.journal.push(record.line);
        }
    }

    /// Drives until done, or until `kill_after` more answers were delivered.
    pub fn drive(&mut self, run: &mut Run, sim: &mut Sim, kill_after: Option<u64>) -> Ended {
        let mut queue: BinaryHeap<Reverse<(Millis, u64, CallId)>> = BinaryHeap::new();
        let mut pending: HashMap<u64, Delivery> = HashMap::new();
        let mut sequence = 0u64;
        let mut delivered = 0u64;
        for _ in 0..5_000_000 {
            let actions = run.poll(self.now);
            // The journal is written before anything is sent.
            self.write(run);
            let mut wake = None;
            for action in actions {
                match action {
                    Action::Done => return Ended::Done,
                    Action::WaitUntil(at) => wake = Some(at),
                    Action::Send { call, request } => {
                        self.sends += 1;
                        sequence += 1;
                        match sim.handle(&request, self.now) {
                            Answer::Respond(response) => {
                                pending.insert(sequence, Delivery::Answer(response));
                                queue.push(Reverse((self.now + self.latency, sequence, call)));
                            }
                            Answer::Dropped => {
                                pending.insert(sequence, Delivery::Dropped);
                                queue.push(Reverse((self.now + 5, sequence, call)));
                            }
                            // Nothing arrives: the engine's own deadline ends the request.
                            Answer::Lost => {}
                        }
                    }
                }
            }
            let next = match (queue.peek(), wake) {
                (Some(Reverse((at, ..))), Some(w)) => (*at).min(w),
                (Some(Reverse((at, ..))), None) => *at,
                (None, Some(w)) => w,
                (None, None) => panic!("the run stalled: nothing in flight and nothing to wait for"),
            };
            self.now = self.now.max(next);
            while queue.peek().is_some_and(|Reverse((at, ..))| *at <= self.now) {
                let Reverse((_, sequence, call)) = queue.pop().unwrap();
                match pending.remove(&sequence).unwrap() {
                    Delivery::Answer(response) => run.on_response(call, &response, self.now),
                    Delivery::Dropped => {
                        run.on_transport_error(call, TransportError::Connection("connection reset".into()), self.now);
                    }
                }
                self.deliveries += 1;
                delivered += 1;
                self.write(run);
                if kill_after.is_some_and(|n| delivered >= n) {
                    return Ended::Killed;
                }
            }
        }
        panic!("the run did not finish");
    }

    /// The run as a new process would load it from the journal written so far.
    pub fn resume(&self) -> Run {
        let lines: Vec<&str> = self.journal.iter().map(String::as_str).collect();
        let mut run = Run::from_lines(&lines).expect("the journal loads");
        run.retry_failed(self.now);
        run
    }
}

/// `n` accounts with distinct IDs and emails, as a console CSV.
pub fn accounts(n: usize) -> String {
    (0..n).map(|i| format!("{:012},member{i}@example.com\n", 200_000_000_000u64 + i as u64 * 7)).collect()
}

/// Every final outcome equals what the simulated service holds, and what the run says it did
/// is what it did. Returns (accounts lost, wrong statuses) with the first few for the message.
pub fn check_against_truth(run: &Run, sim: &mut Sim, now: Millis) -> (usize, usize, Vec<String>) {
    assert!(run.is_done(), "the run is done");
    let (mut lost, mut wrong, mut examples) = (0, 0, Vec::new());
    for view in run.cells() {
        let target = view.destination.target().expect("a target");
        let key = Sim::key(target.service(), target.region().as_str(), target.resource_id());
        let id = view.account.id().to_string();
        let truth = sim.current(&key, &id, now);
        let outcome = &view.outcome;
        let good_truth =
            truth.as_ref().is_some_and(|m| matches!(m.status, "Invited" | "INVITED" | "Enabled" | "ENABLED"));
        let agrees = match (&view.cell.held, &truth) {
            (Held::Member(status), Some(member)) => {
                *status == MemberStatus::from_wire(member.status, None)
                    && view.cell.did.created == member.created_by_run
            }
            (Held::Absent, None) => true,
            _ => false,
        };
        if !outcome.is_final() || !agrees {
            wrong += 1;
            if examples.len() < 5 {
                examples.push(format!(
                    "{id} on {}: {:?} / {:?}, truth {truth:?}",
                    target.label(),
                    view.cell,
                    outcome.stage
                ));
            }
        }
        let wanted = !sim.behaviour.foreign.contains(&id)
            && !view.account.email().is_some_and(|e| sim.behaviour.failing_emails.contains(&e.to_ascii_lowercase()));
        if wanted && !(outcome.is_good() && good_truth) {
            lost += 1;
            if examples.len() < 10 {
                examples.push(format!("lost {id} on {}: {} ({})", target.label(), outcome.label(), outcome.detail()));
            }
        }
    }
    (lost, wrong, examples)
}
