//! Problems and repairs found in the input, each with a stable code, a severity and a span.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::span::Span;

/// How much a diagnostic matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The line's account is not sent until this is fixed.
    Error,
    /// The account is sent, merged or excluded; the user should know why.
    Warning,
    /// A repair or an interpretation the parser made, shown so nothing happens silently.
    Info,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal, $severity:ident, $title:literal;)*) => {
        /// A stable diagnostic code. Codes never change meaning; new problems get new codes.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($(#[$doc])* $name,)*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            /// The stable code, such as `E003`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$name => $code,)* }
            }

            /// How much a diagnostic with this code matters. It never depends on the input.
            pub const fn severity(self) -> Severity {
                match self { $(Code::$name => Severity::$severity,)* }
            }

            /// A short, stable name for documentation and filters.
            pub const fn title(self) -> &'static str {
                match self { $(Code::$name => $title,)* }
            }
        }
    };
}

codes! {
    /// A line that is neither an account nor anything else Enlist knows.
    UnreadableLine = "E001", Error, "unreadable line";
    /// An account ID that is not 12 digits and cannot be repaired.
    InvalidAccountId = "E002", Error, "invalid account ID";
    /// An 11-digit account ID: a spreadsheet dropped the leading zero.
    LostLeadingZero = "E003", Error, "account ID lost its leading zero";
    /// An account ID in scientific notation (`4.44456E+11`).
    ScientificNotation = "E004", Error, "account ID in scientific notation";
    /// An email the selected service would reject.
    InvalidEmail = "E005", Error, "invalid email";
    /// No email, where the selected service needs one.
    MissingEmail = "E006", Error, "missing email";
    /// The same account twice, with different emails.
    ConflictingDuplicate = "E007", Error, "duplicate account with different emails";
    /// Text that starts like JSON but is not valid JSON, or JSON of an unknown shape.
    InvalidJson = "E008", Error, "invalid JSON";
    /// A quoted field without its closing quote.
    UnterminatedQuote = "E009", Error, "unterminated quote";
    /// A line with an email but no account ID.
    MissingAccountId = "E010", Error, "missing account ID";
    /// The same account and email twice: the repeats are merged into the first.
    DuplicateMerged = "W001", Warning, "duplicate account merged";
    /// The administrator's own account, which cannot be its own member.
    OwnAccount = "W002", Warning, "administrator account excluded";
    /// An account AWS Organizations reports as not active (suspended, closed).
    InactiveAccount = "W003", Warning, "inactive account excluded";
    /// More accounts than the service allows members.
    QuotaExceeded = "W004", Warning, "member quota exceeded";
    /// `444455556666.0`: the spreadsheet's decimal point was removed.
    SpreadsheetDecimal = "W005", Warning, "spreadsheet decimal removed";
    /// Zero-width or other invisible characters were removed.
    InvisibleCharacters = "W006", Warning, "invisible characters removed";
    /// A field that is neither the ID, the email nor a status was ignored.
    IgnoredField = "W007", Warning, "field ignored";
    /// An account ID written as a JSON number rather than a string.
    NumericAccountId = "W008", Warning, "account ID given as a number";
    /// A byte order mark at the start of the input was removed.
    ByteOrderMark = "I001", Info, "byte order mark removed";
    /// Windows (`\r\n`) or old Mac (`\r`) line endings were read as line breaks.
    CarriageReturns = "I002", Info, "carriage returns removed";
    /// Whitespace around a value, or a non-breaking space, was removed.
    Whitespace = "I003", Info, "whitespace removed";
    /// Quotes around a value were removed.
    QuotesRemoved = "I004", Info, "quotes removed";
    /// A header row was recognized and mapped to columns.
    Header = "I005", Info, "header row";
    /// An account ID written in groups (`4444-5555-6666`) was joined.
    GroupedAccountId = "I006", Info, "account ID separators removed";
    /// A column or JSON field Enlist does not use.
    UnusedColumn = "I007", Info, "column not used";
    /// A member list of GuardDuty, Detective or Security Hub: its member statuses are the
    /// service's, not AWS Organizations', and are ignored.
    MemberList = "I008", Info, "member list read";
    /// An ARN where the account ID was expected: the account ID was taken from it.
    AccountFromArn = "I009", Info, "account ID read from an ARN";
    /// Excel's `sep=` line, which names the delimiter, was read and honoured.
    DelimiterLine = "I010", Info, "delimiter line";
    /// Invalid YAML, or YAML of a shape Enlist does not know.
    InvalidYaml = "E011", Error, "invalid YAML";
    /// `Name <address>`: the address in the angle brackets was used and the name dropped.
    DisplayName = "W009", Warning, "display name dropped";
    /// An email the services take but no mail can reach (`ops@example..com`: an empty part of the
    /// domain), so the invitation never arrives and a verification fails.
    UndeliverableEmail = "W010", Warning, "email no mail can reach";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A suggested edit: replace the diagnostic's span with `replacement`, and delete the lines in
/// `remove`.
///
/// Fixes are never applied by the parser; the user (or the UI, on request) applies them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// The text that should stand where the diagnostic's span is.
    pub replacement: String,
    /// Whole lines, each with its line break, that the fix deletes elsewhere in the input: "keep
    /// this one" of a conflicting duplicate removes the account's other lines. A fix with lines to
    /// remove is a choice between lines, so "apply all" leaves it out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<Span>,
}

impl Fix {
    /// Whether the fix is a choice the user makes ("keep this one") rather than an obvious repair.
    pub fn is_choice(&self) -> bool {
        !self.remove.is_empty()
    }

    /// The 1-based numbers of the lines in `remove`. (The span of a last line without a line
    /// break of its own starts with the break before it.)
    pub fn removed_lines(&self, input: &str, index: &crate::span::LineIndex) -> Vec<usize> {
        self.remove
            .iter()
            .map(|line| {
                let text = line.slice(input);
                index.line(line.start + text.len() - text.trim_start_matches(['\r', '\n']).len())
            })
            .collect()
    }
}

/// One problem or repair, on the bytes of the input it concerns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The stable code; its severity is `code.severity()`.
    pub code: Code,
    /// What was expected and what was found, lowercase, without a trailing period.
    pub message: String,
    /// The bytes concerned, in the original input.
    pub span: Span,
    /// A suggested replacement for `span`, when one is obvious.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic without a fix.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { code, message: message.into(), span, fix: None }
    }

    /// Adds a suggested replacement for the span.
    #[must_use]
    pub fn with_fix(mut self, replacement: impl Into<String>) -> Diagnostic {
        self.fix = Some(Fix { replacement: replacement.into(), remove: Vec::new() });
        self
    }

    /// The severity, which follows from the code.
    pub const fn severity(&self) -> Severity {
        self.code.severity()
    }
}

/// Shortens user text for a message: at most 60 characters, control characters made visible.
pub(crate) fn quote(text: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::with_capacity(text.len().min(MAX + 3));
    for (count, c) in text.chars().enumerate() {
        if count == MAX {
            out.push('…');
            break;
        }
        match c {
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() || is_invisible(c) => out.push_str(&format!("\\u{{{:04X}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Characters that render as nothing (or as an ordinary space) and so hide in a paste.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00A0}' | '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180E}' | '\u{2000}'..='\u{200F}' | '\u{2028}'..='\u{202F}' | '\u{205F}'..='\u{2064}'
            | '\u{206A}'..='\u{206F}' | '\u{3000}' | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}'
    )
}

/// Names a character for a message: `U+200B (zero width space)` for the invisible ones people
/// meet in pastes, `` `·` (U+00B7) `` for anything else.
pub(crate) fn char_name(c: char) -> String {
    let name = match c {
        ' ' => "space",
        '\t' => "tab",
        '\u{00A0}' => "no-break space",
        '\u{00AD}' => "soft hyphen",
        '\u{200B}' => "zero width space",
        '\u{200C}' => "zero width non-joiner",
        '\u{200D}' => "zero width joiner",
        '\u{200E}' => "left-to-right mark",
        '\u{200F}' => "right-to-left mark",
        '\u{2060}' => "word joiner",
        '\u{202F}' => "narrow no-break space",
        '\u{3000}' => "ideographic space",
        '\u{FEFF}' => "byte order mark",
        c if c.is_whitespace() => "space",
        c if is_invisible(c) || c.is_control() => "invisible character",
        c => return format!("`{c}` (U+{:04X})", u32::from(c)),
    };
    format!("U+{:04X} ({name})", u32::from(c))
}

/// `1,000` rather than `1000`, for counts in messages.
///
/// ```
/// assert_eq!(enlist_core::thousands(1234567), "1,234,567");
/// ```
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_match_their_severity() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {code}");
            let prefix = match code.severity() {
                Severity::Error => 'E',
                Severity::Warning => 'W',
                Severity::Info => 'I',
            };
            assert!(code.as_str().starts_with(prefix), "{code} has severity {}", code.severity());
        }
    }

    #[test]
    fn names_characters() {
        assert_eq!(char_name('\u{200B}'), "U+200B (zero width space)");
        assert_eq!(char_name('·'), "`·` (U+00B7)");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn quote_shows_invisible_characters() {
        assert_eq!(quote("a\u{200B}b\r"), "a\\u{200B}b\\r");
        assert_eq!(quote(&"x".repeat(70)).chars().count(), 61);
    }
}
