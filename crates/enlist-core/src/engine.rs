//! The submission engine: a sans-IO state machine that turns a parsed list and a set of targets
//! into requests, and responses into per-account outcomes.
//!
//! The caller drives it: [`Run::poll`] says what to send now and when to poll again;
//! [`Run::on_response`] and [`Run::on_transport_error`] report what came back. Time and the
//! random seed are inputs, so the browser, the CLI and the tests drive the very same machine, and
//! a test can replay a run exactly.
//!
//! Retries follow the AWS SDKs' standard mode: at most `max_attempts` attempts, full-jitter
//! exponential backoff (1 s base, 20 s cap), a retry token bucket (500 tokens; 5 per retry, 10 after
//! a timeout; refunded on success) and `x-amz-retry-after` honoured. A throttled attempt did nothing,
//! so it does not use up `max_attempts`: throttled batches are retried up to `max_throttled_attempts`.
//! Pacing is AIMD per service and region: the number of batches in flight halves on throttling and
//! grows by one per window of successes, and the spacing between sends doubles on throttling and
//! shrinks with each success, so a run settles at the rate the service allows. Two guards keep
//! throttling that has nothing to do with our pace (services throttle some requests at random) from
//! collapsing the pace: a lane slows down only while throttling is more than a fifth of its recent
//! answers, and at most once for requests sent at the same pace (a throttled request sent before
//! the last slow-down says nothing about the new pace).

use std::ops::Range;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::account::Account;
use crate::batch::MAX_BATCH;
use crate::diagnostic::Severity;
use crate::outcome::{DetectiveStatus, Outcome, UnprocessedReason, classify_unprocessed};
use crate::parse::{Exclusion, Parsed};
use crate::service::Service;
use crate::target::{Region, Target};
use crate::wire::{self, FailureKind, Request, Response};

/// Milliseconds on the caller's clock (any epoch; only differences matter).
pub type Millis = u64;

/// The AWS SDKs' standard retry mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RetryPolicy {
    /// Attempts per batch, the first included, not counting throttled ones.
    pub max_attempts: u32,
    /// Attempts per batch while the service answers with throttling (a throttled request did
    /// nothing; the pace slows down instead).
    pub max_throttled_attempts: u32,
    /// The backoff base: the first retry waits up to this long.
    pub base_delay_ms: u64,
    /// No backoff waits longer than this.
    pub max_delay_ms: u64,
    /// Tokens in the retry bucket.
    pub bucket_capacity: u32,
    /// Tokens a retry takes.
    pub retry_cost: u32,
    /// Tokens a retry after a timeout takes.
    pub timeout_retry_cost: u32,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            max_throttled_attempts: 10,
            base_delay_ms: 1_000,
            max_delay_ms: 20_000,
            bucket_capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
        }
    }
}

/// How fast each service and region is sent to: how many batches may be in flight, and how far
/// apart sends must be. Both adapt: on throttling the window halves and the spacing doubles; each
/// success widens the window by one per window and shortens the spacing by 1/16.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Pacing {
    /// In flight at the start.
    pub initial: u32,
    /// Never more than this in flight.
    pub max: u32,
    /// The spacing between sends after the first throttling answer (none before it).
    pub throttled_interval_ms: u64,
    /// The spacing never grows past this.
    pub max_interval_ms: u64,
}

impl Default for Pacing {
    fn default() -> Pacing {
        Pacing { initial: 2, max: 8, throttled_interval_ms: 100, max_interval_ms: 20_000 }
    }
}

/// A run's settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RunConfig {
    /// Retries.
    pub retry: RetryPolicy,
    /// Concurrency per service and region.
    pub pacing: Pacing,
    /// Seed for the backoff jitter; the same seed and the same inputs give the same run.
    pub seed: u64,
}

/// Identifies one batch of one target in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BatchKey(pub usize);

/// What the caller should do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Sign and send this request, then report the answer for `key`.
    Send {
        /// The batch this request carries.
        key: BatchKey,
        /// 1 for the first attempt.
        attempt: u32,
        /// The request, fresh for this attempt (the signer signs it anew).
        request: Request,
    },
    /// Poll again at this time, or earlier when an answer arrives.
    WaitUntil(Millis),
    /// Every account has its final outcome.
    Done,
}

/// A request that got no HTTP answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "message")]
pub enum TransportError {
    /// No answer in time; the service may still have done the work.
    Timeout,
    /// The connection failed or dropped; the request may have arrived.
    Connection(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Timeout => f.write_str("no answer in time"),
            TransportError::Connection(reason) => f.write_str(reason),
        }
    }
}

/// Why a run cannot start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunError(String);

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RunError {}

/// An input line that is not sent, and why: an error on it, or an exclusion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    /// 1-based line.
    pub line: usize,
    /// The line as given (trimmed, at most 200 characters).
    pub text: String,
    /// The first error on the line, or the exclusion.
    pub reason: String,
}

/// One account on one target: its outcome, the attempts its batch took and the last request ID.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cell {
    /// Where the account stands.
    pub outcome: Outcome,
    /// Attempts made so far for its batch.
    pub attempts: u32,
    /// `x-amzn-RequestId` of the last answer.
    pub request_id: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "phase")]
enum Phase {
    Ready { not_before: Millis },
    InFlight,
    Finished,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchState {
    target: usize,
    start: usize,
    end: usize,
    phase: Phase,
    attempts: u32,
    /// How many of the attempts were answered with throttling.
    #[serde(default)]
    throttled: u32,
    /// When the last attempt was sent.
    #[serde(default)]
    sent_at: Millis,
    /// An earlier attempt got no answer and may have been applied.
    maybe_applied: bool,
    /// Tokens the pending retry took from the bucket, refunded on success.
    retry_cost: u32,
}

impl BatchState {
    fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// Concurrency for one service in one region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lane {
    service: Service,
    region: Region,
    /// The AIMD window; `floor(limit)` batches may be in flight.
    limit: f64,
    /// The AIMD spacing between sends, in milliseconds; 0 until the first throttling answer.
    interval_ms: f64,
    /// No send before this time.
    next_send_at: Millis,
    in_flight: u32,
    throttled: u32,
    /// The share of throttling among the recent answers (an exponential moving average).
    #[serde(default)]
    throttle_share: f64,
    /// When the lane last slowed down.
    #[serde(default)]
    slowed_at: Millis,
}

/// A lane slows down on throttling only while throttling is more than this share of its recent
/// answers: a pace above the service's rate makes most answers throttling, while a service that
/// throttles some requests at random whatever the pace stays below it.
const SLOW_DOWN_SHARE: f64 = 0.2;

/// The weight of the newest answer in a lane's throttling share (about the last ten answers count).
const SHARE_WEIGHT: f64 = 0.1;

impl Lane {
    fn window(&self) -> u32 {
        (self.limit.floor() as u32).max(1)
    }

    fn note_answer(&mut self, throttled: bool) {
        let now = if throttled { 1.0 } else { 0.0 };
        self.throttle_share = self.throttle_share * (1.0 - SHARE_WEIGHT) + now * SHARE_WEIGHT;
    }
}

/// Counts for a progress view, per service and region and in total.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// All batches of all targets.
    pub batches: usize,
    /// Batches with a final outcome.
    pub done: usize,
    /// Batches sent and not answered.
    pub in_flight: usize,
    /// Batches waiting to be sent or retried.
    pub waiting: usize,
    /// Throttling answers so far.
    pub throttled: u32,
    /// Per service and region.
    pub lanes: Vec<LaneProgress>,
}

/// Progress of one service in one region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LaneProgress {
    /// The service.
    pub service: Service,
    /// The region.
    pub region: Region,
    /// All batches of this service in this region.
    pub batches: usize,
    /// Those with a final outcome.
    pub done: usize,
    /// Those waiting to be sent or retried.
    pub waiting: usize,
    /// Batches that may be in flight now.
    pub window: u32,
    /// Batches in flight.
    pub in_flight: u32,
    /// The spacing between sends now, in milliseconds (0: none).
    pub interval_ms: u64,
    /// Throttling answers so far.
    pub throttled: u32,
}

/// One account on one target, as the results table shows it.
#[derive(Clone, Copy, Debug)]
pub struct CellView<'a> {
    /// The target.
    pub target: &'a Target,
    /// The account.
    pub account: &'a Account,
    /// Its 1-based input line.
    pub line: usize,
    /// Outcome, attempts, request ID.
    pub cell: &'a Cell,
}

/// A submission run: targets × batches, their state, and every account's outcome.
#[derive(Clone, Debug)]
pub struct Run {
    targets: Vec<Target>,
    accounts: Vec<Account>,
    lines: Vec<usize>,
    skipped: Vec<Skipped>,
    config: RunConfig,
    batches: Vec<BatchState>,
    /// `cells[target * accounts.len() + account]`.
    cells: Vec<Cell>,
    lanes: Vec<Lane>,
    lane_of: Vec<usize>,
    bucket: u32,
    rng: u64,
    cancelled: bool,
}

impl Run {
    /// Plans a run: every account of `parsed` to every target, in batches of at most 50.
    ///
    /// Lines of `input` that are not sent (errors, exclusions) are kept as [`Skipped`] for the
    /// results. Fails when there is nothing to send, a target repeats, or a target needs emails the
    /// accounts do not have.
    pub fn new(input: &str, parsed: &Parsed, targets: Vec<Target>, config: RunConfig) -> Result<Run, RunError> {
        if targets.is_empty() {
            return Err(RunError(
                "expected at least one target (a detector or a behavior graph), found none".to_owned(),
            ));
        }
        if parsed.accounts.is_empty() {
            return Err(RunError("expected at least one account to send, found none".to_owned()));
        }
        for (i, target) in targets.iter().enumerate() {
            if targets[..i].contains(target) {
                return Err(RunError(format!("expected each target once, found {} twice", target.label())));
            }
            if let Target::Detective { options, .. } = target {
                options.validate().map_err(|e| RunError(e.to_string()))?;
            }
            let needs_email = match target {
                Target::GuardDuty { .. } => true,
                Target::Detective { options, .. } => !options.organization_mode,
            };
            if let Some(account) = parsed.accounts.iter().find(|a| needs_email && a.email().is_none()) {
                return Err(RunError(format!(
                    "expected an email for account {} to send it to {}, found none",
                    account.id(),
                    target.label()
                )));
            }
        }
        let accounts: Vec<Account> = parsed.accounts.to_vec();
        let lines = accounts.iter().map(|a| parsed.line_index.line(a.span().start)).collect();
        Ok(Run::plan(targets, accounts, lines, skipped_lines(input, parsed), config))
    }

    fn plan(
        targets: Vec<Target>,
        accounts: Vec<Account>,
        lines: Vec<usize>,
        skipped: Vec<Skipped>,
        config: RunConfig,
    ) -> Run {
        let mut lanes: Vec<Lane> = Vec::new();
        let mut lane_of = Vec::with_capacity(targets.len());
        for target in &targets {
            let (service, region) = (target.service(), target.region());
            let index = lanes.iter().position(|l| l.service == service && &l.region == region).unwrap_or_else(|| {
                lanes.push(Lane {
                    service,
                    region: region.clone(),
                    limit: f64::from(config.pacing.initial.max(1)),
                    interval_ms: 0.0,
                    next_send_at: 0,
                    in_flight: 0,
                    throttled: 0,
                    throttle_share: 0.0,
                    slowed_at: 0,
                });
                lanes.len() - 1
            });
            lane_of.push(index);
        }
        let mut batches = Vec::new();
        for target in 0..targets.len() {
            for start in (0..accounts.len()).step_by(MAX_BATCH) {
                let end = (start + MAX_BATCH).min(accounts.len());
                batches.push(BatchState {
                    target,
                    start,
                    end,
                    phase: Phase::Ready { not_before: 0 },
                    attempts: 0,
                    throttled: 0,
                    sent_at: 0,
                    maybe_applied: false,
                    retry_cost: 0,
                });
            }
        }
        let cells =
            vec![Cell { outcome: Outcome::Pending, attempts: 0, request_id: None }; targets.len() * accounts.len()];
        let bucket = config.retry.bucket_capacity;
        let rng = config.seed;
        Run { targets, accounts, lines, skipped, config, batches, cells, lanes, lane_of, bucket, rng, cancelled: false }
    }

    /// What to do now: requests to send, when to poll again, or that the run is done.
    pub fn poll(&mut self, now: Millis) -> Vec<Action> {
        let mut actions = Vec::new();
        let mut wake: Option<Millis> = None;
        let mut unfinished = false;
        for index in 0..self.batches.len() {
            let batch = &self.batches[index];
            let not_before = match batch.phase {
                Phase::Finished => continue,
                Phase::InFlight => {
                    unfinished = true;
                    continue;
                }
                Phase::Ready { not_before } => not_before,
            };
            unfinished = true;
            if not_before > now {
                wake = Some(wake.map_or(not_before, |w| w.min(not_before)));
                continue;
            }
            let lane = &mut self.lanes[self.lane_of[batch.target]];
            if lane.in_flight >= lane.window() {
                continue;
            }
            if lane.next_send_at > now {
                wake = Some(wake.map_or(lane.next_send_at, |w| w.min(lane.next_send_at)));
                continue;
            }
            lane.in_flight += 1;
            lane.next_send_at = now.saturating_add(lane.interval_ms as Millis);
            let batch = &mut self.batches[index];
            batch.attempts += 1;
            batch.sent_at = now;
            batch.phase = Phase::InFlight;
            let (target, range, attempt) = (batch.target, batch.range(), batch.attempts);
            for cell in self.cells_mut(target, range.clone()) {
                cell.outcome = Outcome::Sending;
                cell.attempts = attempt;
            }
            let request = wire::create_members(&self.targets[target], &self.accounts[range]);
            actions.push(Action::Send { key: BatchKey(index), attempt, request });
        }
        if !unfinished {
            return vec![Action::Done];
        }
        if let Some(wake) = wake {
            actions.push(Action::WaitUntil(wake));
        }
        actions
    }

    /// Reports the HTTP answer to the request sent for `key`. Answers for batches that are not in
    /// flight (late or repeated deliveries) are ignored.
    pub fn on_response(&mut self, key: BatchKey, response: &Response, now: Millis) {
        if !self.take_in_flight(key) {
            return;
        }
        let request_id = response.request_id();
        if response.is_success() {
            self.on_success(key, response, request_id);
            return;
        }
        let error = wire::decode_error(response);
        let kind = wire::classify(&error);
        let throttled = kind == FailureKind::Throttled;
        let sent_at = self.batches[key.0].sent_at;
        if throttled {
            self.batches[key.0].throttled += 1;
        }
        let pacing = self.config.pacing.clone();
        let lane = self.lane_mut(key);
        // The share before this answer: a throttled answer must not vouch for itself.
        let share = lane.throttle_share;
        lane.note_answer(throttled);
        if throttled {
            lane.throttled += 1;
            if share > SLOW_DOWN_SHARE && sent_at >= lane.slowed_at {
                lane.limit = (lane.limit / 2.0).max(1.0);
                lane.interval_ms = if lane.interval_ms < 1.0 {
                    pacing.throttled_interval_ms as f64
                } else {
                    (lane.interval_ms * 2.0).min(pacing.max_interval_ms as f64)
                };
                lane.next_send_at = now.saturating_add(lane.interval_ms as Millis);
                lane.slowed_at = now;
                // The new pace is judged by its own answers.
                lane.throttle_share = 0.0;
            }
        }
        self.retry_or_fail(key, kind, error.code, error.message, error.retry_after_ms, request_id, now, false);
    }

    /// Reports that the request sent for `key` got no HTTP answer.
    pub fn on_transport_error(&mut self, key: BatchKey, error: TransportError, now: Millis) {
        if !self.take_in_flight(key) {
            return;
        }
        self.batches[key.0].maybe_applied = true;
        let (code, message, timeout) = match error {
            TransportError::Timeout => ("Timeout".to_owned(), "no answer in time".to_owned(), true),
            TransportError::Connection(message) => ("ConnectionError".to_owned(), message, false),
        };
        self.retry_or_fail(key, FailureKind::Transient, code, message, None, None, now, timeout);
    }

    /// Stops the run: batches not yet sent are cancelled; answers to batches in flight are still
    /// recorded, but nothing is retried.
    pub fn cancel(&mut self) {
        self.cancelled = true;
        for index in 0..self.batches.len() {
            if let Phase::Ready { .. } = self.batches[index].phase {
                self.finish(BatchKey(index), &Outcome::Cancelled, None);
            }
        }
    }

    /// Whether every account has its final outcome.
    pub fn is_done(&self) -> bool {
        self.batches.iter().all(|b| b.phase == Phase::Finished)
    }

    /// Whether the run was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    /// The targets, in order.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// The accounts, in input order.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// Input lines that are not sent, and why.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// The settings.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// Tokens left in the retry bucket.
    pub fn retry_tokens(&self) -> u32 {
        self.bucket
    }

    /// The outcome of `account` (an index into [`Run::accounts`]) on `target`.
    pub fn cell(&self, target: usize, account: usize) -> Option<&Cell> {
        self.cells
            .get(target.checked_mul(self.accounts.len())?.checked_add(account)?)
            .filter(|_| account < self.accounts.len())
    }

    /// Every account on every target, target by target, in input order.
    pub fn cells(&self) -> impl Iterator<Item = CellView<'_>> + '_ {
        let n = self.accounts.len();
        self.cells.iter().enumerate().map(move |(i, cell)| CellView {
            target: &self.targets[i / n],
            account: &self.accounts[i % n],
            line: self.lines[i % n],
            cell,
        })
    }

    /// Counts for a progress view.
    pub fn progress(&self) -> Progress {
        let mut progress = Progress { batches: self.batches.len(), ..Progress::default() };
        for batch in &self.batches {
            match batch.phase {
                Phase::Finished => progress.done += 1,
                Phase::InFlight => progress.in_flight += 1,
                Phase::Ready { .. } => progress.waiting += 1,
            }
        }
        progress.throttled = self.lanes.iter().map(|l| l.throttled).sum();
        let mut counts = vec![(0, 0, 0); self.lanes.len()];
        for batch in &self.batches {
            let (batches, done, waiting) = &mut counts[self.lane_of[batch.target]];
            *batches += 1;
            match batch.phase {
                Phase::Finished => *done += 1,
                Phase::Ready { .. } => *waiting += 1,
                Phase::InFlight => {}
            }
        }
        progress.lanes = self
            .lanes
            .iter()
            .zip(counts)
            .map(|(l, (batches, done, waiting))| LaneProgress {
                service: l.service,
                region: l.region.clone(),
                batches,
                done,
                waiting,
                window: l.window(),
                in_flight: l.in_flight,
                interval_ms: l.interval_ms as u64,
                throttled: l.throttled,
            })
            .collect();
        progress
    }

    fn cells_mut(&mut self, target: usize, range: Range<usize>) -> &mut [Cell] {
        let n = self.accounts.len();
        &mut self.cells[target * n + range.start..target * n + range.end]
    }

    fn lane_mut(&mut self, key: BatchKey) -> &mut Lane {
        let lane = self.lane_of[self.batches[key.0].target];
        &mut self.lanes[lane]
    }

    /// Moves an in-flight batch out of flight; `false` if it was not in flight.
    fn take_in_flight(&mut self, key: BatchKey) -> bool {
        if self.batches.get(key.0).map(|b| b.phase) != Some(Phase::InFlight) {
            return false;
        }
        let lane = self.lane_mut(key);
        lane.in_flight = lane.in_flight.saturating_sub(1);
        true
    }

    fn finish(&mut self, key: BatchKey, outcome: &Outcome, request_id: Option<&str>) {
        let batch = &mut self.batches[key.0];
        batch.phase = Phase::Finished;
        let (target, range, attempts) = (batch.target, batch.range(), batch.attempts);
        for cell in self.cells_mut(target, range) {
            *cell = Cell { outcome: outcome.clone(), attempts, request_id: request_id.map(str::to_owned) };
        }
    }

    fn on_success(&mut self, key: BatchKey, response: &Response, request_id: Option<&str>) {
        let batch = &self.batches[key.0];
        let (target, range, maybe_applied) = (batch.target, batch.range(), batch.maybe_applied);
        let outcomes: Result<Vec<Outcome>, wire::BodyError> = match &self.targets[target] {
            Target::GuardDuty { .. } => wire::parse_guardduty_create_members(&response.body).map(|unprocessed| {
                let reasons: FxHashMap<&str, &str> =
                    unprocessed.iter().map(|u| (u.account_id.as_str(), u.reason.as_str())).collect();
                self.accounts[range.clone()]
                    .iter()
                    .map(|a| match reasons.get(a.id().to_string().as_str()) {
                        None => Outcome::Created,
                        Some(text) => unprocessed_outcome(text, maybe_applied),
                    })
                    .collect()
            }),
            Target::Detective { .. } => wire::parse_detective_create_members(&response.body).map(|out| {
                let members: FxHashMap<&str, &wire::MemberDetail> =
                    out.members.iter().map(|m| (m.account_id.as_str(), m)).collect();
                let reasons: FxHashMap<&str, &str> =
                    out.unprocessed_accounts.iter().map(|u| (u.account_id.as_str(), u.reason.as_str())).collect();
                self.accounts[range.clone()]
                    .iter()
                    .map(|a| {
                        let id = a.id().to_string();
                        if let Some(member) = members.get(id.as_str()) {
                            Outcome::Member {
                                status: DetectiveStatus::from_wire(member.status.as_deref().unwrap_or("")),
                                disabled_reason: member.disabled_reason.clone(),
                            }
                        } else if let Some(text) = reasons.get(id.as_str()) {
                            unprocessed_outcome(text, maybe_applied)
                        } else {
                            Outcome::Unprocessed {
                                reason: UnprocessedReason::Other,
                                text: "Detective answered with neither a member nor a reason for this account"
                                    .to_owned(),
                            }
                        }
                    })
                    .collect()
            }),
        };
        match outcomes {
            Ok(outcomes) => {
                let (capacity, attempts, refund) =
                    (self.config.retry.bucket_capacity, batch.attempts, batch.retry_cost);
                self.bucket = (self.bucket + if attempts == 1 { 1 } else { refund }).min(capacity);
                let max = f64::from(self.config.pacing.max.max(1));
                let lane = self.lane_mut(key);
                lane.note_answer(false);
                lane.limit = (lane.limit + 1.0 / lane.limit).min(max);
                lane.interval_ms = if lane.interval_ms < 1.0 { 0.0 } else { lane.interval_ms * 15.0 / 16.0 };
                self.batches[key.0].phase = Phase::Finished;
                for (cell, outcome) in self.cells_mut(target, range).iter_mut().zip(outcomes) {
                    *cell = Cell { outcome, attempts, request_id: request_id.map(str::to_owned) };
                }
            }
            Err(error) => {
                let outcome = Outcome::Failed {
                    kind: FailureKind::Unknown,
                    code: "InvalidResponse".to_owned(),
                    message: error.to_string(),
                };
                self.finish(key, &outcome, request_id);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn retry_or_fail(
        &mut self,
        key: BatchKey,
        kind: FailureKind,
        code: String,
        message: String,
        retry_after_ms: Option<Millis>,
        request_id: Option<&str>,
        now: Millis,
        timeout: bool,
    ) {
        let policy = &self.config.retry;
        let cost = if timeout { policy.timeout_retry_cost } else { policy.retry_cost };
        let batch = &self.batches[key.0];
        // Throttled attempts count only against their own limit, and do not lengthen the backoff.
        let unthrottled = batch.attempts - batch.throttled.min(batch.attempts);
        let attempts_left = if kind == FailureKind::Throttled {
            batch.attempts < policy.max_throttled_attempts.max(policy.max_attempts)
        } else {
            unthrottled < policy.max_attempts
        };
        if kind.is_retryable() && !self.cancelled && attempts_left && self.bucket >= cost {
            let ceiling = policy
                .base_delay_ms
                .saturating_mul(1 << (unthrottled.saturating_sub(1)).min(30))
                .min(policy.max_delay_ms);
            // A throttled batch waits for its lane's pace, which has just slowed down if the
            // throttling was ours; backing off on top of that would only stretch the run's tail.
            let jittered =
                if kind == FailureKind::Throttled { 0 } else { (self.next_unit() * ceiling as f64) as Millis };
            let delay = retry_after_ms.unwrap_or(jittered);
            self.bucket -= cost;
            let batch = &mut self.batches[key.0];
            batch.retry_cost = cost;
            batch.phase = Phase::Ready { not_before: now.saturating_add(delay) };
            let (target, range) = (batch.target, batch.range());
            for cell in self.cells_mut(target, range) {
                cell.outcome = Outcome::Pending;
                cell.request_id = request_id.map(str::to_owned);
            }
            return;
        }
        let outcome = if kind.is_retryable() && self.cancelled {
            Outcome::Cancelled
        } else {
            Outcome::Failed { kind, code, message }
        };
        self.finish(key, &outcome, request_id);
    }

    /// A uniform number in `[0, 1)` from splitmix64, so jitter replays from the seed.
    fn next_unit(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn unprocessed_outcome(text: &str, maybe_applied: bool) -> Outcome {
    let reason = classify_unprocessed(text);
    if reason == UnprocessedReason::AlreadyMember && maybe_applied {
        Outcome::ProbablyCreated {
            note: format!(
                "an earlier attempt got no answer and this one said \"{text}\": most likely that attempt created it"
            ),
        }
    } else {
        Outcome::Unprocessed { reason, text: text.to_owned() }
    }
}

/// The lines of `input` that carry an error, and the excluded accounts, with their reasons.
fn skipped_lines(input: &str, parsed: &Parsed) -> Vec<Skipped> {
    let mut skipped: Vec<Skipped> = Vec::new();
    let text_of = |line: usize| {
        let text = parsed.line_index.line_span(input, line).map_or("", |s| s.slice(input)).trim();
        text.chars().take(200).collect::<String>()
    };
    for diagnostic in parsed.diagnostics.iter().filter(|d| d.severity() == Severity::Error) {
        let line = parsed.line_index.line(diagnostic.span.start);
        if skipped.last().is_some_and(|s| s.line == line) {
            continue;
        }
        skipped.push(Skipped {
            line,
            text: text_of(line),
            reason: format!("{}: {}", diagnostic.code, diagnostic.message),
        });
    }
    for excluded in &parsed.excluded {
        let line = parsed.line_index.line(excluded.span.start);
        let reason = match &excluded.reason {
            Exclusion::OwnAccount => "the administrator account itself".to_owned(),
            Exclusion::Inactive { status } => format!("{status} in AWS Organizations"),
        };
        skipped.push(Skipped { line, text: text_of(line), reason: format!("excluded: {reason}") });
    }
    skipped.sort_by_key(|s| s.line);
    skipped
}

/// The journal format version this build writes and reads.
pub const JOURNAL_VERSION: u32 = 1;

/// Why a journal cannot be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalError(String);

impl std::fmt::Display for JournalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JournalError {}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JournalAccount {
    id: crate::account::AccountId,
    email: Option<String>,
    line: usize,
    start: usize,
    end: usize,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Journal {
    version: u32,
    targets: Vec<Target>,
    accounts: Vec<JournalAccount>,
    skipped: Vec<Skipped>,
    config: RunConfig,
    batches: Vec<BatchState>,
    cells: Vec<Cell>,
    lanes: Vec<Lane>,
    lane_of: Vec<usize>,
    bucket: u32,
    /// A string: JavaScript numbers cannot hold every 64-bit value.
    rng: String,
    cancelled: bool,
}

impl Run {
    /// The whole run state as versioned JSON, to store and [`Run::from_journal`] later.
    pub fn to_journal(&self) -> String {
        let journal = Journal {
            version: JOURNAL_VERSION,
            targets: self.targets.clone(),
            accounts: self
                .accounts
                .iter()
                .zip(&self.lines)
                .map(|(a, &line)| JournalAccount {
                    id: a.id(),
                    email: a.email().map(str::to_owned),
                    line,
                    start: a.span().start,
                    end: a.span().end,
                })
                .collect(),
            skipped: self.skipped.clone(),
            config: self.config.clone(),
            batches: self.batches.clone(),
            cells: self.cells.clone(),
            lanes: self.lanes.clone(),
            lane_of: self.lane_of.clone(),
            bucket: self.bucket,
            rng: self.rng.to_string(),
            cancelled: self.cancelled,
        };
        serde_json::to_string(&journal).unwrap_or_default()
    }

    /// Loads a run saved by [`Run::to_journal`]. Batches that were in flight when it was saved
    /// are sent again, as attempts that may already have been applied. A journal of another
    /// version, or a damaged one, is refused with a message saying so.
    pub fn from_journal(text: &str) -> Result<Run, JournalError> {
        // Read straight into the journal's types: no `serde_json::Value` in between, which would
        // cost the browser build a deserializer for every type and a copy of the whole journal.
        #[derive(Deserialize)]
        struct Header {
            version: Option<u64>,
        }
        serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| {
            JournalError(format!("expected an Enlist run journal (JSON), found text that is not JSON: {e}"))
        })?;
        let version = serde_json::from_str::<Header>(text).ok().and_then(|h| h.version);
        match version {
            Some(v) if v == u64::from(JOURNAL_VERSION) => {}
            Some(v) => {
                let by = if v < u64::from(JOURNAL_VERSION) { "an older" } else { "a newer" };
                return Err(JournalError(format!(
                    "expected an Enlist run journal of version {JOURNAL_VERSION}, found version {v}, written by {by} Enlist; start the run again from the list"
                )));
            }
            None => {
                return Err(JournalError(
                    "expected an Enlist run journal (an object with a \"version\"), found other JSON".to_owned(),
                ));
            }
        }
        let journal: Journal =
            serde_json::from_str(text).map_err(|e| JournalError(format!("the run journal is damaged: {e}")))?;
        let damaged = |what: &str| JournalError(format!("the run journal is damaged: {what}"));
        let (targets, n) = (journal.targets.len(), journal.accounts.len());
        if targets == 0 || n == 0 {
            return Err(damaged("it has no targets or no accounts"));
        }
        if journal.cells.len() != targets.checked_mul(n).ok_or_else(|| damaged("too many cells"))? {
            return Err(damaged("the outcomes do not match the targets and accounts"));
        }
        if journal.lane_of.len() != targets || journal.lane_of.iter().any(|&l| l >= journal.lanes.len()) {
            return Err(damaged("the targets and the pacing lanes do not match"));
        }
        if journal.lanes.iter().any(|l| {
            !l.limit.is_finite()
                || l.limit < 1.0
                || !l.interval_ms.is_finite()
                || l.interval_ms < 0.0
                || !(0.0..=1.0).contains(&l.throttle_share)
        }) {
            return Err(damaged("a pacing window or spacing is not a usable number"));
        }
        for batch in &journal.batches {
            if batch.target >= targets
                || batch.start >= batch.end
                || batch.end > n
                || batch.end - batch.start > MAX_BATCH
            {
                return Err(damaged("a batch points outside the accounts or holds more than 50"));
            }
        }
        let rng = journal.rng.parse().map_err(|_| damaged("the jitter state is not a number"))?;
        let mut pool = String::new();
        let ranges: Vec<Option<Range<usize>>> = journal
            .accounts
            .iter()
            .map(|a| {
                a.email.as_ref().map(|email| {
                    let start = pool.len();
                    pool.push_str(email);
                    start..pool.len()
                })
            })
            .collect();
        let pool: std::sync::Arc<str> = pool.into();
        let accounts: Vec<Account> = journal
            .accounts
            .iter()
            .zip(ranges)
            .map(|(a, range)| {
                Account::new(
                    a.id,
                    range.map(|r| crate::account::SharedStr::new(&pool, r)),
                    crate::span::Span::new(a.start, a.end),
                )
            })
            .collect();
        if let Err(error) = crate::batch::batches(&accounts) {
            return Err(damaged(&error.to_string()));
        }
        let mut run = Run {
            targets: journal.targets,
            lines: journal.accounts.iter().map(|a| a.line).collect(),
            accounts,
            skipped: journal.skipped,
            config: journal.config,
            batches: journal.batches,
            cells: journal.cells,
            lanes: journal.lanes,
            lane_of: journal.lane_of,
            bucket: journal.bucket,
            rng,
            cancelled: journal.cancelled,
        };
        // Nothing is in flight in a run that was just loaded: what was, may have been applied.
        for lane in &mut run.lanes {
            lane.in_flight = 0;
            lane.next_send_at = 0;
        }
        for index in 0..run.batches.len() {
            let batch = &mut run.batches[index];
            if batch.phase == Phase::InFlight {
                batch.phase = Phase::Ready { not_before: 0 };
                batch.maybe_applied = true;
                let (target, range) = (batch.target, batch.range());
                for cell in run.cells_mut(target, range) {
                    cell.outcome = Outcome::Pending;
                }
            }
        }
        Ok(run)
    }
}
