//! `parse`: pasted text in, accounts + every diagnostic + batches out. Parsing never fails.

mod clean;
mod delimited;
mod detect;
pub(crate) mod json;
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
use crate::service::{Service, Services};
use crate::span::{LineIndex, Span};

pub use detect::detect_format;
pub use json::Json;

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

/// One option's value as a host hands it over without JSON (the JavaScript API reads its options
/// object into these, which keeps a JSON parser out of the parse-only module).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionValue {
    /// `null` or `undefined`: the option's default.
    Missing,
    /// `true` or `false`.
    Bool(bool),
    /// A string.
    Text(String),
    /// An array: each element a string, or how a non-string element reads.
    List(Vec<Result<String, String>>),
    /// Anything else, as it reads (a number, an object).
    Other(String),
}

impl OptionValue {
    fn found(&self) -> String {
        match self {
            OptionValue::Missing => "nothing".to_owned(),
            OptionValue::Bool(b) => format!("`{b}`"),
            OptionValue::Text(text) => format!("the string `{text}`"),
            OptionValue::List(_) => "a list".to_owned(),
            OptionValue::Other(text) => format!("`{text}`"),
        }
    }
}

impl Options {
    /// The options' names, as JSON and JavaScript spell them.
    pub const FIELDS: [&'static str; 4] = ["services", "organizationMode", "adminAccount", "format"];

    /// Sets one option by its JSON name, with the same rules and words as reading them from JSON:
    /// an unknown name is an error that names it.
    ///
    /// ```
    /// use enlist_core::{OptionValue, Options};
    /// let mut options = Options::default();
    /// options.set("organizationMode", OptionValue::Bool(true)).unwrap();
    /// assert!(options.organization_mode);
    /// let error = options.set("service", OptionValue::Missing).unwrap_err();
    /// assert!(error.starts_with("unknown field `service`, expected one of `services`"));
    /// ```
    pub fn set(&mut self, field: &str, value: OptionValue) -> Result<(), String> {
        match (field, value) {
            ("services", OptionValue::Missing) => self.services = Services::BOTH,
            ("services", OptionValue::List(names)) => {
                if names.is_empty() {
                    return Err(crate::service::NO_SERVICE.to_owned());
                }
                let mut chosen = Vec::with_capacity(names.len());
                for name in names {
                    chosen.push(match name {
                        Ok(name) => name.parse::<Service>().map_err(|e| e.to_string())?,
                        Err(found) => return Err(crate::service::UnknownService(found).to_string()),
                    });
                }
                self.services = chosen.into_iter().collect();
            }
            ("organizationMode", OptionValue::Missing) => self.organization_mode = false,
            ("organizationMode", OptionValue::Bool(on)) => self.organization_mode = on,
            ("adminAccount", OptionValue::Missing) => self.admin_account = None,
            ("adminAccount", OptionValue::Text(id)) => {
                self.admin_account = Some(id.parse::<AccountId>().map_err(|e| e.to_string())?);
            }
            ("format", OptionValue::Missing) => self.format = None,
            ("format", OptionValue::Text(name)) => {
                self.format = Some(name.parse().map_err(|e: UnknownFormat| e.to_string())?);
            }
            (field, value) => {
                let expected = match field {
                    "services" => "a list of service names",
                    "organizationMode" => "`true` or `false`",
                    "adminAccount" => "a 12-digit account ID as a string",
                    "format" => "a format name as a string",
                    _ => {
                        let names: Vec<String> = Options::FIELDS.iter().map(|f| format!("`{f}`")).collect();
                        return Err(format!("unknown field `{field}`, expected one of {}", names.join(", ")));
                    }
                };
                return Err(format!("expected {expected} for `{field}`, found {}", value.found()));
            }
        }
        Ok(())
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
    /// What a line-based reader found, for [`reparse`] (`None` for JSON and YAML).
    reuse: Option<Arc<Reuse>>,
}

/// What [`reparse`] keeps of a line-based read: the options it was read with, where its first
/// lines ended, and what each line after them gave.
#[derive(Debug)]
struct Reuse {
    options: Options,
    steady: delimited::Steady,
    found: record::Found,
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
    read(text, options, false)
}

/// Reads the whole text; `keep`: the result keeps what each line gave, for [`reparse`].
fn read(text: Arc<str>, options: &Options, keep: bool) -> Parsed {
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
    let steady = match format {
        Format::Json => {
            json::read(input, body, &mut collector);
            None
        }
        Format::Yaml => {
            yaml::read(input, body, &mut collector);
            None
        }
        Format::Shorthand => {
            delimited::read_shorthand(input, body, input.len(), &mut collector);
            Some(delimited::Steady::from(body))
        }
        _ => Some(delimited::read(input, body, format, &mut collector)),
    };
    // A record of JSON or YAML is not its own line: deleting a line there can break the document.
    let finished = collector.finish(steady.is_some(), keep);
    settle(text, format, options, steady, finished)
}

/// [`parse_shared`] of `text` after an edit of `previous`'s text: the same result, found faster
/// when the edit changed one stretch of a long line-based list (as typing, a paste or a fix does),
/// by reading again only the lines in that stretch. Duplicates, exclusions, quotas and batches are
/// settled again over the whole list.
///
/// What each line gave is kept only by `reparse` (a `Parsed` from [`parse`] keeps nothing more, and
/// the first `reparse` after it reads the whole text): an editor checks every edit with `reparse`.
///
/// ```
/// use std::sync::Arc;
/// use enlist_core::{Options, parse_shared, reparse};
/// let options = Options::default();
/// let before = parse_shared(Arc::from("111122223333,a@example.com\n222233334444,b@example.com\n"), &options);
/// let text: Arc<str> = Arc::from("111122223333,a@example.com\n22223333444,b@example.com\n");
/// let after = reparse(&before, Arc::clone(&text), &options);
/// assert_eq!(after.diagnostics, parse_shared(text, &options).diagnostics);
/// assert_eq!(after.diagnostics[0].code.as_str(), "E003");
/// ```
pub fn reparse(previous: &Parsed, text: Arc<str>, options: &Options) -> Parsed {
    match resume(previous, &text, options) {
        Some((format, steady, collector)) => {
            let finished = collector.finish(true, true);
            settle(text, format, options, Some(steady), finished)
        }
        None => read(text, options, true),
    }
}

/// A collector holding what `previous` found in the lines an edit left alone and what the lines
/// in between give now, or `None` when the edit reaches the first lines (a header, the format).
fn resume<'i>(
    previous: &Parsed,
    input: &'i str,
    options: &'i Options,
) -> Option<(Format, delimited::Steady, record::Collector<'i>)> {
    let reuse = previous.reuse.as_deref()?;
    if reuse.options != *options {
        return None;
    }
    let (old, new) = (previous.text.as_bytes(), input.as_bytes());
    let same_start = same_start(old, new);
    let most = old.len().min(new.len()) - same_start;
    let same_end = same_end(&old[same_start..], &new[same_start..]).min(most);
    // A line is kept when it and the first byte after it are unchanged: then its line break is.
    if reuse.steady.from >= same_start || old == new {
        return None;
    }
    // A byte order mark can appear through an edit of the first character alone (U+FFFD shares
    // its first byte): the text is then read from another byte, with another diagnostic.
    let bom = |text: &str| text.starts_with('\u{FEFF}');
    if bom(input) != bom(previous.text()) {
        return None;
    }
    let body = if bom(input) { 3 } else { 0 };
    let format = options.format.unwrap_or_else(|| detect::detect(input, body));
    if format != previous.format {
        return None;
    }
    let found = &reuse.found;
    // Read again from the line of the last unchanged byte, and on to the first line that starts
    // after the last changed byte.
    let lines = &previous.line_index;
    let from = lines.line_start(lines.line(same_start - 1)).unwrap_or(0).max(reuse.steady.from);
    let unchanged_from = old.len() - same_end;
    let after = lines.line_start(lines.line(unchanged_from) + 1);
    let shift = record::Shift { old: old.len(), new: new.len() };
    let end = after.map_or(new.len(), |at| shift.at(at));
    let mut collector = record::Collector::resumed(input, options, found, from);
    match format {
        Format::Shorthand => delimited::read_shorthand(input, from, end, &mut collector),
        _ => delimited::read_lines(input, &reuse.steady.at(from), end, format, &mut collector),
    }
    collector.append(found, after.unwrap_or(old.len()), shift)?;
    Some((format, reuse.steady.clone(), collector))
}

/// How many bytes `a` and `b` have in common at their start, compared a block at a time.
fn same_start(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + BLOCK <= n && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    i + a[i..n].iter().zip(&b[i..n]).take_while(|(x, y)| x == y).count()
}

/// How many bytes `a` and `b` have in common at their end, compared a block at a time.
fn same_end(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = 0;
    while i + BLOCK <= n && a[n - i - BLOCK..n - i] == b[n - i - BLOCK..n - i] {
        i += BLOCK;
    }
    i + a[..n - i].iter().rev().zip(b[..n - i].iter().rev()).take_while(|(x, y)| x == y).count()
}

/// Settles what the readers found into a [`Parsed`]: duplicates, exclusions, quotas, batches.
fn settle(
    text: Arc<str>,
    format: Format,
    options: &Options,
    steady: Option<delimited::Steady>,
    (accounts, excluded, mut diagnostics, found): record::Finished,
) -> Parsed {
    let input: &str = &text;
    if format != Format::Json {
        lines::report_carriage_returns(input, &mut diagnostics);
    }
    // Stable: diagnostics on the same bytes keep the order they were found in.
    diagnostics.sort_by_key(|d| d.span.start);
    let batches = crate::batch::chunk_unique(&accounts);
    let line_index = LineIndex::new(input);
    let reuse = steady.zip(found).map(|(steady, found)| Arc::new(Reuse { options: options.clone(), steady, found }));
    Parsed { text, format, accounts, excluded, diagnostics, batches, line_index, reuse }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Options from a JSON object through [`Options::set`], as the JavaScript API reads them.
    fn set_all(json: &str) -> Result<Options, String> {
        let serde_json::Value::Object(fields) = serde_json::from_str(json).unwrap() else { panic!("{json}") };
        let value = |v: serde_json::Value| match v {
            serde_json::Value::Null => OptionValue::Missing,
            serde_json::Value::Bool(b) => OptionValue::Bool(b),
            serde_json::Value::String(s) => OptionValue::Text(s),
            serde_json::Value::Array(items) => OptionValue::List(
                items
                    .into_iter()
                    .map(|i| if let serde_json::Value::String(s) = i { Ok(s) } else { Err(i.to_string()) })
                    .collect(),
            ),
            other => OptionValue::Other(other.to_string()),
        };
        let mut options = Options::default();
        for (field, v) in fields {
            options.set(&field, value(v))?;
        }
        Ok(options)
    }

    #[test]
    fn setting_options_one_by_one_agrees_with_reading_them_from_json() {
        let same = [
            r#"{}"#,
            r#"{"services":["guardduty"]}"#,
            r#"{"services":["detective","guardduty"],"organizationMode":true}"#,
            r#"{"adminAccount":"111122223333","format":"tsv"}"#,
            r#"{"adminAccount":null,"format":null}"#,
            // The same words as serde's for the values the core checks.
            r#"{"services":["inspector"]}"#,
            r#"{"services":[]}"#,
            r#"{"adminAccount":"12"}"#,
            r#"{"format":"xml"}"#,
        ];
        for json in same {
            let serde = serde_json::from_str::<Options>(json).map_err(|e| {
                let message = e.to_string();
                message.rsplit_once(" at line ").map_or(message.clone(), |(head, _)| head.to_owned())
            });
            assert_eq!(set_all(json), serde, "{json}");
        }
        let unknown = set_all(r#"{"service":["guardduty"]}"#).unwrap_err();
        assert_eq!(
            unknown,
            "unknown field `service`, expected one of `services`, `organizationMode`, `adminAccount`, `format`"
        );
        // Wrong types say what was expected and what was found, in the options' own words.
        let wrong = [
            (
                r#"{"organizationMode":"yes"}"#,
                "expected `true` or `false` for `organizationMode`, found the string `yes`",
            ),
            (
                r#"{"services":"guardduty"}"#,
                "expected a list of service names for `services`, found the string `guardduty`",
            ),
            (r#"{"services":[1]}"#, "expected `guardduty`, `detective` or `securityhub`, found `1`"),
            (
                r#"{"adminAccount":111122223333}"#,
                "expected a 12-digit account ID as a string for `adminAccount`, found `111122223333`",
            ),
            (r#"{"format":["csv"]}"#, "expected a format name as a string for `format`, found a list"),
        ];
        for (json, message) in wrong {
            assert_eq!(set_all(json), Err(message.to_owned()), "{json}");
        }
    }
}
