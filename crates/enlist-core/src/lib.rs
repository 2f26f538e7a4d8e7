//! Enlist's core: turns a pasted account list into validated accounts, diagnostics and batches.
//!
//! The core is pure and sans-IO: it reads no clock, environment, file or network, so the same
//! code runs natively (the `enlist` CLI, the proxy) and in the browser (wasm).
//!
//! ```
//! use enlist_core::{parse, Options, Service, Services};
//! let input = "Account ID,Email\n111122223333,ops@example.com\n444455556666.0,sec@example.com\n";
//! let options = Options { services: Services::only(Service::GuardDuty), ..Options::default() };
//! let parsed = parse(input, &options);
//! assert_eq!(parsed.accounts.len(), 2);
//! assert_eq!(parsed.batches.len(), 1);
//! assert!(!parsed.has_errors());
//! ```

mod account;
mod batch;
mod diagnostic;
mod discover;
mod email;
pub mod engine;
pub mod export;
mod member;
mod outcome;
mod parse;
mod plan;
mod report;
mod service;
mod span;
mod target;
mod text;
pub mod wire;

pub use account::{Account, AccountId, AccountIdError};
pub use batch::{Batch, BatchError, MAX_BATCH, batches};
pub use diagnostic::{Code, Diagnostic, Fix, Severity, thousands};
pub use discover::{Discovery, Found, Given};
pub use email::{EmailProblem, check_email};
pub use member::MemberStatus;
pub use outcome::{
    Outcome, Stage, UnprocessedReason, classify_unprocessed, describe_counts, describe_survey, label_words,
};
pub use parse::{
    Excluded, Exclusion, Format, Json, OptionValue, Options, Parsed, Summary, UnknownFormat, detect_format, parse,
    parse_shared, reparse,
};
pub use plan::{Plan, PlanError, PlannedRequest, Policy, apply_fix, apply_fixes, requests_json};
pub use report::{Report, ReportAccount, ReportDiagnostic, ReportExcluded, report};
pub use service::{Service, Services, UnknownService};
pub use span::{ColumnEncoding, LineCol, LineIndex, Span};
pub use target::{
    Destination, DetectorId, GraphArn, HubArn, InvalidIdentifier, Invitation, MAX_MESSAGE, Region, Target, Unreachable,
};
pub use text::{Decoded, Undecodable, decode_text};
pub use wire::FailureKind;
