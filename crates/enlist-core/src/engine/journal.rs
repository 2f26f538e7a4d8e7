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
use serde::Serialize;

use crate::account::{Account, AccountId, SharedStr};
use crate::member::MemberStatus;
use crate::outcome::UnprocessedReason;
use crate::parse::json::{Found, Value, member_of, read_value};
use crate::span::Span;
use crate::target::{Destination, Target};

use super::cell::{Cell, Did, Held, Op, Problem};
use super::decode::{self, Fields, flag, list, number, string, text};
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

#[derive(Serialize)]
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

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunRecord {
    #[serde(default)]
    cancelled: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountRecord {
    email: String,
}

#[derive(Serialize)]
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

#[derive(Serialize)]
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
        let head = read_value(first).map_err(|e| {
            if lines[1..].iter().any(|l| matches!(member_of(l, "k"), Ok(Found::Text(_)))) {
                damaged(format!("line 1: {e}"))
            } else {
                JournalError(format!("expected an Enlist run journal (JSON), found text that is not JSON: {e}"))
            }
        })?;
        let Ok(fields) = Fields::of(&head) else {
            return Err(JournalError(format!(
                "expected an Enlist run journal (a JSON object on each line), found {}",
                head.describe()
            )));
        };
        if key(&head).map_err(|e| damaged(format!("line 1: {e}")))?.is_none() {
            return match fields.maybe("version", number::<u64>) {
                Ok(Some(1)) if lines.len() == 1 => migrate_v1(fields),
                Ok(Some(1)) => Err(damaged(format!(
                    "expected a version 1 journal to be one line (one JSON object), found {} lines",
                    lines.len()
                ))),
                Ok(Some(v)) => Err(version_error(v)),
                Ok(None) | Err(_) => Err(JournalError(
                    "expected an Enlist run journal (an object with a \"version\"), found other JSON".to_owned(),
                )),
            };
        }
        drop(head);
        // The last record of each key wins: every line is checked and keyed first, and only the
        // last of each key is read into the run's types.
        let mut latest: FxHashMap<String, usize> = FxHashMap::default();
        let mut keys: Vec<String> = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let record_key = match member_of(line, "k") {
                Ok(Found::Text(record_key)) => record_key,
                Ok(Found::Missing) => return Err(damaged(format!("line {} has no key", i + 1))),
                Ok(Found::NotAnObject) => return Err(damaged(format!("line {} is not a JSON object", i + 1))),
                Ok(Found::NotText) => return Err(damaged(format!("line {}: its key is not a string", i + 1))),
                // A kill while the last line was being written leaves it cut short.
                Err(_) if i + 1 == lines.len() => continue,
                Err(e) => return Err(damaged(format!("line {}: {e}", i + 1))),
            };
            if let Some(last) = latest.get_mut(&*record_key) {
                *last = i;
            } else {
                latest.insert(record_key.to_string(), i);
                keys.push(record_key.into_owned());
            }
        }
        let read = |record_key: &str| -> Result<Option<Saved>, JournalError> {
            let Some(&i) = latest.get(record_key) else { return Ok(None) };
            // Read once already: the line is an object.
            let value = read_value(lines[i]).map_err(|e| damaged(format!("line {}: {e}", i + 1)))?;
            let saved = Saved::read(record_key, &value).map_err(|e| match e {
                Misread::Version(v) => version_error(v),
                Misread::Damaged(e) => damaged(format!("{record_key}: {e}")),
            })?;
            Ok(Some(saved))
        };
        let Some(Saved::Plan(plan)) = read("plan")? else { return Err(damaged("it has no plan record")) };
        let mut run = build(plan)?;
        if let Some(Saved::Run(record)) = read("run")? {
            run.cancelled = record.cancelled;
        }
        let n = run.accounts.len();
        let mut flights: Vec<(usize, FlightRecord)> = Vec::new();
        for record_key in keys.iter().filter(|k| !matches!(k.as_str(), "plan" | "run")) {
            let Some(saved) = read(record_key)? else { continue };
            match saved {
                Saved::Account(index, email) => {
                    let account =
                        run.accounts.get(index).ok_or_else(|| damaged(format!("{record_key} names no account")))?;
                    let pool: Arc<str> = Arc::from(email.as_str());
                    let email = SharedStr::new(&pool, 0..email.len());
                    run.accounts[index] = Account::new(account.id(), Some(email), account.span());
                }
                Saved::Unit(index, record) => {
                    let unit = run.units.get(index).ok_or_else(|| damaged(format!("{record_key} names no batch")))?;
                    if record.cells.len() != unit.end - unit.start || record.answered > record.sent {
                        return Err(damaged(format!("{record_key} does not match its batch")));
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
                Saved::Flight(index, record) => flights.push((index, record)),
                // Read above.
                Saved::Plan(_) | Saved::Run(_) | Saved::Other => {}
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

/// A record's key (`"k"`), or `None` for an object without one.
fn key<'v>(value: &'v Value<'_>) -> Result<Option<&'v str>, String> {
    Fields::of(value)?.maybe("k", text)
}

/// One record, read.
enum Saved {
    Plan(PlanRecord),
    Run(RunRecord),
    Account(usize, String),
    Unit(usize, UnitRecord),
    Flight(usize, FlightRecord),
    /// A key this version does not know: passed over.
    Other,
}

enum Misread {
    /// A plan of another journal version.
    Version(u64),
    Damaged(String),
}

impl From<String> for Misread {
    fn from(e: String) -> Misread {
        Misread::Damaged(e)
    }
}

impl Saved {
    fn read(record_key: &str, value: &Value<'_>) -> Result<Saved, Misread> {
        let fields = Fields::of(value)?;
        if record_key == "plan" {
            return match fields.need("version", number::<u64>)? {
                v if v == u64::from(JOURNAL_VERSION) => Ok(Saved::Plan(PlanRecord::read(fields)?)),
                v => Err(Misread::Version(v)),
            };
        }
        if record_key == "run" {
            return Ok(Saved::Run(RunRecord { cancelled: fields.or_default("cancelled", flag)? }));
        }
        let (Some(kind), Some(Ok(index))) = (record_key.get(..1), record_key.get(1..).map(str::parse::<usize>)) else {
            return Ok(Saved::Other);
        };
        Ok(match kind {
            "a" => Saved::Account(index, fields.need("email", string)?),
            "u" => Saved::Unit(
                index,
                UnitRecord {
                    sent: fields.need("sent", number)?,
                    answered: fields.need("answered", number)?,
                    surveyed: fields.or_default("surveyed", flag)?,
                    watch_until: fields.maybe("watchUntil", number)?,
                    watch_ended: fields.or_default("watchEnded", flag)?,
                    request_id: fields.maybe("requestId", string)?,
                    cells: fields.need("cells", |v| list(v, decode::cell))?,
                },
            ),
            "f" => Saved::Flight(
                index,
                FlightRecord {
                    sent: fields.need("sent", number)?,
                    op: fields.need("op", decode::op)?,
                    mask: fields.need("mask", number)?,
                    at: fields.need("at", number)?,
                },
            ),
            _ => Saved::Other,
        })
    }
}

impl PlanRecord {
    fn read(fields: Fields<'_, '_>) -> Result<PlanRecord, String> {
        let account = |value: &Value<'_>| {
            let [id, email, line, start, end] = decode::items(value)? else {
                return Err(format!(
                    "expected [ID, email or null, line, start, end], found {} items",
                    decode::items(value)?.len()
                ));
            };
            let email = match &email.value {
                Value::Null => None,
                other => Some(string(other).map_err(|e| format!("the email: {e}"))?),
            };
            Ok((
                decode::account_id(&id.value)?,
                email,
                number(&line.value)?,
                number(&start.value)?,
                number(&end.value)?,
            ))
        };
        Ok(PlanRecord {
            journal: fields.need("journal", string)?,
            version: fields.need("version", number)?,
            created_at: fields.need("createdAt", number)?,
            config: fields.need("config", decode::config)?,
            destinations: fields.need("destinations", |v| list(v, decode::destination))?,
            accounts: fields.need("accounts", |v| list(v, account))?,
            skipped: fields.need("skipped", |v| list(v, decode::skipped))?,
        })
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
fn migrate_v1(fields: Fields<'_, '_>) -> Result<Run, JournalError> {
    let v1 = V1::read(fields).map_err(damaged)?;
    let n = v1.accounts.len();
    if v1.targets.is_empty() || n == 0 || v1.cells.len() != v1.targets.len() * n {
        return Err(damaged("the outcomes do not match the targets and accounts"));
    }
    let plan = PlanRecord {
        journal: "enlist run".to_owned(),
        version: JOURNAL_VERSION,
        created_at: 0,
        config: RunConfig { seed: v1.seed, ..RunConfig::default() },
        destinations: v1.targets.into_iter().map(Destination::Target).collect(),
        accounts: v1.accounts,
        skipped: v1.skipped,
    };
    let mut run = build(plan)?;
    run.cancelled = v1.cancelled;
    for (i, old) in v1.cells.into_iter().enumerate() {
        let created = Did { created: true, ..Did::default() };
        run.cells[i] = match old {
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
            V1Outcome::ProbablyCreated | V1Outcome::Failed => Cell { pending: Some(Op::Create), ..Cell::default() },
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

struct V1 {
    targets: Vec<Target>,
    accounts: Vec<(AccountId, Option<String>, usize, usize, usize)>,
    skipped: Vec<Skipped>,
    seed: u64,
    cells: Vec<V1Outcome>,
    cancelled: bool,
}

enum V1Outcome {
    Pending,
    Sending,
    Created,
    Member { status: V1Status, disabled_reason: Option<String> },
    ProbablyCreated,
    Unprocessed { reason: UnprocessedReason, text: String },
    Failed,
    Cancelled,
}

enum V1Status {
    Invited,
    VerificationInProgress,
    VerificationFailed,
    Enabled,
    AcceptedButDisabled,
    Other(String),
}

impl V1 {
    /// Version 1's object: `targets`, `accounts` (`{id, email, line, start, end}`), `skipped`,
    /// `config.seed`, `cells` (each an `outcome` tagged by `"outcome"`), `cancelled`; the rest of
    /// the engine state it kept is not needed.
    fn read(fields: Fields<'_, '_>) -> Result<V1, String> {
        let account = |value: &Value<'_>| {
            let fields = Fields::of(value)?;
            Ok((
                fields.need("id", decode::account_id)?,
                fields.maybe("email", string)?,
                fields.need("line", number)?,
                fields.need("start", number)?,
                fields.need("end", number)?,
            ))
        };
        let cell = |value: &Value<'_>| Fields::of(value)?.need("outcome", V1Outcome::read);
        Ok(V1 {
            targets: fields.need("targets", |v| list(v, decode::target))?,
            accounts: fields.need("accounts", |v| list(v, account))?,
            skipped: fields.need("skipped", |v| list(v, decode::skipped))?,
            seed: fields.maybe("config", |v| Fields::of(v)?.or_default("seed", number))?.unwrap_or(0),
            cells: fields.need("cells", |v| list(v, cell))?,
            cancelled: fields.or_default("cancelled", flag)?,
        })
    }
}

impl V1Outcome {
    fn read(value: &Value<'_>) -> Result<V1Outcome, String> {
        let fields = Fields::of(value)?;
        Ok(match fields.need("outcome", text)? {
            "pending" => V1Outcome::Pending,
            "sending" => V1Outcome::Sending,
            "created" => V1Outcome::Created,
            "member" => V1Outcome::Member {
                status: fields.need("status", V1Status::read)?,
                disabled_reason: fields.maybe("disabledReason", string)?,
            },
            "probablyCreated" => V1Outcome::ProbablyCreated,
            "unprocessed" => V1Outcome::Unprocessed {
                reason: fields.need("reason", decode::reason)?,
                text: fields.need("text", string)?,
            },
            "failed" => V1Outcome::Failed,
            "cancelled" => V1Outcome::Cancelled,
            other => {
                return Err(format!(
                    "expected an outcome such as `created`, found \"{}\"",
                    crate::diagnostic::quote(other)
                ));
            }
        })
    }
}

impl V1Status {
    /// `{"status": "invited"}`, or `{"status": "other", "value": "…"}`.
    fn read(value: &Value<'_>) -> Result<V1Status, String> {
        let fields = Fields::of(value)?;
        Ok(match fields.need("status", text)? {
            "invited" => V1Status::Invited,
            "verificationInProgress" => V1Status::VerificationInProgress,
            "verificationFailed" => V1Status::VerificationFailed,
            "enabled" => V1Status::Enabled,
            "acceptedButDisabled" => V1Status::AcceptedButDisabled,
            "other" => V1Status::Other(fields.need("value", string)?),
            other => {
                return Err(format!(
                    "expected a status such as `enabled`, found \"{}\"",
                    crate::diagnostic::quote(other)
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every outcome and status version 1 wrote becomes the version 2 fact it stood for.
    #[test]
    fn version_1_outcomes_and_statuses_migrate() {
        let outcomes = [
            (r#"{"outcome":"member","status":{"status":"invited"}}"#, "invited"),
            (r#"{"outcome":"member","status":{"status":"verificationInProgress"}}"#, "verifying-email"),
            (r#"{"outcome":"member","status":{"status":"verificationFailed"}}"#, "verification-failed"),
            (r#"{"outcome":"member","status":{"status":"enabled"}}"#, "enabled"),
            (
                r#"{"outcome":"member","status":{"status":"acceptedButDisabled"},"disabledReason":"EXCEEDS_LIMIT"}"#,
                "accepted-but-disabled:EXCEEDS_LIMIT",
            ),
            (r#"{"outcome":"member","status":{"status":"other","value":"Paused"}}"#, "member:Paused"),
            (r#"{"outcome":"probablyCreated"}"#, "?"),
            (r#"{"outcome":"failed"}"#, "?"),
            (r#"{"outcome":"unprocessed","reason":"alreadyMember","text":"already"}"#, "?"),
            (r#"{"outcome":"unprocessed","reason":"ownAccount","text":"own"}"#, "-"),
            (r#"{"outcome":"cancelled"}"#, "?"),
            (r#"{"outcome":"pending"}"#, "?"),
        ];
        let accounts: Vec<String> = (0..outcomes.len())
            .map(|i| {
                format!(r#"{{"id":"2000000000{i:02}","email":"a{i}@example.com","line":{},"start":0,"end":0}}"#, i + 1)
            })
            .collect();
        let cells: Vec<String> = outcomes.iter().map(|(o, _)| format!(r#"{{"outcome":{o},"attempts":1}}"#)).collect();
        let journal = format!(
            r#"{{"version":1,"targets":[{{"service":"guardduty","region":"us-east-1","detectorId":"12abc34d567e8fa901bc2d34e56789f0"}}],"accounts":[{}],"skipped":[],"cells":[{}],"cancelled":true}}"#,
            accounts.join(","),
            cells.join(",")
        );
        let run = Run::from_journal(&journal).unwrap();
        assert!(run.cancelled);
        let held: Vec<String> = (0..outcomes.len())
            .map(|a| serde_json::to_string(&run.cell(0, a).unwrap().held).unwrap().trim_matches('"').to_owned())
            .collect();
        assert_eq!(held, outcomes.map(|(_, held)| held));
        let refused = run.cell(0, 9).unwrap().problem.clone();
        assert!(matches!(refused, Some(Problem::Refused { reason: UnprocessedReason::OwnAccount, .. })), "{refused:?}");
        let more = format!("{journal}\n{{\"k\":\"run\"}}");
        assert_eq!(
            Run::from_journal(&more).unwrap_err().to_string(),
            "the run journal is damaged: expected a version 1 journal to be one line (one JSON object), found 2 lines"
        );
        let wrong = journal.replace(r#""status":"enabled""#, r#""status":"happy""#);
        assert_eq!(
            Run::from_journal(&wrong).unwrap_err().to_string(),
            "the run journal is damaged: `cells`: item 4: `outcome`: `status`: expected a status such as `enabled`, found \"happy\""
        );
    }
}
