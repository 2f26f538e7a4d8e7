//! Output of `enlist check`: compiler-style text for people, one JSON object for programs.

use std::collections::BTreeMap;
use std::fmt::Write;

use enlist_core::{ColumnEncoding, Diagnostic, Parsed, Severity, Span};

/// How many info diagnostics of one code are printed before the rest are counted.
const INFO_SHOWN: usize = 5;

/// `accounts.csv:3:14: error[E003]: …` with the line and a caret under the span.
pub(crate) fn text(name: &str, parsed: &Parsed) -> String {
    let input = parsed.text();
    let mut out = String::new();
    let mut infos: BTreeMap<&str, usize> = BTreeMap::new();
    for diagnostic in &parsed.diagnostics {
        if diagnostic.severity() == Severity::Info {
            let seen = infos.entry(diagnostic.code.as_str()).or_default();
            *seen += 1;
            if *seen > INFO_SHOWN {
                continue;
            }
        }
        render_diagnostic(&mut out, name, input, parsed, diagnostic);
    }
    for (code, count) in infos {
        if count > INFO_SHOWN {
            let _ = writeln!(
                out,
                "{name}: info[{code}]: {} more like this not shown (--json lists all)\n",
                count - INFO_SHOWN
            );
        }
    }
    let summary = parsed.summary();
    let _ = writeln!(
        out,
        "{name}: read as {}: {} in {}; {}, {}",
        parsed.format.description(),
        plural(summary.accounts, "account to send", "accounts to send"),
        plural(summary.batches, "batch", "batches"),
        plural(summary.errors, "error", "errors"),
        plural(summary.warnings, "warning", "warnings"),
    );
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn render_diagnostic(out: &mut String, name: &str, input: &str, parsed: &Parsed, diagnostic: &Diagnostic) {
    let at = parsed.line_index.line_col(input, diagnostic.span.start, ColumnEncoding::Chars);
    let _ = writeln!(
        out,
        "{name}:{}:{}: {}[{}]: {}",
        at.line,
        at.column,
        diagnostic.severity(),
        diagnostic.code,
        diagnostic.message
    );
    let Some(line_span) = parsed.line_index.line_span(input, at.line) else {
        return;
    };
    let (shown, caret_start, caret_len) = show_line(input, line_span, diagnostic.span);
    let gutter = at.line.to_string().len();
    let _ = writeln!(out, "{:gutter$} |", "");
    let _ = writeln!(out, "{} | {shown}", at.line);
    let mut caret = format!("{:gutter$} | {}{}", "", " ".repeat(caret_start), "^".repeat(caret_len.max(1)));
    if let Some(fix) = &diagnostic.fix {
        if fix.is_choice() {
            let lines: Vec<String> =
                fix.removed_lines(input, &parsed.line_index).iter().map(ToString::to_string).collect();
            let _ = write!(caret, " fix: keep this line, delete line {}", lines.join(", "));
        } else {
            let _ = write!(caret, " fix: `{}`", fix.replacement);
        }
    }
    let _ = writeln!(out, "{caret}\n");
}

/// The line as printed (invisible and control characters as `·`, tabs as one space) and the
/// caret's column and width in that printed text.
fn show_line(input: &str, line: Span, span: Span) -> (String, usize, usize) {
    let text = line.slice(input);
    let mut shown = String::new();
    let (mut caret_start, mut caret_end) = (None, None);
    let mut column = 0;
    let (from, to) = (span.start.max(line.start), span.end.min(line.end));
    for (i, c) in text.char_indices() {
        let offset = line.start + i;
        if offset >= from && caret_start.is_none() {
            caret_start = Some(column);
        }
        if offset >= to && caret_end.is_none() {
            caret_end = Some(column);
        }
        let c = match c {
            '\t' => ' ',
            c if c.is_control() || (c.is_whitespace() && c != ' ') || is_format_char(c) => '·',
            c => c,
        };
        shown.push(c);
        column += 1;
    }
    let start = caret_start.unwrap_or(column);
    let end = caret_end.unwrap_or(column);
    (shown, start, end.saturating_sub(start))
}

fn is_format_char(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

/// One JSON object: accounts, diagnostics (1-based lines and character columns), batches, summary.
pub(crate) fn json(parsed: &Parsed) -> String {
    let output = enlist_core::report(parsed, ColumnEncoding::Chars);
    let mut text = serde_json::to_string_pretty(&output).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    text.push('\n');
    text
}
