//! Physical lines of the input, with their byte offsets, and which of them hold content.

use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;

/// One line without its terminator, and where it starts in the input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Line<'a> {
    pub(crate) text: &'a str,
    pub(crate) start: usize,
}

impl Line<'_> {
    pub(crate) fn span(&self) -> Span {
        Span::new(self.start, self.start + self.text.len())
    }

    /// Where the next line starts: after this line's `\n`, `\r\n` or `\r` (the end of `input`
    /// for the last line). Only for a line as [`lines`] gives it, before [`content`] cuts it.
    pub(crate) fn next(&self, input: &str) -> usize {
        let end = self.start + self.text.len();
        match input.as_bytes().get(end..end + 2) {
            Some(b"\r\n") => end + 2,
            _ if end < input.len() => end + 1,
            _ => end,
        }
    }
}

/// Lines of `input` from byte `from`, ending at `\n`, `\r\n` or a lone `\r`.
pub(crate) fn lines(input: &str, from: usize) -> impl Iterator<Item = Line<'_>> {
    let bytes = input.as_bytes();
    let mut pos = from.min(bytes.len());
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let rest = &bytes[pos..];
        let start = pos;
        match memchr::memchr2(b'\n', b'\r', rest) {
            Some(i) => {
                let end = start + i;
                pos = end + 1;
                if bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n') {
                    pos += 1;
                }
                if pos == bytes.len() {
                    done = true;
                }
                Some(Line { text: &input[start..end], start })
            }
            None => {
                done = true;
                (start < bytes.len()).then(|| Line { text: &input[start..], start })
            }
        }
    })
}

/// The part of a line that holds content: without a `#` comment, and `None` when nothing is left
/// but whitespace and invisible characters.
pub(crate) fn content(line: Line<'_>) -> Option<Line<'_>> {
    let text = strip_comment(line.text);
    if text.chars().all(|c| c.is_whitespace() || super::clean::is_zero_width(c)) {
        return None;
    }
    Some(Line { text, start: line.start })
}

/// Cuts a `#` comment: a whole line whose first visible character is `#`, or a `#` that follows
/// whitespace (so `a#b@example.com` keeps its `#`).
fn strip_comment(text: &str) -> &str {
    let bytes = text.as_bytes();
    let first = text.trim_start_matches(|c: char| c.is_whitespace() || super::clean::is_zero_width(c));
    if first.starts_with('#') {
        return "";
    }
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'#', &bytes[from..]) {
        let at = from + i;
        if at > 0 && matches!(bytes[at - 1], b' ' | b'\t') {
            return &text[..at];
        }
        from = at + 1;
    }
    text
}

/// One diagnostic for the whole input when its lines end in `\r\n` or `\r`: spreadsheets on
/// Windows write them, and a `\r` left on an email makes email verification fail.
pub(crate) fn report_carriage_returns(input: &str, diagnostics: &mut Vec<Diagnostic>) {
    let bytes = input.as_bytes();
    let Some(first) = memchr::memchr(b'\r', bytes) else {
        return;
    };
    let count = memchr::memchr_iter(b'\r', bytes).count();
    let plural = if count == 1 { "" } else { "s" };
    diagnostics.push(Diagnostic::new(
        Code::CarriageReturns,
        Span::new(first, first + 1),
        format!("read {count} carriage return{plural} (\\r, from Windows line endings) as line breaks; none is kept in a value"),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<&str> {
        lines(input, 0).map(|l| l.text).collect()
    }

    #[test]
    fn splits_on_every_kind_of_line_break() {
        assert_eq!(texts("a\nb\r\nc\rd"), ["a", "b", "c", "d"]);
        assert_eq!(texts("a\n"), ["a"]);
        assert_eq!(texts("a\n\n"), ["a", ""]);
        assert_eq!(texts(""), Vec::<&str>::new());
        let starts: Vec<usize> = lines("ab\r\ncd\ne", 0).map(|l| l.start).collect();
        assert_eq!(starts, [0, 4, 7]);
    }

    #[test]
    fn comments_and_blank_lines_have_no_content() {
        let line = |text| content(Line { text, start: 0 }).map(|l| l.text);
        assert_eq!(line("  # a comment"), None);
        assert_eq!(line(" \u{200B} \u{00A0}"), None);
        assert_eq!(line("111122223333 # prod"), Some("111122223333 "));
        assert_eq!(line("a#b@example.com"), Some("a#b@example.com"));
    }
}
