//! The reconciling run: for every target and batch, read what the service holds, act on what is
//! missing (delete for a repair, create, invite), read again whatever a request may have changed
//! without a clear answer, and watch what has not settled — paced per lane, retried, journaled.
//!
//! A *unit* is one batch of one target. It has at most one request in flight, and what it sends
//! next is decided from its accounts' cells alone ([`super::cell::next`]), so a run loaded from a
//! journal carries on from the facts it kept. Units wait in per-lane queues for the lane's pace;
//! timers and request deadlines sit in heaps, so a poll costs what changed, not the run's size.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::account::Account;
use crate::batch::Batch;
use crate::email::check_email;
use crate::member::MemberStatus;
use crate::outcome::{Outcome, Stage, UnprocessedReason, classify_unprocessed};
use crate::service::Service;
use crate::target::{Destination, Target};
use crate::wire::{self, FailureKind, Request, Response};

use super::cell::{self, Cell, Context, Held, Next, Op, Problem};
use super::journal::{self, Record};
use super::pace::{self, Jitter, Lane};
use super::{Action, CallId, Machine, Millis, RunConfig, Skipped, TransportError};

/// Creates the service accepted for an account without ever holding it, before the run stops.
const MAX_UNHELD_CREATES: u8 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting to be decided (in `dirty`) or for a timer.
    Idle,
    /// In its lane's queue with the request it will send.
    Queued { op: Op, mask: u64, watch: bool },
    /// A request for these accounts is in flight.
    InFlight { op: Op, mask: u64 },
    /// Parked until its target's survey is done.
    Gated,
    /// Nothing more to do.
    Done,
}

#[derive(Clone, Debug)]
pub(crate) struct Unit {
    pub(crate) destination: usize,
    pub(crate) start: usize,
    pub(crate) end: usize,
    phase: Phase,
    not_before: Millis,
    /// Throttled answers in a row.
    throttles: u32,
    /// Tokens the next retry took, given back on success.
    retry_cost: u32,
    pub(crate) watch_interval_ms: u64,
    watch_next: Millis,
    /// Wall-clock time after which the unit stops watching (journaled).
    pub(crate) watch_until: Option<Millis>,
    pub(crate) watch_ended: bool,
    /// Watch reads answered since the run started or was loaded: a deadline that passed while no
    /// process was watching still gets one read.
    watch_reads: u32,
    /// Every account's first read is done (journaled).
    pub(crate) surveyed: bool,
    pub(crate) request_id: Option<String>,
    /// Requests sent for the unit (journaled; a flight record carries the number of its send).
    pub(crate) sent: u32,
    /// Sends that were answered or timed out (journaled).
    pub(crate) answered: u32,
    /// Changed since the journal last had it.
    journal_dirty: bool,
    /// Counted in `open`.
    open: bool,
    /// What the unit's cells add to the tallies.
    tally: Tally,
}

impl Unit {
    pub(crate) fn new(destination: usize, start: usize, end: usize) -> Unit {
        Unit {
            destination,
            start,
            end,
            phase: Phase::Idle,
            not_before: 0,
            throttles: 0,
            retry_cost: 0,
            watch_interval_ms: 0,
            watch_next: 0,
            watch_until: None,
            watch_ended: false,
            watch_reads: 0,
            surveyed: false,
            request_id: None,
            sent: 0,
            answered: 0,
            journal_dirty: false,
            open: true,
            tally: Tally::default(),
        }
    }
}

/// A request in flight.
#[derive(Clone, Copy, Debug)]
struct Flight {
    unit: usize,
    op: Op,
    mask: u64,
    sent_at: Millis,
}

/// Per-account counters that bound repeated requests of one kind. Not journaled: a resumed run
/// gets fresh attempts.
#[derive(Clone, Copy, Debug, Default)]
struct Tries {
    read: u8,
    create: u8,
    invite: u8,
    delete: u8,
}

impl Tries {
    fn of(&mut self, op: Op) -> &mut u8 {
        match op {
            Op::Read => &mut self.read,
            Op::Create => &mut self.create,
            Op::Invite => &mut self.invite,
            Op::Delete => &mut self.delete,
        }
    }
}

/// Counts of one unit's or one destination's accounts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) done: usize,
    pub(crate) good: usize,
    pub(crate) to_read: usize,
    pub(crate) to_delete: usize,
    pub(crate) to_create: usize,
    pub(crate) to_invite: usize,
    pub(crate) watching: usize,
    /// Final outcomes another try could change.
    pub(crate) retry: usize,
    /// Final outcomes by label.
    pub(crate) labels: Vec<(&'static str, usize)>,
}

impl Tally {
    fn add(&mut self, other: &Tally, sign: isize) {
        let apply = |a: &mut usize, b: usize| *a = (*a as isize + sign * b as isize).max(0) as usize;
        apply(&mut self.done, other.done);
        apply(&mut self.good, other.good);
        apply(&mut self.to_read, other.to_read);
        apply(&mut self.to_delete, other.to_delete);
        apply(&mut self.to_create, other.to_create);
        apply(&mut self.to_invite, other.to_invite);
        apply(&mut self.watching, other.watching);
        apply(&mut self.retry, other.retry);
        for (label, n) in &other.labels {
            match self.labels.iter_mut().find(|(l, _)| l == label) {
                Some((_, count)) => apply(count, *n),
                None if sign > 0 => self.labels.push((label, *n)),
                None => {}
            }
        }
        self.labels.retain(|(_, n)| *n > 0);
    }

    fn count_label(&mut self, label: &'static str) {
        match self.labels.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => self.labels.push((label, 1)),
        }
    }
}

/// A submission run: every account to every destination, read, created, invited and watched
/// until it settles. Built by [`crate::Plan::start`] or loaded with [`Run::from_journal`].
#[derive(Clone, Debug)]
pub struct Run {
    pub(crate) destinations: Vec<Destination>,
    pub(crate) accounts: Vec<Account>,
    pub(crate) lines: Vec<usize>,
    pub(crate) skipped: Vec<Skipped>,
    pub(crate) config: RunConfig,
    pub(crate) created_at: Millis,
    pub(crate) units: Vec<Unit>,
    /// The first unit of each destination (none for one that is unavailable).
    first_unit: Vec<Option<usize>>,
    /// `cells[destination * accounts.len() + account]`.
    pub(crate) cells: Vec<Cell>,
    tries: Vec<Tries>,
    lanes: Vec<Lane>,
    lane_of: Vec<Option<usize>>,
    flights: FxHashMap<CallId, Flight>,
    next_call: u64,
    dirty: Vec<usize>,
    timers: BinaryHeap<Reverse<(Millis, usize)>>,
    deadlines: BinaryHeap<Reverse<(Millis, CallId)>>,
    /// Per lane: units ready to send, and units ready to watch (served after the others).
    queues: Vec<(VecDeque<usize>, VecDeque<usize>)>,
    gated: Vec<Vec<usize>>,
    survey_left: Vec<usize>,
    open: usize,
    tallies: Vec<Tally>,
    pub(crate) cancelled: bool,
    jitter: Jitter,
    records: Vec<Record>,
    /// The plan record of a new run, written first.
    plan_pending: Option<Record>,
    /// Accounts whose email changed (a repair), to journal.
    pub(crate) changed_emails: Vec<usize>,
    run_record_dirty: bool,
    throttled: u32,
}

impl Run {
    /// A run of `accounts` to `destinations`, in `batches`, before anything is sent.
    pub(crate) fn build(
        destinations: Vec<Destination>,
        accounts: Vec<Account>,
        lines: Vec<usize>,
        skipped: Vec<Skipped>,
        batches: &[Batch],
        config: RunConfig,
        created_at: Millis,
    ) -> Run {
        let mut lanes: Vec<Lane> = Vec::new();
        let mut lane_of = Vec::with_capacity(destinations.len());
        for destination in &destinations {
            let Some(target) = destination.target() else {
                lane_of.push(None);
                continue;
            };
            let (service, region) = (target.service(), target.region());
            let index = lanes.iter().position(|l| l.service == service && &l.region == region).unwrap_or_else(|| {
                lanes.push(Lane::new(service, region.clone(), &config.pacing, &config.retry));
                lanes.len() - 1
            });
            lane_of.push(Some(index));
        }
        let mut units = Vec::new();
        let mut survey_left = vec![0; destinations.len()];
        let mut first_unit = vec![None; destinations.len()];
        for (d, destination) in destinations.iter().enumerate() {
            if destination.target().is_none() {
                continue;
            }
            first_unit[d] = Some(units.len());
            for batch in batches {
                let range = batch.range();
                units.push(Unit::new(d, range.start, range.end));
                survey_left[d] += 1;
            }
        }
        let n = accounts.len();
        let cells = vec![Cell::default(); destinations.len() * n];
        let mut run = Run {
            jitter: Jitter::new(config.seed),
            queues: vec![(VecDeque::new(), VecDeque::new()); lanes.len()],
            gated: vec![Vec::new(); destinations.len()],
            tallies: vec![Tally::default(); destinations.len()],
            tries: vec![Tries::default(); cells.len()],
            open: units.len(),
            dirty: (0..units.len()).rev().collect(),
            destinations,
            accounts,
            lines,
            skipped,
            config,
            created_at,
            units,
            first_unit,
            cells,
            lanes,
            lane_of,
            flights: FxHashMap::default(),
            next_call: 1,
            timers: BinaryHeap::new(),
            deadlines: BinaryHeap::new(),
            survey_left,
            cancelled: false,
            records: Vec::new(),
            plan_pending: None,
            changed_emails: Vec::new(),
            run_record_dirty: false,
            throttled: 0,
        };
        for d in 0..run.destinations.len() {
            if let Destination::Unavailable { .. } = run.destinations[d] {
                let mut tally = Tally { done: n, ..Tally::default() };
                for _ in 0..n {
                    tally.count_label("unavailable");
                }
                run.tallies[d] = tally;
            }
        }
        run
    }

    /// The destinations, in order.
    pub fn destinations(&self) -> &[Destination] {
        &self.destinations
    }

    /// The accounts, in input order (with any email corrected by a repair).
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// The 1-based input line of each account.
    pub fn lines(&self) -> &[usize] {
        &self.lines
    }

    /// Input lines that are not sent, and why.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// The settings.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// When the run was planned (the caller's wall clock).
    pub fn created_at(&self) -> Millis {
        self.created_at
    }

    /// Whether the run was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    /// Whether every account has its final outcome and nothing is in flight.
    pub fn is_done(&self) -> bool {
        self.open == 0 && self.flights.is_empty()
    }

    /// Whether every account of every destination ended invited or enabled.
    pub fn all_good(&self) -> bool {
        self.is_done() && self.tallies.iter().all(|t| t.good == self.accounts.len())
    }

    /// The facts kept for `account` (an index into [`Run::accounts`]) on `destination`.
    pub fn cell(&self, destination: usize, account: usize) -> Option<&Cell> {
        if account >= self.accounts.len() {
            return None;
        }
        self.cells.get(destination.checked_mul(self.accounts.len())?.checked_add(account)?)
    }

    /// The outcome of `account` on `destination`, as the results table shows it.
    pub fn outcome(&self, destination: usize, account: usize) -> Option<Outcome> {
        let cell = self.cell(destination, account)?;
        Some(self.outcome_of(destination, account, cell))
    }

    fn unit_of(&self, destination: usize, account: usize) -> Option<usize> {
        // Units of a destination are consecutive, in batch order, all but the last of 50.
        let unit = (*self.first_unit.get(destination)?)? + account / crate::batch::MAX_BATCH;
        self.units
            .get(unit)
            .filter(|u| u.destination == destination && (u.start..u.end).contains(&account))
            .map(|_| unit)
    }

    fn outcome_of(&self, destination: usize, account: usize, cell: &Cell) -> Outcome {
        let base =
            Outcome { held: cell.held.clone(), did: cell.did, problem: cell.problem.clone(), stage: Stage::Done };
        if let Destination::Unavailable { unreachable, .. } = &self.destinations[destination] {
            return Outcome { stage: Stage::Unavailable(unreachable.clone()), ..base };
        }
        let Some(u) = self.unit_of(destination, account) else { return base };
        let unit = &self.units[u];
        if let Phase::InFlight { op, mask } = unit.phase
            && mask & (1 << (account - unit.start)) != 0
        {
            return Outcome { stage: Stage::Sending(op), ..base };
        }
        let stage = match cell::next(cell, &self.context(unit, account)) {
            Next::Read => Stage::Pending(Op::Read),
            Next::Delete => Stage::Pending(Op::Delete),
            Next::Create => Stage::Pending(Op::Create),
            Next::Invite => Stage::Pending(Op::Invite),
            Next::Watch => Stage::Watching,
            Next::Done if self.cancelled && !is_final_naturally(cell) => Stage::Cancelled,
            Next::Done if unit.watch_ended && cell.held.status().is_some_and(|s| !s.is_settled()) => Stage::WatchEnded,
            Next::Done => Stage::Done,
        };
        Outcome { stage, ..base }
    }

    fn context(&self, unit: &Unit, account: usize) -> Context<'_> {
        let service = self.destinations[unit.destination].service();
        Context {
            service,
            act: !self.config.survey,
            repair_all: self.config.repair_failed,
            list_email: self.accounts[account].email(),
            stopped: self.cancelled,
            watch_ended: unit.watch_ended,
        }
    }

    /// Every account on every destination, destination by destination, in input order.
    pub fn cells(&self) -> impl Iterator<Item = CellView<'_>> + '_ {
        (0..self.cells.len()).filter_map(|i| self.view(i))
    }

    /// The `index`th of [`Run::cells`], computed alone (a table in view draws only its rows).
    pub fn view(&self, index: usize) -> Option<CellView<'_>> {
        let n = self.accounts.len();
        let cell = self.cells.get(index)?;
        let (d, a) = (index / n, index % n);
        Some(CellView {
            destination: &self.destinations[d],
            account: &self.accounts[a],
            line: self.lines[a],
            cell,
            outcome: self.outcome_of(d, a, cell),
            request_id: self.unit_of(d, a).and_then(|u| self.units[u].request_id.as_deref()),
        })
    }

    /// Counts for a progress view.
    pub fn progress(&self) -> Progress {
        let n = self.accounts.len();
        let mut progress = Progress {
            accounts: n * self.destinations.len(),
            in_flight: self.flights.len(),
            throttled: self.throttled,
            requests: self.units.iter().map(|u| u64::from(u.sent)).sum(),
            ..Progress::default()
        };
        for (d, destination) in self.destinations.iter().enumerate() {
            let tally = &self.tallies[d];
            let lane = self.lane_of[d].map(|l| &self.lanes[l]);
            progress.done += tally.done;
            progress.good += tally.good;
            progress.retry += tally.retry;
            for (label, count) in &tally.labels {
                match progress.labels.iter_mut().find(|(l, _)| l == label) {
                    Some((_, total)) => *total += count,
                    None => progress.labels.push((label, *count)),
                }
            }
            progress.destinations.push(DestinationProgress {
                label: destination.label(),
                service: destination.service(),
                region: destination.region().to_string(),
                unreachable: match destination {
                    Destination::Unavailable { unreachable, .. } => Some(unreachable.describe()),
                    Destination::Target(_) => None,
                },
                accounts: n,
                done: tally.done,
                good: tally.good,
                to_read: tally.to_read,
                to_delete: tally.to_delete,
                to_create: tally.to_create,
                to_invite: tally.to_invite,
                watching: tally.watching,
                surveyed: self.survey_left[d] == 0,
                in_flight: lane.map_or(0, |l| l.in_flight),
                window: lane.map_or(0, Lane::window),
                interval_ms: lane.map_or(0, Lane::interval_ms),
                throttled: lane.map_or(0, |l| l.throttled),
                faults: lane.map_or(0, |l| l.faults),
                retry_tokens: lane.map_or(0, Lane::tokens),
                labels: tally.labels.clone(),
            });
        }
        progress.labels.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        progress
    }

    /// Stops the run: nothing more is sent; answers to requests in flight are still recorded.
    pub fn cancel(&mut self) {
        if self.cancelled {
            return;
        }
        self.cancelled = true;
        self.run_record_dirty = true;
        for u in 0..self.units.len() {
            if !matches!(self.units[u].phase, Phase::InFlight { .. } | Phase::Done) {
                self.units[u].phase = Phase::Idle;
                self.mark_dirty(u);
            }
        }
    }

    /// Tries again what failed or was left unfinished: failed requests, accounts that could not
    /// be read, a cancel, a watch that ended before the status settled. What the service refused
    /// (another administrator, the member limit) stays as it is. Attempts, the retry budget and
    /// the pace start afresh.
    pub fn retry_failed(&mut self, now: Millis) {
        if self.cancelled {
            self.cancelled = false;
            self.run_record_dirty = true;
        }
        for lane in &mut self.lanes {
            *lane = Lane::new(lane.service, lane.region.clone(), &self.config.pacing, &self.config.retry);
        }
        for tries in &mut self.tries {
            *tries = Tries::default();
        }
        for u in 0..self.units.len() {
            let unit = &mut self.units[u];
            if unit.watch_ended {
                unit.watch_ended = false;
                unit.watch_until = Some(now.saturating_add(self.config.watch.timeout_ms));
                unit.journal_dirty = true;
            }
            unit.throttles = 0;
            let (start, end, d) = (unit.start, unit.end, unit.destination);
            let n = self.accounts.len();
            for cell in &mut self.cells[d * n + start..d * n + end] {
                let retry = match &cell.problem {
                    Some(Problem::Failed { kind, .. }) => *kind != FailureKind::Quota,
                    _ => false,
                };
                if retry {
                    cell.problem = None;
                    self.units[u].journal_dirty = true;
                }
            }
            if !matches!(self.units[u].phase, Phase::InFlight { .. }) {
                self.reopen(u);
            }
        }
    }

    /// Replaces `account`'s email with `email` and allows deleting and creating it again where
    /// its email verification failed. Refused for an email a destination's service would refuse.
    pub fn repair(&mut self, account: usize, email: &str) -> Result<usize, String> {
        let email = email.trim();
        self.check_repair(account, email)?;
        let id = self.accounts[account].id();
        let span = self.accounts[account].span();
        let pool: Arc<str> = Arc::from(email);
        self.accounts[account] = Account::new(id, Some(crate::account::SharedStr::new(&pool, 0..email.len())), span);
        if !self.changed_emails.contains(&account) {
            self.changed_emails.push(account);
        }
        let n = self.accounts.len();
        let destinations = self.repairable(account);
        for &d in &destinations {
            let cell = &mut self.cells[d * n + account];
            cell.repair = true;
            cell.problem = None;
            if let Some(u) = self.unit_of(d, account) {
                self.units[u].journal_dirty = true;
                if !matches!(self.units[u].phase, Phase::InFlight { .. }) {
                    self.reopen(u);
                }
            }
        }
        Ok(destinations.len())
    }

    /// The destinations where [`Run::repair`] would delete `account`'s member and add it again:
    /// those whose service holds it with its email verification failed (never Security Hub, which
    /// verifies no email).
    pub fn repairable(&self, account: usize) -> Vec<usize> {
        (0..self.destinations.len())
            .filter(|&d| {
                self.cell(d, account).is_some_and(|c| c.held == Held::Member(MemberStatus::VerificationFailed))
            })
            .collect()
    }

    /// Why [`Run::repair`] would refuse `email` for `account`, if it would: an account not of this
    /// run, the email it already has (deleting and adding it again would fail the same way), or an
    /// email a destination's service refuses.
    pub fn check_repair(&self, account: usize, email: &str) -> Result<(), String> {
        let Some(current) = self.accounts.get(account) else {
            return Err(format!("expected an account of this run, found number {account}"));
        };
        if current.email().is_some_and(|old| old.eq_ignore_ascii_case(email.trim())) {
            return Err(format!(
                "expected a corrected email, found {}, the one the account already has (its verification failed)",
                email.trim()
            ));
        }
        for service in self.destinations.iter().filter_map(Destination::target).map(Target::service) {
            check_email(email.trim(), service).map_err(|p| p.message)?;
        }
        let other = self.accounts.iter().enumerate().find(|&(i, a)| {
            i != account && a.id() != current.id() && a.email().is_some_and(|e| e.eq_ignore_ascii_case(email.trim()))
        });
        if let Some((_, other)) = other {
            return Err(format!(
                "expected the root email of account {}, found {}, the email of account {} in this run (each AWS account has its own)",
                current.id(),
                email.trim(),
                other.id()
            ));
        }
        Ok(())
    }

    fn reopen(&mut self, u: usize) {
        let unit = &mut self.units[u];
        unit.phase = Phase::Idle;
        unit.not_before = 0;
        unit.watch_next = 0;
        if !unit.open {
            unit.open = true;
            self.open += 1;
        }
        self.mark_dirty(u);
    }

    fn mark_dirty(&mut self, u: usize) {
        self.dirty.push(u);
    }

    /// Decides what every changed unit does next.
    fn decide_dirty(&mut self, now: Millis) {
        while let Some(u) = self.dirty.pop() {
            self.decide(u, now);
        }
    }

    /// What each account of a unit needs next (as masks: read, delete, create, invite, watch),
    /// and the unit's tally, which replaces its old one in its destination's.
    fn assess(&mut self, u: usize) -> [u64; 5] {
        let (d, start, end) = (self.units[u].destination, self.units[u].start, self.units[u].end);
        let n = self.accounts.len();
        let mut masks = [0u64; 5];
        let mut tally = Tally::default();
        for a in start..end {
            let cell = &self.cells[d * n + a];
            let next = cell::next(cell, &self.context(&self.units[u], a));
            let slot = match next {
                Next::Read => Some(0),
                Next::Delete => Some(1),
                Next::Create => Some(2),
                Next::Invite => Some(3),
                Next::Watch => Some(4),
                Next::Done => None,
            };
            match slot {
                Some(i) => masks[i] |= 1 << (a - start),
                None => {
                    tally.done += 1;
                    let outcome = self.outcome_of(d, a, cell);
                    if outcome.is_good() {
                        tally.good += 1;
                    }
                    if outcome.needs_retry() {
                        tally.retry += 1;
                    }
                    tally.count_label(outcome.label());
                }
            }
        }
        tally.to_read = masks[0].count_ones() as usize;
        tally.to_delete = masks[1].count_ones() as usize;
        tally.to_create = masks[2].count_ones() as usize;
        tally.to_invite = masks[3].count_ones() as usize;
        tally.watching = masks[4].count_ones() as usize;
        let old = std::mem::replace(&mut self.units[u].tally, tally.clone());
        self.tallies[d].add(&old, -1);
        self.tallies[d].add(&tally, 1);
        masks
    }

    fn decide(&mut self, u: usize, now: Millis) {
        if matches!(self.units[u].phase, Phase::InFlight { .. } | Phase::Queued { .. }) {
            return;
        }
        let d = self.units[u].destination;
        let masks = self.assess(u);

        if masks[0] == 0 && !self.units[u].surveyed {
            self.units[u].surveyed = true;
            self.units[u].journal_dirty = true;
            self.survey_left[d] = self.survey_left[d].saturating_sub(1);
            if self.survey_left[d] == 0 {
                for g in std::mem::take(&mut self.gated[d]) {
                    self.units[g].phase = Phase::Idle;
                    self.dirty.push(g);
                }
            }
        }
        let unit = &mut self.units[u];
        let lane = self.lane_of[d];
        let (op, mask, watch) = if masks[0] != 0 {
            (Op::Read, masks[0], false)
        } else if masks[1] | masks[2] | masks[3] != 0 {
            if self.survey_left[d] > 0 {
                unit.phase = Phase::Gated;
                self.gated[d].push(u);
                return;
            }
            match (masks[1], masks[2], masks[3]) {
                (m, _, _) if m != 0 => (Op::Delete, m, false),
                (_, m, _) if m != 0 => (Op::Create, m, false),
                (_, _, m) => (Op::Invite, m, false),
            }
        } else if masks[4] != 0 {
            let latest = now.saturating_add(self.config.watch.timeout_ms);
            let until = *unit.watch_until.get_or_insert_with(|| {
                unit.journal_dirty = true;
                latest
            });
            if until > latest {
                // A clock behind the one that set the deadline: keep to the policy's length.
                unit.watch_until = Some(latest);
                unit.journal_dirty = true;
            }
            if now >= until.min(latest) && unit.watch_reads > 0 {
                unit.watch_ended = true;
                unit.journal_dirty = true;
                unit.phase = Phase::Idle;
                self.dirty.push(u);
                return;
            }
            if unit.watch_interval_ms == 0 {
                unit.watch_interval_ms = self.config.watch.first_ms.max(1);
                unit.watch_next = now.saturating_add(unit.watch_interval_ms);
            }
            (Op::Read, masks[4], true)
        } else {
            unit.phase = Phase::Done;
            if unit.open {
                unit.open = false;
                self.open -= 1;
            }
            return;
        };
        let Some(lane) = lane else { return };
        let at = if watch { unit.not_before.max(unit.watch_next) } else { unit.not_before };
        unit.phase = Phase::Queued { op, mask, watch };
        if at > now {
            unit.phase = Phase::Idle;
            self.timers.push(Reverse((at, u)));
        } else if watch {
            self.queues[lane].1.push_back(u);
        } else {
            self.queues[lane].0.push_back(u);
        }
    }

    fn send(&mut self, u: usize, op: Op, mask: u64, now: Millis) -> Option<(CallId, Request)> {
        let unit = &self.units[u];
        let target = self.destinations[unit.destination].target()?;
        let accounts = &self.accounts[unit.start..unit.end];
        let chosen = (0..accounts.len()).filter(|i| mask & (1 << i) != 0);
        let request = match op {
            Op::Read => wire::get_members(target, chosen.map(|i| accounts[i].id())),
            Op::Delete => wire::delete_members(target, chosen.map(|i| accounts[i].id()))?,
            Op::Invite => wire::invite_members(target, chosen.map(|i| accounts[i].id()))?,
            Op::Create => {
                let picked: Vec<Account> = chosen.map(|i| accounts[i].clone()).collect();
                wire::create_members(target, &picked)
            }
        };
        let call = CallId(self.next_call);
        self.next_call += 1;
        let unit = &mut self.units[u];
        unit.phase = Phase::InFlight { op, mask };
        unit.sent += 1;
        self.flights.insert(call, Flight { unit: u, op, mask, sent_at: now });
        self.deadlines.push(Reverse((now.saturating_add(self.config.retry.request_timeout_ms), call)));
        self.records.push(journal::flight_record(u, unit.sent, op, mask, now));
        Some((call, request))
    }

    /// Queues the plan record: the first thing a new run's journal holds.
    pub(crate) fn journal_plan(&mut self) {
        self.plan_pending = Some(journal::plan_record(self));
        self.run_record_dirty = true;
    }

    /// Journal records written since the last call, in order: write them before sending what
    /// [`Machine::poll`] returned, so a run killed mid-request knows the request may have gone
    /// out.
    pub fn take_records(&mut self) -> Vec<Record> {
        let mut records = std::mem::take(&mut self.records);
        let mut front: Vec<Record> = self.plan_pending.take().into_iter().collect();
        if self.run_record_dirty {
            self.run_record_dirty = false;
            front.push(journal::run_record(self));
        }
        for account in std::mem::take(&mut self.changed_emails) {
            front.push(journal::account_record(self, account));
        }
        for u in 0..self.units.len() {
            if self.units[u].journal_dirty {
                self.units[u].journal_dirty = false;
                front.push(journal::unit_record(self, u));
            }
        }
        front.append(&mut records);
        front
    }

    /// The whole run as records: a compacted journal (what was written, with only the last
    /// record of each key).
    pub fn snapshot(&self) -> Vec<Record> {
        // The plan record holds the emails as they are now, repairs included.
        let mut records = vec![journal::plan_record(self), journal::run_record(self)];
        for u in 0..self.units.len() {
            if self.units[u].answered > 0 || self.units[u].surveyed || self.units[u].watch_until.is_some() {
                records.push(journal::unit_record(self, u));
            }
        }
        for flight in self.flights.values() {
            records.push(journal::flight_record(
                flight.unit,
                self.units[flight.unit].sent,
                flight.op,
                flight.mask,
                flight.sent_at,
            ));
        }
        records
    }

    /// Marks what a kill may have interrupted, when a run is loaded: the request of a flight
    /// record with no answer after it may have been applied.
    pub(crate) fn interrupted(&mut self, u: usize, op: Op, mask: u64) {
        if !op.changes_members() {
            return;
        }
        let (d, start, end) = (self.units[u].destination, self.units[u].start, self.units[u].end);
        let n = self.accounts.len();
        for a in start..end {
            if mask & (1 << (a - start)) != 0 {
                let cell = &mut self.cells[d * n + a];
                cell.held = Held::Unknown;
                cell.pending = Some(op);
            }
        }
        self.units[u].journal_dirty = true;
    }

    /// After a load: recounts the survey and the tallies, and marks the units with nothing left
    /// to do; the first poll decides the others (it knows the time, which watching needs).
    pub(crate) fn settle_after_load(&mut self) {
        self.open = self.units.len();
        self.dirty.clear();
        for u in (0..self.units.len()).rev() {
            if self.assess(u).iter().all(|m| *m == 0) {
                self.units[u].phase = Phase::Done;
                self.units[u].open = false;
                self.open -= 1;
            } else {
                self.dirty.push(u);
            }
        }
        // A unit with nothing left to do cannot hold its destination's survey back.
        for left in &mut self.survey_left {
            *left = 0;
        }
        for unit in &self.units {
            if !unit.surveyed && unit.open {
                self.survey_left[unit.destination] += 1;
            }
        }
    }

    fn apply_answer(&mut self, flight: Flight, response: &Response, now: Millis) {
        let u = flight.unit;
        let unit = &mut self.units[u];
        unit.answered = unit.sent;
        unit.journal_dirty = true;
        if let Some(id) = response.request_id() {
            unit.request_id = Some(id.to_owned());
        }
        let lane = self.lane_of[unit.destination];
        if response.is_success() {
            let operation = self.operation(u, flight.op);
            match wire::parse_members(operation, &response.body) {
                Ok(answer) => {
                    if let Some(l) = lane {
                        let cost = std::mem::take(&mut self.units[u].retry_cost);
                        self.lanes[l].refund(cost, &self.config.retry);
                    }
                    self.units[u].throttles = 0;
                    self.record_success(flight, &answer, now);
                }
                Err(error) => {
                    // A 200 whose body cannot be read: the service may have done the work.
                    self.record_failure(
                        flight,
                        FailureKind::Transient,
                        "InvalidResponse",
                        &error.to_string(),
                        None,
                        now,
                        false,
                    );
                }
            }
            return;
        }
        let error = wire::decode_error(response);
        let kind = wire::classify(&error);
        self.record_failure(flight, kind, &error.code, &error.message, error.retry_after_ms, now, false);
    }

    fn operation(&self, u: usize, op: Op) -> wire::Operation {
        let service = self.destinations[self.units[u].destination].service();
        match (service, op) {
            (Service::GuardDuty, Op::Read) => wire::Operation::GuardDutyGetMembers,
            (Service::GuardDuty, Op::Create) => wire::Operation::GuardDutyCreateMembers,
            (Service::GuardDuty, Op::Invite) => wire::Operation::GuardDutyInviteMembers,
            (Service::GuardDuty, Op::Delete) => wire::Operation::GuardDutyDeleteMembers,
            (Service::Detective, Op::Read) => wire::Operation::DetectiveGetMembers,
            (Service::Detective, Op::Delete) => wire::Operation::DetectiveDeleteMembers,
            (Service::Detective, Op::Create | Op::Invite) => wire::Operation::DetectiveCreateMembers,
            (Service::SecurityHub, Op::Read) => wire::Operation::SecurityHubGetMembers,
            (Service::SecurityHub, Op::Create) => wire::Operation::SecurityHubCreateMembers,
            // Never sent: Security Hub verifies no email, so no member of it is deleted
            // (`cell::next` plans no delete and `wire::delete_members` builds none).
            (Service::SecurityHub, Op::Delete) => wire::Operation::SecurityHubGetMembers,
            (Service::SecurityHub, Op::Invite) => wire::Operation::SecurityHubInviteMembers,
        }
    }

    fn record_success(&mut self, flight: Flight, answer: &wire::MembersAnswer, now: Millis) {
        let u = flight.unit;
        let (d, start, end) = (self.units[u].destination, self.units[u].start, self.units[u].end);
        let n = self.accounts.len();
        let members: FxHashMap<&str, &wire::Member> =
            answer.members.iter().map(|m| (m.account_id.as_str(), m)).collect();
        let unprocessed: FxHashMap<&str, &str> =
            answer.unprocessed.iter().map(|x| (x.account_id.as_str(), x.reason.as_str())).collect();
        for a in start..end {
            if flight.mask & (1 << (a - start)) == 0 {
                continue;
            }
            let id = self.accounts[a].id().to_string();
            let index = d * n + a;
            let (cell, tries) = (&mut self.cells[index], &mut self.tries[index]);
            match flight.op {
                Op::Read => {
                    tries.read = 0;
                    read_into(cell, members.get(id.as_str()).copied());
                }
                Op::Create => {
                    *tries.of(Op::Create) += 1;
                    let created_before = cell.pending == Some(Op::Create);
                    cell.pending = None;
                    if let Some(member) = members.get(id.as_str()) {
                        // Detective answers with the new member's status.
                        cell.did.created = true;
                        read_into(cell, Some(member));
                    } else if let Some(text) = unprocessed.get(id.as_str()) {
                        match classify_unprocessed(text) {
                            UnprocessedReason::AlreadyMember => {
                                // Absent when read, a member now: an earlier attempt of this run
                                // made it, or someone else did. A read tells its status.
                                cell.did.created |= created_before;
                                cell.held = Held::Unknown;
                            }
                            reason => {
                                cell.held = Held::Absent;
                                cell.problem =
                                    Some(Problem::Refused { op: Op::Create, reason, text: (*text).to_owned() });
                            }
                        }
                    } else {
                        // GuardDuty lists only what it did not process: this one it created. Its
                        // status (Created, or Enabled for an organization account) comes from a
                        // read.
                        cell.did.created = true;
                        cell.held = Held::Unknown;
                        if tries.create >= MAX_UNHELD_CREATES && cell.problem.is_none() {
                            // Accepted again and again, yet never held: stop.
                            cell.problem = Some(Problem::Failed {
                                op: Op::Create,
                                kind: FailureKind::Unknown,
                                code: "NotHeld".to_owned(),
                                message: format!("the service accepted it {} times but does not hold it", tries.create),
                            });
                        }
                    }
                }
                Op::Invite => {
                    *tries.of(Op::Invite) += 1;
                    cell.pending = None;
                    match unprocessed.get(id.as_str()) {
                        Some(text) => {
                            let reason = classify_unprocessed(text);
                            cell.problem = Some(Problem::Refused { op: Op::Invite, reason, text: (*text).to_owned() });
                            cell.held = Held::Unknown;
                        }
                        None => {
                            cell.did.invited = true;
                            if cell.held.is_unknown() {
                                cell.held = Held::Member(MemberStatus::Created);
                            }
                        }
                    }
                }
                Op::Delete => {
                    *tries.of(Op::Delete) += 1;
                    cell.pending = None;
                    match unprocessed.get(id.as_str()) {
                        Some(text) => {
                            let reason = classify_unprocessed(text);
                            cell.problem = Some(Problem::Refused { op: Op::Delete, reason, text: (*text).to_owned() });
                            cell.held = Held::Unknown;
                        }
                        None => {
                            cell.held = Held::Absent;
                            cell.held_email = None;
                            cell.repair = false;
                            cell.did = cell::Did { deleted: true, created: false, invited: false };
                        }
                    }
                }
            }
        }
        let unit = &mut self.units[u];
        if flight.op == Op::Read && unit.watch_interval_ms > 0 {
            unit.watch_reads += 1;
            unit.watch_interval_ms = (unit.watch_interval_ms * 2).min(self.config.watch.max_ms.max(1));
            unit.watch_next = now.saturating_add(unit.watch_interval_ms);
        }
        unit.phase = Phase::Idle;
        self.dirty.push(u);
    }

    #[allow(clippy::too_many_arguments)]
    fn record_failure(
        &mut self,
        flight: Flight,
        kind: FailureKind,
        code: &str,
        message: &str,
        retry_after_ms: Option<Millis>,
        now: Millis,
        timeout: bool,
    ) {
        let u = flight.unit;
        let (d, start, end) = (self.units[u].destination, self.units[u].start, self.units[u].end);
        let n = self.accounts.len();
        let policy = self.config.retry.clone();
        let give_up = |op: Op, kind: FailureKind| Problem::Failed {
            op,
            kind,
            code: code.to_owned(),
            message: message.to_owned(),
        };
        let accounts = (start..end).filter(|a| flight.mask & (1 << (a - start)) != 0);
        match kind {
            FailureKind::Throttled => {
                // Nothing was done: send the same again at the lane's pace, up to a limit.
                let unit = &mut self.units[u];
                unit.throttles += 1;
                let over = unit.throttles >= policy.max_throttled_attempts.max(1);
                unit.not_before = now.saturating_add(retry_after_ms.unwrap_or(0));
                if over {
                    unit.throttles = 0;
                    for a in accounts {
                        self.cells[d * n + a].problem = Some(give_up(flight.op, kind));
                    }
                }
            }
            FailureKind::Transient => {
                if let Some(l) = self.lane_of[d] {
                    self.lanes[l].faults = self.lanes[l].faults.saturating_add(1);
                }
                let ambiguous = flight.op.changes_members();
                let cost = if timeout { policy.timeout_retry_cost } else { policy.retry_cost };
                let paid = self.lane_of[d].is_some_and(|l| self.lanes[l].take_retry(cost));
                let mut attempt = 0;
                for a in accounts {
                    let index = d * n + a;
                    let tries = self.tries[index].of(flight.op);
                    *tries = tries.saturating_add(1);
                    attempt = attempt.max(*tries);
                    let cell = &mut self.cells[index];
                    if ambiguous {
                        // The request may have been applied: read before acting again.
                        cell.held = Held::Unknown;
                        cell.pending = Some(flight.op);
                    }
                    // Reads change nothing: they get twice the attempts.
                    let limit = policy.max_attempts.max(1) * if flight.op == Op::Read { 2 } else { 1 };
                    if u32::from(*tries) >= limit || !paid {
                        let message = if paid {
                            message.to_owned()
                        } else {
                            format!("{message} (the retry budget of this region is used up; run again to retry)")
                        };
                        cell.problem = Some(Problem::Failed { op: flight.op, kind, code: code.to_owned(), message });
                    }
                }
                let unit = &mut self.units[u];
                unit.retry_cost = if paid { cost } else { 0 };
                let delay = pace::backoff(&policy, u32::from(attempt), self.jitter.unit());
                unit.not_before = now.saturating_add(retry_after_ms.unwrap_or(delay));
            }
            _ => {
                // A refused request changed nothing: what was held still is (and an account an
                // earlier attempt may have changed is still to be read).
                for a in accounts {
                    self.cells[d * n + a].problem = Some(give_up(flight.op, kind));
                }
            }
        }
        let unit = &mut self.units[u];
        unit.phase = Phase::Idle;
        self.dirty.push(u);
    }

    /// Times out requests past their deadline, and drops the deadlines of answered ones.
    fn expire(&mut self, now: Millis) {
        while let Some(Reverse((at, call))) = self.deadlines.peek().copied() {
            if self.flights.contains_key(&call) && at > now {
                break;
            }
            self.deadlines.pop();
            if let Some(flight) = self.flights.remove(&call) {
                let unit = &mut self.units[flight.unit];
                unit.answered = unit.sent;
                unit.journal_dirty = true;
                if let Some(l) = self.lane_of[unit.destination] {
                    self.lanes[l].abandoned();
                }
                self.record_failure(flight, FailureKind::Transient, "Timeout", "no answer in time", None, now, true);
            }
        }
    }

    fn take_flight(&mut self, call: CallId, throttled: bool, now: Millis) -> Option<Flight> {
        let flight = self.flights.remove(&call)?;
        let d = self.units[flight.unit].destination;
        if let Some(l) = self.lane_of[d] {
            self.lanes[l].answered(throttled, flight.sent_at, now, &self.config.pacing);
        }
        if throttled {
            self.throttled += 1;
        }
        Some(flight)
    }
}

/// What a read said of one account: a member with its status, or not a member.
fn read_into(cell: &mut Cell, member: Option<&wire::Member>) {
    let pending = cell.pending.take();
    match member {
        Some(member) => {
            // A request without an answer counts as done only where the read shows its effect.
            cell.did.created |= pending == Some(Op::Create);
            cell.did.invited |= pending == Some(Op::Invite) && member.status != MemberStatus::Created;
            cell.held_email = member.email.clone().filter(|_| member.status == MemberStatus::VerificationFailed);
            cell.held = Held::Member(member.status.clone());
            if cell.problem.as_ref().is_some_and(|p| matches!(p.op(), Op::Read | Op::Create)) {
                cell.problem = None;
            }
        }
        None => {
            if pending == Some(Op::Delete) {
                cell.did = cell::Did { deleted: true, created: false, invited: false };
                cell.repair = false;
            }
            cell.held = Held::Absent;
            cell.held_email = None;
            if cell.problem.as_ref().is_some_and(|p| matches!(p.op(), Op::Read | Op::Delete | Op::Invite)) {
                cell.problem = None;
            }
        }
    }
}

/// Whether the cell reached its end on its own (a cancel did not cut it short).
fn is_final_naturally(cell: &Cell) -> bool {
    match &cell.held {
        Held::Member(status) => status.is_settled() && cell.problem.is_none(),
        Held::Absent => cell.problem.is_some(),
        Held::Unknown => false,
    }
}

impl Machine for Run {
    fn poll(&mut self, now: Millis) -> Vec<Action> {
        self.expire(now);
        while let Some(Reverse((at, u))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            if self.units[u].phase == Phase::Idle || matches!(self.units[u].phase, Phase::Queued { .. }) {
                self.units[u].phase = Phase::Idle;
                self.dirty.push(u);
            }
        }
        self.decide_dirty(now);
        let mut actions = Vec::new();
        let mut wake: Option<Millis> = None;
        let soonest = |at: Millis, wake: &mut Option<Millis>| *wake = Some(wake.map_or(at, |w| w.min(at)));
        for l in 0..self.lanes.len() {
            loop {
                let next = {
                    let (ready, watch) = &self.queues[l];
                    ready.front().or_else(|| watch.front()).copied()
                };
                let Some(u) = next else { break };
                let Phase::Queued { op, mask, .. } = self.units[u].phase else {
                    // Cancelled or decided again since it was queued.
                    pop_front(&mut self.queues[l]);
                    continue;
                };
                if self.cancelled {
                    pop_front(&mut self.queues[l]);
                    self.units[u].phase = Phase::Idle;
                    self.dirty.push(u);
                    continue;
                }
                match self.lanes[l].ready(now) {
                    Ok(()) => {}
                    Err(Some(at)) => {
                        soonest(at, &mut wake);
                        break;
                    }
                    Err(None) => break,
                }
                pop_front(&mut self.queues[l]);
                self.lanes[l].sent(now);
                match self.send(u, op, mask, now) {
                    Some((call, request)) => actions.push(Action::Send { call, request }),
                    None => {
                        self.lanes[l].abandoned();
                        self.units[u].phase = Phase::Done;
                    }
                }
            }
        }
        self.decide_dirty(now);
        if self.is_done() {
            return vec![Action::Done];
        }
        if let Some(Reverse((at, _))) = self.timers.peek() {
            soonest(*at, &mut wake);
        }
        if let Some(Reverse((at, _))) = self.deadlines.peek() {
            soonest(*at, &mut wake);
        }
        if let Some(at) = wake {
            actions.push(Action::WaitUntil(at.max(now)));
        }
        actions
    }

    fn on_response(&mut self, call: CallId, response: &Response, now: Millis) {
        let throttled =
            !response.is_success() && wire::classify(&wire::decode_error(response)) == FailureKind::Throttled;
        let Some(flight) = self.take_flight(call, throttled, now) else { return };
        self.apply_answer(flight, response, now);
    }

    fn on_transport_error(&mut self, call: CallId, error: TransportError, now: Millis) {
        let Some(flight) = self.take_flight(call, false, now) else { return };
        let unit = &mut self.units[flight.unit];
        unit.answered = unit.sent;
        unit.journal_dirty = true;
        let (code, message, timeout) = match error {
            TransportError::Timeout => ("Timeout", "no answer in time".to_owned(), true),
            TransportError::Connection(message) => ("ConnectionError", message, false),
        };
        self.record_failure(flight, FailureKind::Transient, code, &message, None, now, timeout);
    }

    fn cancel(&mut self) {
        Run::cancel(self);
    }
}

fn pop_front(queues: &mut (VecDeque<usize>, VecDeque<usize>)) {
    if queues.0.pop_front().is_none() {
        queues.1.pop_front();
    }
}

/// One account on one destination, as the results table shows it.
#[derive(Clone, Debug)]
pub struct CellView<'a> {
    /// The destination.
    pub destination: &'a Destination,
    /// The account.
    pub account: &'a Account,
    /// Its 1-based input line.
    pub line: usize,
    /// The facts kept.
    pub cell: &'a Cell,
    /// The outcome.
    pub outcome: Outcome,
    /// `x-amzn-RequestId` of the last answer for the account's batch.
    pub request_id: Option<&'a str>,
}

/// Counts for a progress view, in total and per destination.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Accounts × destinations.
    pub accounts: usize,
    /// With a final outcome.
    pub done: usize,
    /// Invited or enabled.
    pub good: usize,
    /// Final outcomes another try could change (failed, unknown, cancelled, watched too short).
    pub retry: usize,
    /// Requests in flight.
    pub in_flight: usize,
    /// Requests sent so far (by this process and the ones whose journal it resumed).
    pub requests: u64,
    /// Throttling answers so far (in this process).
    pub throttled: u32,
    /// Final outcomes by label, most frequent first.
    pub labels: Vec<(&'static str, usize)>,
    /// Per destination.
    pub destinations: Vec<DestinationProgress>,
}

/// Progress of one destination.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DestinationProgress {
    /// `guardduty us-east-1`.
    pub label: String,
    /// The service.
    pub service: Service,
    /// The region.
    pub region: String,
    /// Why nothing is sent here, when nothing can be.
    pub unreachable: Option<String>,
    /// Accounts.
    pub accounts: usize,
    /// With a final outcome.
    pub done: usize,
    /// Invited or enabled.
    pub good: usize,
    /// Waiting for a read.
    pub to_read: usize,
    /// To delete for a repair.
    pub to_delete: usize,
    /// To create.
    pub to_create: usize,
    /// To invite.
    pub to_invite: usize,
    /// Waiting for their status to settle.
    pub watching: usize,
    /// Every account was read once: what the service held before anything was sent is known.
    pub surveyed: bool,
    /// Requests in flight.
    pub in_flight: u32,
    /// Requests that may be in flight now.
    pub window: u32,
    /// The spacing between sends now, in milliseconds.
    pub interval_ms: u64,
    /// Throttling answers so far.
    pub throttled: u32,
    /// Requests so far that met a server error (5xx), a timeout or a lost connection; each is
    /// tried again (reading back first what it may have changed) while the retry budget lasts.
    pub faults: u32,
    /// Tokens left in the lane's retry bucket (throttling takes none).
    pub retry_tokens: u32,
    /// Final outcomes by label.
    pub labels: Vec<(&'static str, usize)>,
}
