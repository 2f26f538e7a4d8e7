//! The run journal: durable facts only, as records keyed so that the last record of a key wins.
//!
//! Format (version 2): JSON Lines, one record per line, each an object whose `"k"` is its key.
//!
//! - `plan` — written once: the destinations, the accounts (ID, email, line, span), the skipped
//!   lines, the settings, when the run was planned.
//! - `run` — whether the run was cancelled.
//! - `a{i}` — account `i`'s email, when a repair changed it.
//! - `u{n}` — unit `n` (one batch of one destination): its accounts' cells (what the service
//!   holds, what the run did, what went wrong), how many requests were sent and answered, the
//!   watch deadline (wall clock), the last request ID.
//! - `f{n}` — written *before* unit `n` sends a request: which request, for which accounts. A
//!   flight record whose number is above the unit's answered count is a request that may have
//!   gone out without its answer being kept: the loaded run reads those accounts back before it
//!   acts on them.
//!
//! No pace, retry budget, timer or random state is kept: a loaded run starts them afresh, so a
//! journal outlives changes to them and a process never waits on a dead process's clock. A file
//! journal is appended to (an answer costs what its batch costs) and compacted now and then into
//! [`Run::snapshot`]; the browser keeps the same records in IndexedDB by key. Version 1 journals
//! (one JSON object with the whole engine state) are read and migrated.

use std::fmt;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::account::{Account, AccountId, SharedStr};
use crate::member::MemberStatus;
use crate::outcome::UnprocessedReason;
use crate::span::Span;
use crate::target::{Destination, Target};

use super::cell::{Cell, Did, Held, Op, Problem};
use super::run::{Run, Unit};
use super::{Millis, RunConfig, Skipped};

/// The journal format version this build writes. Version 1 is read and migrated.
pub const JOURNAL_VERSION: u32 = 2;

/// One journal record: its key, and the line that holds it (JSON, with the key in `"k"`, no line
/// break).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// `plan`, `run`, `a{i}`, `u{n}` or `f{n}`.
    pub key: String,
    /// The JSON line.
    pub line: String,
}

/// Why a journal cannot be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalError(String);

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JournalError {}

fn damaged(what: impl fmt::Display) -> JournalError {
    JournalError(format!("the run journal is damaged: {what}"))
}

fn record<T: Serialize>(key: String, value: &T) -> Record {
    // Every value here serializes: plain structs of strings and numbers.
    let body = serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned());
    let line = match body.strip_prefix('{') {
        Some("}") => format!("{{\"k\":\"{key}\"}}"),
        Some(rest) => format!("{{\"k\":\"{key}\",{rest}"),
        None => format!("{{\"k\":\"{key}\"}}"),
    };
    Record { key, line }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlanRecord {
    journal: String,
    version: u32,
    created_at: Millis,
    config: RunConfig,
    destinations: Vec<Destination>,
    /// `[id, email or null, line, start, end]`.
    accounts: Vec<(AccountId, Option<String>, usize, usize, usize)>,
    skipped: Vec<Skipped>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunRecord {
    #[serde(default)]
    cancelled: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountRecord {
    email: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UnitRecord {
    sent: u32,
    answered: u32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    surveyed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    watch_until: Option<Millis>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    watch_ended: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    cells: Vec<Cell>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct FlightRecord {
    sent: u32,
    op: Op,
    mask: u64,
    at: Millis,
}

pub(crate) fn plan_record(run: &Run) -> Record {
    let accounts = run
        .accounts
        .iter()
        .zip(&run.lines)
        .map(|(a, &line)| (a.id(), a.email().map(str::to_owned), line, a.span().start, a.span().end))
        .collect();
    record(
        "plan".to_owned(),
        &PlanRecord {
            journal: "enlist run".to_owned(),
            version: JOURNAL_VERSION,
            created_at: run.created_at,
            config: run.config.clone(),
            destinations: run.destinations.clone(),
            accounts,
            skipped: run.skipped.clone(),
        },
    )
}

pub(crate) fn run_record(run: &Run) -> Record {
    record("run".to_owned(), &RunRecord { cancelled: run.cancelled })
}

pub(crate) fn account_record(run: &Run, account: usize) -> Record {
    let email = run.accounts[account].email().unwrap_or("").to_owned();
    record(format!("a{account}"), &AccountRecord { email })
}

pub(crate) fn unit_record(run: &Run, u: usize) -> Record {
    let unit = &run.units[u];
    let n = run.accounts.len();
    let base = unit.destination * n;
    record(
        format!("u{u}"),
        &UnitRecord {
            sent: unit.sent,
            answered: unit.answered,
            surveyed: unit.surveyed,
            watch_until: unit.watch_until,
            watch_ended: unit.watch_ended,
            request_id: unit.request_id.clone(),
            cells: run.cells[base + unit.start..base + unit.end].to_vec(),
        },
    )
}

pub(crate) fn flight_record(u: usize, sent: u32, op: Op, mask: u64, at: Millis) -> Record {
    record(format!("f{u}"), &FlightRecord { sent, op, mask, at })
}

/// Joins records into journal text: one line each.
pub fn to_text(records: &[Record]) -> String {
    let mut text = String::with_capacity(records.iter().map(|r| r.line.len() + 1).sum());
    for record in records {
        text.push_str(&record.line);
        text.push('\n');
    }
    text
}

#[derive(Deserialize)]
struct Key {
    #[serde(default)]
    k: Option<String>,
    #[serde(default)]
    version: Option<u64>,
}

impl Run {
    /// Loads a run from its journal text (JSON Lines of version 2, or a version 1 journal). What
    /// was in flight when the journal stopped is read back before anything is sent again. A
    /// damaged journal or one of another version is refused with a message, never a panic; a
    /// last line cut short (a kill in the middle of a write) is ignored, as it was never
    /// complete.
    pub fn from_journal(text: &str) -> Result<Run, JournalError> {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        Run::from_lines(&lines)
    }

    /// Loads a run from journal records (the lines of [`Record`]s, in the order they were
    /// written; the browser keeps them by key, so there each key comes once).
    pub fn from_lines(lines: &[&str]) -> Result<Run, JournalError> {
        let Some(first) = lines.first() else {
            return Err(JournalError("expected an Enlist run journal, found an empty one".to_owned()));
        };
        let head: Key = serde_json::from_str(first).map_err(|e| {
            if lines.len() > 1 && lines[1..].iter().any(|l| serde_json::from_str::<Key>(l).is_ok_and(|k| k.k.is_some()))
            {
                damaged(format!("line 1: {e}"))
            } else if serde_json::from_str::<serde::de::IgnoredAny>(first).is_err() {
                JournalError(format!("expected an Enlist run journal (JSON), found text that is not JSON: {e}"))
            } else {
                JournalError(format!(
                    "expected an Enlist run journal (a JSON object on each line), found other JSON: {e}"
                ))
            }
        })?;
        if head.k.is_none() {
            return match head.version {
                Some(1) => migrate_v1(&lines.concat()),
                Some(v) => Err(version_error(v)),
                None => Err(JournalError(
                    "expected an Enlist run journal (an object with a \"version\"), found other JSON".to_owned(),
                )),
            };
        }
        let mut latest: FxHashMap<String, &str> = FxHashMap::default();
        let mut keys: Vec<String> = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            match serde_json::from_str::<Key>(line) {
                Ok(Key { k: Some(key), .. }) => {
                    if latest.insert(key.clone(), line).is_none() {
                        keys.push(key);
                    }
                }
                // A kill while the last line was being written leaves it cut short.
                Err(_) if i + 1 == lines.len() => {}
                Ok(Key { k: None, .. }) => return Err(damaged(format!("line {} has no key", i + 1))),
                Err(e) => return Err(damaged(format!("line {}: {e}", i + 1))),
            }
        }
        let plan = latest.get("plan").ok_or_else(|| damaged("it has no plan record"))?;
        let version: Key = serde_json::from_str(plan).map_err(damaged)?;
        match version.version {
            Some(v) if v == u64::from(JOURNAL_VERSION) => {}
            Some(v) => return Err(version_error(v)),
            None => return Err(damaged("its plan record has no version")),
        }
        let plan: PlanRecord = serde_json::from_str(plan).map_err(damaged)?;
        let mut run = build(plan)?;
        if let Some(line) = latest.get("run") {
            let record: RunRecord = serde_json::from_str(line).map_err(damaged)?;
            run.cancelled = record.cancelled;
        }
        let n = run.accounts.len();
        let mut flights: Vec<(usize, FlightRecord)> = Vec::new();
        for key in &keys {
            let line = latest[key];
            let Some(kind) = key.get(..1) else { continue };
            let Ok(index) = key[1..].parse::<usize>() else { continue };
            match kind {
                "a" => {
                    let record: AccountRecord = serde_json::from_str(line).map_err(damaged)?;
                    let account = run.accounts.get(index).ok_or_else(|| damaged(format!("{key} names no account")))?;
                    let pool: Arc<str> = Arc::from(record.email.as_str());
                    let email = SharedStr::new(&pool, 0..record.email.len());
                    run.accounts[index] = Account::new(account.id(), Some(email), account.span());
                }
                "u" => {
                    let record: UnitRecord = serde_json::from_str(line).map_err(damaged)?;
                    let unit = run.units.get(index).ok_or_else(|| damaged(format!("{key} names no batch")))?;
                    if record.cells.len() != unit.end - unit.start || record.answered > record.sent {
                        return Err(damaged(format!("{key} does not match its batch")));
                    }
                    let base = unit.destination * n + unit.start;
                    for (i, cell) in record.cells.into_iter().enumerate() {
                        run.cells[base + i] = cell;
                    }
                    let mut restored = Unit::new(unit.destination, unit.start, unit.end);
                    restored.sent = record.sent;
                    restored.answered = record.answered;
                    restored.surveyed = record.surveyed;
                    restored.watch_until = record.watch_until;
                    restored.watch_ended = record.watch_ended;
                    restored.request_id = record.request_id;
                    run.units[index] = restored;
                }
                "f" => {
                    let record: FlightRecord = serde_json::from_str(line).map_err(damaged)?;
                    flights.push((index, record));
                }
                _ => {}
            }
        }
        for (u, flight) in flights {
            let unit = run.units.get(u).ok_or_else(|| damaged(format!("f{u} names no batch")))?;
            let size = unit.end - unit.start;
            if size < 64 && flight.mask >> size != 0 {
                return Err(damaged(format!("f{u} names accounts outside its batch")));
            }
            if flight.sent > unit.answered {
                run.interrupted(u, flight.op, flight.mask);
                let unit = &mut run.units[u];
                unit.sent = unit.sent.max(flight.sent);
                unit.answered = unit.sent;
            }
        }
        run.settle_after_load();
        Ok(run)
    }
}

fn version_error(v: u64) -> JournalError {
    let by = if v < u64::from(JOURNAL_VERSION) { "an older" } else { "a newer" };
    JournalError(format!(
        "expected an Enlist run journal of version {JOURNAL_VERSION}, found version {v}, written by {by} Enlist; start the run again from the list"
    ))
}

fn build(plan: PlanRecord) -> Result<Run, JournalError> {
    if plan.destinations.is_empty() || plan.accounts.is_empty() {
        return Err(damaged("it has no destinations or no accounts"));
    }
    let mut pool = String::new();
    let ranges: Vec<Option<std::ops::Range<usize>>> = plan
        .accounts
        .iter()
        .map(|(_, email, ..)| {
            email.as_ref().map(|email| {
                let start = pool.len();
                pool.push_str(email);
                start..pool.len()
            })
        })
        .collect();
    let pool: Arc<str> = pool.into();
    let accounts: Vec<Account> = plan
        .accounts
        .iter()
        .zip(ranges)
        .map(|((id, _, _, start, end), range)| {
            Account::new(*id, range.map(|r| SharedStr::new(&pool, r)), Span::new(*start, (*end).max(*start)))
        })
        .collect();
    let batches = crate::batch::batches(&accounts).map_err(damaged)?;
    let lines = plan.accounts.iter().map(|a| a.2).collect();
    Ok(Run::build(plan.destinations, accounts, lines, plan.skipped, &batches, plan.config, plan.created_at))
}

/// Version 1: the whole engine state in one object. Its facts become version 2 cells: what it
/// knew for sure stays, and anything a request may have changed since is read back.
fn migrate_v1(text: &str) -> Result<Run, JournalError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct V1 {
        targets: Vec<Target>,
        accounts: Vec<V1Account>,
        skipped: Vec<Skipped>,
        #[serde(default)]
        config: V1Config,
        cells: Vec<V1Cell>,
        #[serde(default)]
        cancelled: bool,
    }
    #[derive(Deserialize)]
    struct V1Account {
        id: AccountId,
        email: Option<String>,
        line: usize,
        start: usize,
        end: usize,
    }
    #[derive(Default, Deserialize)]
    struct V1Config {
        #[serde(default)]
        seed: u64,
    }
    #[derive(Deserialize)]
    struct V1Cell {
        outcome: V1Outcome,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", tag = "outcome")]
    enum V1Outcome {
        Pending,
        Sending,
        Created,
        #[serde(rename_all = "camelCase")]
        Member {
            status: V1Status,
            #[serde(default)]
            disabled_reason: Option<String>,
        },
        ProbablyCreated {},
        Unprocessed {
            reason: UnprocessedReason,
            text: String,
        },
        Failed {},
        Cancelled,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", tag = "status", content = "value")]
    enum V1Status {
        Invited,
        VerificationInProgress,
        VerificationFailed,
        Enabled,
        AcceptedButDisabled,
        Other(String),
    }
    let v1: V1 = serde_json::from_str(text).map_err(damaged)?;
    let n = v1.accounts.len();
    if v1.targets.is_empty() || n == 0 || v1.cells.len() != v1.targets.len() * n {
        return Err(damaged("the outcomes do not match the targets and accounts"));
    }
    let plan = PlanRecord {
        journal: "enlist run".to_owned(),
        version: JOURNAL_VERSION,
        created_at: 0,
        config: RunConfig { seed: v1.config.seed, ..RunConfig::default() },
        destinations: v1.targets.into_iter().map(Destination::Target).collect(),
        accounts: v1.accounts.into_iter().map(|a| (a.id, a.email, a.line, a.start, a.end)).collect(),
        skipped: v1.skipped,
    };
    let mut run = build(plan)?;
    run.cancelled = v1.cancelled;
    for (i, old) in v1.cells.into_iter().enumerate() {
        let created = Did { created: true, ..Did::default() };
        run.cells[i] = match old.outcome {
            V1Outcome::Created => Cell { did: created, ..Cell::default() },
            V1Outcome::Member { status, disabled_reason } => {
                let status = match status {
                    V1Status::Invited => MemberStatus::Invited,
                    V1Status::VerificationInProgress => MemberStatus::VerifyingEmail,
                    V1Status::VerificationFailed => MemberStatus::VerificationFailed,
                    V1Status::Enabled => MemberStatus::Enabled,
                    V1Status::AcceptedButDisabled => MemberStatus::AcceptedButDisabled(disabled_reason),
                    V1Status::Other(text) => MemberStatus::from_wire(&text, None),
                };
                Cell { held: Held::Member(status), did: created, ..Cell::default() }
            }
            V1Outcome::ProbablyCreated {} | V1Outcome::Failed {} => {
                Cell { pending: Some(Op::Create), ..Cell::default() }
            }
            V1Outcome::Unprocessed { reason: UnprocessedReason::AlreadyMember, .. }
            | V1Outcome::Pending
            | V1Outcome::Sending
            | V1Outcome::Cancelled => Cell::default(),
            V1Outcome::Unprocessed { reason, text } => Cell {
                held: Held::Absent,
                problem: Some(Problem::Refused { op: Op::Create, reason, text }),
                ..Cell::default()
            },
        };
    }
    run.settle_after_load();
    Ok(run)
}
