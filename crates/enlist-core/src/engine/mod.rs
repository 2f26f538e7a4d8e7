//! The sans-IO machines that talk to the services: [`Run`] (read what the service holds, create,
//! invite, read back, watch until settled) and [`crate::Discovery`] (find the detector and graph of
//! each region). Both are driven the same way, through [`Machine`]: the caller asks
//! [`Machine::poll`] what to send and until when to wait, sends, and reports each answer. Time
//! comes in with every call (wall-clock milliseconds: the CLI's system clock, the browser's
//! `Date.now()`), so the browser, the CLI and the tests drive the very same code, and a test
//! replays a run exactly.
//!
//! - `pace` — lanes (AIMD pace and retry bucket per service and region), backoff, jitter.
//! - `cell` — what is known of one account on one target, and the rule that decides what to do
//!   next.
//! - `run` — units (a batch of a target), queues, timers, answers.
//! - `journal` — durable facts as keyed records, loading and the migration of version 1.

mod cell;
mod decode;
mod journal;
mod pace;
mod run;

use serde::{Deserialize, Serialize};

use crate::wire::{Request, Response};

pub use cell::{Cell, Did, Held, Op, Problem};
pub use journal::{JOURNAL_VERSION, JournalError, Record, to_text};
pub(crate) use pace::{Jitter, Lane, backoff};
pub use pace::{Pacing, RetryPolicy};
pub use run::{CellView, DestinationProgress, Progress, Run};

/// Milliseconds of the caller's wall clock (since the Unix epoch; tests may start anywhere).
pub type Millis = u64;

/// Identifies one request of a machine, to report its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CallId(pub u64);

/// What the caller should do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Sign and send this request (through the proxy), then report the answer for `call`.
    Send {
        /// The request's identity.
        call: CallId,
        /// The request, fresh for this attempt (the proxy signs it anew).
        request: Request,
    },
    /// Poll again at this time, or earlier when an answer arrives.
    WaitUntil(Millis),
    /// Nothing more to do.
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

/// The driver contract: the CLI and the browser each have one loop that serves any machine —
/// poll, write what [`Run::take_records`] returns (for a run), send, wait for the first answer
/// or the deadline, report it.
pub trait Machine {
    /// What to do now: requests to send, when to poll again, or that the machine is done. A
    /// request with no answer by its deadline is counted as timed out here, so a stalled
    /// connection ends the same way in every driver.
    fn poll(&mut self, now: Millis) -> Vec<Action>;
    /// The HTTP answer to `call`. Answers to calls that are not in flight (late, repeated, timed
    /// out) are ignored.
    fn on_response(&mut self, call: CallId, response: &Response, now: Millis);
    /// `call` got no HTTP answer.
    fn on_transport_error(&mut self, call: CallId, error: TransportError, now: Millis);
    /// Sends nothing more; answers to requests in flight are still recorded.
    fn cancel(&mut self);
}

/// How long to watch accounts whose status has not settled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WatchPolicy {
    /// Stop watching a batch this long after it started (a wall-clock deadline, journaled, so a
    /// resumed run keeps to it).
    pub timeout_ms: u64,
    /// The first read after an action.
    pub first_ms: u64,
    /// Reads slow down, doubling, up to this spacing.
    pub max_ms: u64,
}

impl Default for WatchPolicy {
    fn default() -> WatchPolicy {
        WatchPolicy { timeout_ms: 10 * 60 * 1_000, first_ms: 1_000, max_ms: 30_000 }
    }
}

/// A run's settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RunConfig {
    /// Retries and request deadlines.
    pub retry: RetryPolicy,
    /// Concurrency per service and region.
    pub pacing: Pacing,
    /// Watching unsettled statuses.
    pub watch: WatchPolicy,
    /// Seed for the backoff jitter; the same seed and the same inputs give the same run.
    pub seed: u64,
    /// Only read what the services hold; change nothing (a dry run).
    pub survey: bool,
    /// Delete and create again every member whose email verification failed, when the list
    /// gives it another email.
    pub repair_failed: bool,
}

/// An input line that is not sent, and why: an error on it, or an exclusion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    /// 1-based line.
    pub line: usize,
    /// The line as given (trimmed, at most 200 characters).
    pub text: String,
    /// The account ID on the line, when one could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The email on the line, when one could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The first error on the line, or the exclusion.
    pub reason: String,
}

impl Skipped {
    /// The start of an excluded account's reason ([`Skipped::reason`]).
    pub(crate) const EXCLUDED: &'static str = "excluded: ";

    /// Whether the line was left out on purpose (the administrator, an inactive account) rather
    /// than for an error the user can fix.
    pub fn is_exclusion(&self) -> bool {
        self.reason.starts_with(Self::EXCLUDED)
    }
}
