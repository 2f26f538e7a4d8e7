//! Field normalization: every character removed from a value is reported, never dropped silently.
//!
//! The one exception is layout: ASCII spaces and tabs between a delimiter and an unquoted value
//! (`111122223333, ops@example.com`). They cannot be part of an ID or an email, and reporting them
//! on every line would bury the diagnostics that matter.

use std::borrow::Cow;

use crate::diagnostic::{Code, Diagnostic, char_name, quote};
use crate::span::Span;

/// A field as a reader found it, before normalization.
#[derive(Clone, Debug)]
pub(crate) struct RawField<'a> {
    /// The field's text: a slice of the input when `exact`, else unescaped text (CSV `""`, JSON `\n`).
    pub(crate) text: Cow<'a, str>,
    /// Where the field is in the input (for inexact fields, the whole quoted field).
    pub(crate) span: Span,
    /// Whether `text` is byte for byte the input at `span.start`.
    pub(crate) exact: bool,
    /// Whether the format quoted the field (CSV `"…"`, a JSON string): whitespace inside is content.
    pub(crate) quoted: bool,
}

impl<'a> RawField<'a> {
    /// A field that is exactly `text` at byte `start` of the input, not quoted by the format.
    pub(crate) fn exact(text: &'a str, start: usize) -> RawField<'a> {
        RawField { text: Cow::Borrowed(text), span: Span::new(start, start + text.len()), exact: true, quoted: false }
    }

    /// Whether the field has nothing in it but whitespace and invisible characters.
    pub(crate) fn is_blank(&self) -> bool {
        self.text.chars().all(is_trimmable)
    }
}

/// A normalized value and the span of what is left of it in the input.
#[derive(Clone, Debug)]
pub(crate) struct Cleaned<'a> {
    pub(crate) text: Cow<'a, str>,
    pub(crate) span: Span,
}

fn is_trimmable(c: char) -> bool {
    c.is_whitespace() || is_zero_width(c)
}

/// Format characters that render as nothing; they sneak into pastes from web pages and chat tools.
pub(crate) fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}'
    )
}

const QUOTE_PAIRS: &[(char, char)] =
    &[('"', '"'), ('\'', '\''), ('\u{201C}', '\u{201D}'), ('\u{2018}', '\u{2019}'), ('`', '`')];

/// Normalizes one field and reports each repair on its span. `what` names the field in messages
/// (`account ID`, `email`).
pub(crate) fn clean<'a>(field: RawField<'a>, what: &str, diagnostics: &mut Vec<Diagnostic>) -> Cleaned<'a> {
    let text = &*field.text;
    // Fast path: printable ASCII with no quote at either end is already clean.
    let bytes = text.as_bytes();
    if !bytes.is_empty()
        && bytes.iter().all(|&b| (0x21..=0x7e).contains(&b))
        && !matches!(bytes[0], b'"' | b'\'' | b'`')
        && !matches!(bytes[bytes.len() - 1], b'"' | b'\'' | b'`')
    {
        return Cleaned { span: field.span, text: field.text };
    }
    let mut cleaner = Cleaner { field: &field, what, diagnostics };
    let (start, end) = cleaner.strip();
    let inner = &text[start..end];
    let span = if field.exact { Span::new(field.span.start + start, field.span.start + end) } else { field.span };
    let value = cleaner.remove_zero_width(inner, start);
    let text = match (value, &field.text) {
        (Some(owned), _) => Cow::Owned(owned),
        (None, Cow::Borrowed(whole)) => Cow::Borrowed(&whole[start..end]),
        (None, Cow::Owned(whole)) => Cow::Owned(whole[start..end].to_owned()),
    };
    Cleaned { text, span }
}

struct Cleaner<'f, 'a, 'd> {
    field: &'f RawField<'a>,
    what: &'f str,
    diagnostics: &'d mut Vec<Diagnostic>,
}

impl Cleaner<'_, '_, '_> {
    /// The input span of `text[from..to]`, or the whole field when the text is not exact.
    fn span(&self, from: usize, to: usize) -> Span {
        if self.field.exact {
            Span::new(self.field.span.start + from, self.field.span.start + to)
        } else {
            self.field.span
        }
    }

    /// Strips whitespace, invisible characters and quotes from both ends, in layers, reporting each
    /// layer. Returns the byte range of what is left.
    fn strip(&mut self) -> (usize, usize) {
        let text = &*self.field.text;
        let (mut start, mut end) = (0, text.len());
        // Layout whitespace outside any quotes is silent unless the format quoted the field.
        let mut layout = !self.field.quoted;
        loop {
            let (s, e) = self.trim(start, end, layout);
            (start, end) = (s, e);
            let inner = &text[start..end];
            let Some((open, close)) = QUOTE_PAIRS.iter().copied().find(|&(open, close)| {
                inner.len() >= open.len_utf8() + close.len_utf8() && inner.starts_with(open) && inner.ends_with(close)
            }) else {
                break;
            };
            let value = &inner[open.len_utf8()..inner.len() - close.len_utf8()];
            self.diagnostics.push(Diagnostic::new(
                Code::QuotesRemoved,
                self.span(start, end),
                format!("removed the quotes {open}…{close} around the {} `{}`", self.what, quote(value.trim())),
            ));
            start += open.len_utf8();
            end -= close.len_utf8();
            layout = false;
        }
        (start, end)
    }

    fn trim(&mut self, start: usize, end: usize, layout: bool) -> (usize, usize) {
        let text = &self.field.text[start..end];
        let head = text.len() - text.trim_start_matches(is_trimmable).len();
        let rest = &text[head..];
        let tail = rest.len() - rest.trim_end_matches(is_trimmable).len();
        let value = &rest[..rest.len() - tail];
        for (from, removed) in [(start, &text[..head]), (start + head + value.len(), &rest[rest.len() - tail..])] {
            if removed.is_empty() {
                continue;
            }
            let notable = removed.chars().find(|&c| !matches!(c, ' ' | '\t'));
            let Some(c) = notable.or(if layout { None } else { removed.chars().next() }) else {
                continue;
            };
            let side = if from == start { "before" } else { "after" };
            let (code, kind) = if is_zero_width(c) {
                (Code::InvisibleCharacters, "invisible character")
            } else {
                (Code::Whitespace, "whitespace")
            };
            self.diagnostics.push(Diagnostic::new(
                code,
                self.span(from, from + removed.len()),
                format!("removed {kind} {} {side} the {} `{}`", char_name(c), self.what, quote(value)),
            ));
        }
        (start + head, start + head + value.len())
    }

    /// Removes zero-width characters inside the value; `None` when there are none.
    fn remove_zero_width(&mut self, inner: &str, offset: usize) -> Option<String> {
        let first = inner.char_indices().find(|&(_, c)| is_zero_width(c))?;
        let kept: String = inner.chars().filter(|&c| !is_zero_width(c)).collect();
        let count = inner.chars().count() - kept.chars().count();
        let at = offset + first.0;
        let removed = if count == 1 {
            format!("an invisible {}", char_name(first.1))
        } else {
            format!("{count} invisible characters, the first {}", char_name(first.1))
        };
        self.diagnostics.push(Diagnostic::new(
            Code::InvisibleCharacters,
            self.span(at, at + first.1.len_utf8()),
            format!("removed {removed} inside the {} `{}`", self.what, quote(&kept)),
        ));
        Some(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, quoted: bool) -> (String, Span, Vec<(Code, Span)>) {
        let mut diagnostics = Vec::new();
        let mut field = RawField::exact(text, 10);
        field.quoted = quoted;
        let cleaned = clean(field, "email", &mut diagnostics);
        (cleaned.text.into_owned(), cleaned.span, diagnostics.iter().map(|d| (d.code, d.span)).collect())
    }

    #[test]
    fn clean_values_pass_through() {
        assert_eq!(run("111122223333", false), ("111122223333".into(), Span::new(10, 22), vec![]));
    }

    #[test]
    fn layout_spaces_are_silent_but_quoted_ones_are_reported() {
        assert_eq!(run("  a@b.co ", false), ("a@b.co".into(), Span::new(12, 18), vec![]));
        let (text, _, diags) = run(" a@b.co", true);
        assert_eq!(text, "a@b.co");
        assert_eq!(diags, vec![(Code::Whitespace, Span::new(10, 11))]);
    }

    #[test]
    fn reports_each_repair_on_its_bytes() {
        let input = "\u{00A0}'a@b.co\u{200B}' ";
        let (text, span, diags) = run(input, false);
        assert_eq!(text, "a@b.co");
        assert_eq!(span, Span::new(13, 19));
        assert_eq!(
            diags,
            vec![
                (Code::Whitespace, Span::new(10, 12)),
                (Code::QuotesRemoved, Span::new(12, 23)),
                (Code::InvisibleCharacters, Span::new(19, 22)),
            ]
        );
    }

    #[test]
    fn removes_zero_width_characters_inside() {
        let (text, _, diags) = run("1111\u{200B}22223333", false);
        assert_eq!(text, "111122223333");
        assert_eq!(diags, vec![(Code::InvisibleCharacters, Span::new(14, 17))]);
    }
}
