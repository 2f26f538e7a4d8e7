//! A parse as plain data: what `enlist check --json` prints and what the JavaScript API returns,
//! from one definition (`crates/enlist-wasm` declares it for TypeScript and tests that the
//! declaration matches).

use serde::Serialize;

use crate::{ColumnEncoding, Exclusion, Parsed, Severity, Summary};

/// Everything a parse found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The format the text was read as (`csv`, `tsv`, `json`, …).
    pub format: String,
    /// The accounts to send, in input order.
    pub accounts: Vec<ReportAccount>,
    /// Accounts left out on purpose (the administrator's own, suspended ones).
    pub excluded: Vec<ReportExcluded>,
    /// Every problem and note, in input order.
    pub diagnostics: Vec<ReportDiagnostic>,
    /// The account IDs of each batch of at most 50.
    pub batches: Vec<Vec<String>>,
    /// Counts.
    pub summary: Summary,
}

/// An account to send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportAccount {
    /// Twelve digits.
    pub account_id: String,
    /// The email, when the list has one.
    pub email: Option<String>,
    /// The 1-based line it came from.
    pub line: usize,
}

/// An account left out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportExcluded {
    /// Twelve digits.
    pub account_id: String,
    /// The email, when the list has one.
    pub email: Option<String>,
    /// The 1-based line it came from.
    pub line: usize,
    /// `administrator account`, or the account's status such as `SUSPENDED`.
    pub reason: String,
}

/// A problem or a note, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportDiagnostic {
    /// `error`, `warning` or `info`.
    pub severity: Severity,
    /// A stable code such as `E003`.
    pub code: String,
    /// What was expected and what was found.
    pub message: String,
    /// 1-based line of the start.
    pub line: usize,
    /// 1-based column of the start, counted in the report's [`ColumnEncoding`].
    pub column: usize,
    /// 1-based line of the end.
    pub end_line: usize,
    /// 1-based column just past the end.
    pub end_column: usize,
    /// The replacement for the text from (line, column) to (end line, end column), when one is obvious.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The 1-based lines the fix deletes as well: "keep this one" of a conflicting duplicate,
    /// whose `fix` leaves this line as it is and deletes the account's other lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remove_lines: Vec<usize>,
}

/// The report of `parsed`, the result of parsing `input`, with columns counted in `encoding`
/// (characters for terminals, UTF-16 units for JavaScript editors).
///
/// ```
/// use enlist_core::{ColumnEncoding, Options, parse, report};
/// let input = "Account ID,Email\n11122223333,a@example.com\n";
/// let report = report(&parse(input, &Options::default()), ColumnEncoding::Utf16);
/// let lost_zero = report.diagnostics.iter().find(|d| d.code == "E003").unwrap();
/// assert_eq!((lost_zero.line, lost_zero.column, lost_zero.end_column), (2, 1, 12));
/// assert_eq!(lost_zero.fix.as_deref(), Some("011122223333"));
/// ```
pub fn report(parsed: &Parsed, encoding: ColumnEncoding) -> Report {
    let input = parsed.text();
    let index = &parsed.line_index;
    let position = |offset| index.line_col(input, offset, encoding);
    Report {
        format: parsed.format.as_str().to_owned(),
        accounts: parsed
            .accounts
            .iter()
            .map(|a| ReportAccount {
                account_id: a.id().to_string(),
                email: a.email().map(str::to_owned),
                line: index.line(a.span().start),
            })
            .collect(),
        excluded: parsed
            .excluded
            .iter()
            .map(|e| ReportExcluded {
                account_id: e.account_id.to_string(),
                email: e.email.clone(),
                line: index.line(e.span.start),
                reason: match &e.reason {
                    Exclusion::OwnAccount => "administrator account".to_owned(),
                    Exclusion::Inactive { status } => status.clone(),
                },
            })
            .collect(),
        diagnostics: parsed
            .diagnostics
            .iter()
            .map(|d| {
                let (start, end) = (position(d.span.start), position(d.span.end));
                ReportDiagnostic {
                    severity: d.severity(),
                    code: d.code.as_str().to_owned(),
                    message: d.message.clone(),
                    line: start.line,
                    column: start.column,
                    end_line: end.line,
                    end_column: end.column,
                    fix: d.fix.as_ref().map(|f| f.replacement.clone()),
                    remove_lines: d.fix.as_ref().map_or_else(Vec::new, |f| f.removed_lines(input, index)),
                }
            })
            .collect(),
        batches: parsed.batches.iter().map(|b| b.accounts().iter().map(|a| a.id().to_string()).collect()).collect(),
        summary: parsed.summary(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, parse};

    #[test]
    fn accounts_exclusions_and_batches_keep_their_lines() {
        let mut input = String::from("Account ID,Email\n");
        for i in 0..120 {
            input.push_str(&format!("{},m{i}@example.com\n", 111_122_220_000_u64 + i));
        }
        input.push_str("999988887777,admin@example.com\n");
        let options = Options { admin_account: Some("999988887777".parse().unwrap()), ..Options::default() };
        let report = report(&parse(&input, &options), ColumnEncoding::Chars);
        assert_eq!(report.format, "csv");
        assert_eq!(report.accounts.len(), 120);
        assert_eq!(report.accounts[0].account_id, "111122220000");
        assert_eq!((report.accounts[0].line, report.accounts[119].line), (2, 121));
        assert_eq!(report.accounts[7].email.as_deref(), Some("m7@example.com"));
        assert_eq!(report.excluded.len(), 1, "{:?}", report.excluded);
        assert_eq!(
            (report.excluded[0].account_id.as_str(), report.excluded[0].line, report.excluded[0].reason.as_str()),
            ("999988887777", 122, "administrator account")
        );
        assert_eq!(report.batches.iter().map(Vec::len).collect::<Vec<_>>(), [50, 50, 20]);
        assert_eq!(report.batches[2][19], "111122220119");
        assert_eq!((report.summary.accounts, report.summary.batches, report.summary.errors), (120, 3, 0));
    }

    #[test]
    fn a_diagnostic_without_a_fix_has_no_fix_field() {
        let input = "111122223333,not-an-email\n";
        let report = report(&parse(input, &Options::default()), ColumnEncoding::Chars);
        let error = report.diagnostics.iter().find(|d| d.severity == Severity::Error).unwrap();
        let json = serde_json::to_value(error).unwrap();
        assert_eq!(error.fix, None, "{json}");
        assert!(json.get("fix").is_none(), "{json}");
        assert_eq!((json["line"].as_u64(), json["endLine"].as_u64()), (Some(1), Some(1)), "{json}");
    }
}
