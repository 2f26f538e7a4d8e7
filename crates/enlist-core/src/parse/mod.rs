//! `parse`: pasted text in, accounts + every diagnostic + batches out. Parsing never fails.

mod clean;
mod delimited;
mod detect;
mod json;
mod lines;
mod record;
mod yaml;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::account::{Account, AccountId};
use crate::batch::Batch;
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::service::Services;
use crate::span::{LineIndex, Span};

pub use detect::detect_format;

/// What the input is checked for. As JSON (the JavaScript API's options): `services`,
/// `organizationMode`, `adminAccount`, `format`, each optional; any other field is an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Options {
    /// The services the accounts will be added to; emails must satisfy all of their rules.
    pub services: Services,
    /// Detective organization mode: accounts are organization members and need no email.
    pub organization_mode: bool,
    /// The administrator account, which cannot be its own member and is excluded.
    pub admin_account: Option<AccountId>,
    /// The input format; `None` detects it from the text.
    pub format: Option<Format>,
}

impl Default for Options {
    fn default() -> Options {
        Options { services: Services::BOTH, organization_mode: false, admin_account: None, format: None }
    }
}

/// The shapes of input Enlist reads. Detection picks one per paste; users can override it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Comma-separated values, with or without a header (console CSV, script CSV, quoted fields).
    Csv,
    /// Tab-separated values: spreadsheet copies, `--query … --output text`.
    Tsv,
    /// Semicolon-separated values, as spreadsheets in many locales export CSV.
    Semicolon,
    /// IDs and emails separated by spaces, commas or semicolons, any number per line.
    Text,
    /// JSON: `aws organizations list-accounts`, the services' member lists, request bodies, arrays
    /// of accounts, JSON Lines.
    Json,
    /// `aws organizations list-accounts --output text` (`ACCOUNTS` lines).
    OrganizationsText,
    /// `aws … --output table`.
    Table,
    /// AWS CLI shorthand: `AccountId=111122223333,Email=ops@example.com`.
    Shorthand,
    /// YAML: `--output yaml` and `yaml-stream` of `list-accounts` and of the services' member lists.
    Yaml,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 9] = [
        Format::Csv,
        Format::Tsv,
        Format::Semicolon,
        Format::Text,
        Format::Json,
        Format::OrganizationsText,
        Format::Table,
        Format::Shorthand,
        Format::Yaml,
    ];

    /// The identifier used in flags and JSON, such as `organizations-text`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Semicolon => "semicolon",
            Format::Text => "text",
            Format::Json => "json",
            Format::OrganizationsText => "organizations-text",
            Format::Table => "table",
            Format::Shorthand => "shorthand",
            Format::Yaml => "yaml",
        }
    }

    /// A description for people.
    pub const fn description(self) -> &'static str {
        match self {
            Format::Csv => "comma-separated values",
            Format::Tsv => "tab-separated values",
            Format::Semicolon => "semicolon-separated values",
            Format::Text => "IDs and emails separated by spaces, commas or semicolons",
            Format::Json => "JSON",
            Format::OrganizationsText => "`aws organizations list-accounts --output text`",
            Format::Table => "`aws … --output table`",
            Format::Shorthand => "AWS CLI shorthand (`AccountId=…,Email=…`)",
            Format::Yaml => "YAML (`--output yaml`)",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for an unknown format name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
        write!(f, "expected one of {}, found `{}`", names.join(", "), self.0)
    }
}

impl std::error::Error for UnknownFormat {}

impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Format, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

/// Why a well-formed account is not sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Exclusion {
    /// The administrator's own account.
    OwnAccount,
    /// AWS Organizations reports the account as not active; `status` is what it said.
    Inactive {
        /// The status as given, such as `SUSPENDED`.
        status: String,
    },
}

/// A valid account that is deliberately not sent, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Excluded {
    /// The account ID.
    pub account_id: AccountId,
    /// The email, if the input had one.
    pub email: Option<String>,
    /// Where the account was read.
    pub span: Span,
    /// Why it is not sent.
    pub reason: Exclusion,
}

/// Everything `parse` found, with the text it was found in. Nothing the user gave is missing from
/// it: each non-blank, non-comment line is an account, part of one, or carries a diagnostic.
///
/// A `Parsed` owns its text (shared, so cloning it copies nothing), as rust-analyzer's `Parse`
/// does: spans, fixes and skipped lines are always read against the very text they describe.
#[derive(Clone, Debug)]
pub struct Parsed {
    text: Arc<str>,
    /// The format the input was read as.
    pub format: Format,
    /// The accounts to send, deduplicated, in input order (shared with `batches`).
    pub accounts: Arc<[Account]>,
    /// Well-formed accounts that are not sent, with the reason.
    pub excluded: Vec<Excluded>,
    /// Every problem and repair, in input order.
    pub diagnostics: Vec<Diagnostic>,
    /// `accounts` split into batches of at most 50, in input order.
    pub batches: Vec<Batch>,
    /// Line starts of the input, for turning spans into lines and columns.
    pub line_index: LineIndex,
}

/// Counts for a status line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Accounts to send.
    pub accounts: usize,
    /// Diagnostics of severity error.
    pub errors: usize,
    /// Diagnostics of severity warning.
    pub warnings: usize,
    /// Diagnostics of severity info.
    pub infos: usize,
    /// Batches of at most 50.
    pub batches: usize,
}

impl Parsed {
    /// The text that was parsed; every span points into it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text, shared.
    pub fn shared_text(&self) -> Arc<str> {
        Arc::clone(&self.text)
    }

    /// Counts of accounts, diagnostics by severity, and batches.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary { accounts: self.accounts.len(), batches: self.batches.len(), ..Summary::default() };
        for diagnostic in &self.diagnostics {
            match diagnostic.severity() {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => summary.infos += 1,
            }
        }
        summary
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity() == Severity::Error)
    }
}

/// Reads an account list in any supported format and checks it for the selected services.
///
/// Never fails and never panics: problems become [`Diagnostic`]s, and accounts with errors are
/// left out of `accounts` and `batches`. Runs in time linear in the input.
///
/// ```
/// use enlist_core::{parse, Options, Service, Services};
/// let options = Options { services: Services::only(Service::GuardDuty), ..Options::default() };
/// let parsed = parse("Account ID,Email\n111122223333,ops@example.com\n11112222333,dev@example.com\n", &options);
/// assert_eq!(parsed.accounts.len(), 1);
/// let lost_zero = &parsed.diagnostics[1];
/// assert_eq!(lost_zero.code.as_str(), "E003");
/// assert_eq!(lost_zero.fix.as_ref().unwrap().replacement, "011112222333");
/// ```
pub fn parse(input: &str, options: &Options) -> Parsed {
    parse_shared(Arc::from(input), options)
}

/// [`parse`] for a text the caller already shares (the browser keeps the editor's text this way),
/// so it is not copied again.
pub fn parse_shared(text: Arc<str>, options: &Options) -> Parsed {
    let input: &str = &text;
    let mut diagnostics = Vec::new();
    let body = if input.starts_with('\u{FEFF}') {
        diagnostics.push(Diagnostic::new(
            Code::ByteOrderMark,
            Span::new(0, 3),
            "removed the byte order mark (U+FEFF) at the start of the input",
        ));
        3
    } else {
        0
    };
    let format = options.format.unwrap_or_else(|| detect::detect(input, body));
    let mut collector = record::Collector::new(input, options, diagnostics);
    match format {
        Format::Json => json::read(input, body, &mut collector),
        Format::Yaml => yaml::read(input, body, &mut collector),
        Format::Shorthand => delimited::read_shorthand(input, body, &mut collector),
        _ => delimited::read(input, body, format, &mut collector),
    }
    let (accounts, excluded, mut diagnostics) = collector.finish();
    if format != Format::Json {
        lines::report_carriage_returns(input, &mut diagnostics);
    }
    // Stable: diagnostics on the same bytes keep the order they were found in.
    diagnostics.sort_by_key(|d| d.span.start);
    let batches = crate::batch::chunk_unique(&accounts);
    let line_index = LineIndex::new(input);
    Parsed { text, format, accounts, excluded, diagnostics, batches, line_index }
}
