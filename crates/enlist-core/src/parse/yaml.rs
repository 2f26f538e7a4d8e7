//! YAML input: `--output yaml` and `--output yaml-stream` of the AWS CLI (`list-accounts`, the
//! member lists of GuardDuty, Detective and Security Hub) and hand-written lists in the same shape.
//!
//! A small reader for the block style the AWS CLI writes (ruamel.yaml with flow style off):
//! mappings, sequences (`- ` items, also at their key's indentation), plain, single- and
//! double-quoted scalars, comments, `---` documents, and block scalars. It keeps the span of every
//! value and builds the same tree as the JSON reader, so both share one reading of the shapes.
//! A crate would not keep spans and would grow the WebAssembly module, for a shape this narrow.
//!
//! It never stops at an error: a line it cannot read is reported and skipped, and reading goes
//! on at the next line.

use std::borrow::Cow;

use super::json::{Member, Node, Reader, Syntax, Value};
use super::lines::lines;
use super::record::Collector;
use crate::diagnostic::{Code, Diagnostic, quote};
use crate::span::Span;

/// How deep mappings and sequences may nest; account lists need four levels.
const MAX_DEPTH: usize = 64;

/// Reads every document of `input` from byte `from`.
pub(super) fn read(input: &str, from: usize, out: &mut Collector<'_>) {
    let lines: Vec<YLine<'_>> = lines(input, from).filter_map(|line| content(line.text, line.start)).collect();
    let mut parser = Parser { input, lines, at: 0, depth: 0, errors: Vec::new(), unclosed: [None; 2] };
    let mut documents = Vec::new();
    while parser.at < parser.lines.len() {
        let line = parser.lines[parser.at];
        if matches!(line.text, "---" | "...") || line.text.starts_with("%YAML") || line.text.starts_with("--- ") {
            if let Some(rest) = line.text.strip_prefix("--- ") {
                // `--- value` on the marker line: read what follows the marker.
                let rest = rest.trim_start_matches(' ');
                let offset = line.text.len() - rest.len();
                parser.lines[parser.at] =
                    YLine { indent: line.indent + offset, start: line.start + offset, text: rest };
                if parser.lines[parser.at].text.is_empty() {
                    parser.at += 1;
                }
            } else {
                parser.at += 1;
            }
            continue;
        }
        documents.push(parser.block());
    }
    for error in parser.errors {
        out.push(error);
    }
    let mut reader = Reader::new(out, Syntax::Yaml);
    for document in documents {
        reader.top_level(document);
    }
}

/// Whether the first content line looks like the start of a YAML document: a `---` marker, a key
/// alone on its line (`Accounts:`), a sequence item that is a mapping (`- AccountId: …`,
/// `- Accounts:`), or a key Enlist knows with a value (`AccountId: '111122223333'`).
pub(super) fn looks_like_yaml(first: &str) -> bool {
    if first == "---" || first.starts_with("--- ") || first.starts_with("%YAML") {
        return true;
    }
    let item = first.strip_prefix("- ").map(str::trim_start);
    let line = item.unwrap_or(first);
    let Some((key, rest)) = key_of(line) else {
        return false;
    };
    let key = key.trim_matches(['\'', '"']);
    let is_word = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    is_word
        && (rest.trim().is_empty()
            || item.is_some()
            || super::delimited::header_name(key).is_some()
            || super::json::is_list_key(key))
}

/// One content line: its indentation in spaces, where its content starts, and the content
/// without a comment or trailing whitespace.
#[derive(Clone, Copy, Debug)]
struct YLine<'a> {
    indent: usize,
    start: usize,
    text: &'a str,
}

impl YLine<'_> {
    fn end(&self) -> usize {
        self.start + self.text.len()
    }

    fn is_item(&self) -> bool {
        self.text == "-" || self.text.starts_with("- ")
    }
}

fn content(text: &str, start: usize) -> Option<YLine<'_>> {
    let body = text.trim_start_matches(' ');
    let indent = text.len() - body.len();
    let body = strip_comment(body).trim_end();
    (!body.is_empty()).then_some(YLine { indent, start: start + indent, text: body })
}

/// Cuts a `#` comment: at the start, or after whitespace outside a quoted scalar. A quote opens
/// a scalar only where a value can start (so the `'` of `O'Brien` is text).
fn strip_comment(text: &str) -> &str {
    let bytes = text.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(b'\'') if b == b'\'' => {
                if bytes.get(i + 1) == Some(&b'\'') {
                    i += 1;
                } else {
                    quote = None;
                }
            }
            Some(b'"') if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => {
                let value_start = i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'[' | b'{' | b',');
                if b == b'#' && (i == 0 || matches!(bytes[i - 1], b' ' | b'\t')) {
                    return &text[..i];
                }
                if matches!(b, b'\'' | b'"') && value_start {
                    quote = Some(b);
                }
            }
        }
        i += 1;
    }
    text
}

/// `key: value` or `key:` — the key and what follows the colon. A key may be quoted.
fn key_of(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let search_from = match bytes.first() {
        Some(&q @ (b'\'' | b'"')) => 1 + memchr::memchr(q, &bytes[1..])? + 1,
        Some(b'[' | b'{' | b'-' | b'|' | b'>' | b'&' | b'*' | b'!') if bytes.get(1).is_none_or(|b| *b == b' ') => {
            return None;
        }
        _ => 0,
    };
    let mut from = search_from;
    while let Some(i) = memchr::memchr(b':', &bytes[from..]).map(|i| from + i) {
        if matches!(bytes.get(i + 1), None | Some(b' ' | b'\t')) {
            return (i > 0).then(|| (&text[..i], &text[i + 1..]));
        }
        from = i + 1;
    }
    None
}

struct Parser<'a> {
    input: &'a str,
    lines: Vec<YLine<'a>>,
    at: usize,
    depth: usize,
    errors: Vec<Diagnostic>,
    /// Where a search for a closing `'` (0) or `"` (1) last ran to the end of the input without
    /// finding one: a later search would too, so it is not run again (reading stays linear).
    unclosed: [Option<usize>; 2],
}

impl<'a> Parser<'a> {
    fn error(&mut self, span: Span, message: String) {
        self.errors.push(Diagnostic::new(Code::InvalidYaml, span, message));
    }

    /// The node that starts at the current line, which must exist.
    fn block(&mut self) -> Node<'a> {
        let line = self.lines[self.at];
        if self.depth >= MAX_DEPTH {
            self.error(
                Span::new(line.start, line.end()),
                format!("expected at most {MAX_DEPTH} levels of nesting, found more"),
            );
            // Skip everything nested deeper than this line's parent.
            self.at += 1;
            while self.at < self.lines.len() && self.lines[self.at].indent >= line.indent {
                self.at += 1;
            }
            return Node { value: Value::Null, span: Span::new(line.start, line.start) };
        }
        self.depth += 1;
        let node = if line.is_item() {
            self.sequence(line.indent)
        } else if key_of(line.text).is_some() {
            self.mapping(line.indent)
        } else {
            // Lines indented at least as deep as this one continue it.
            self.scalar(line.start, line.indent.saturating_sub(1))
        };
        self.depth -= 1;
        node
    }

    /// Skips lines indented deeper than `indent` that nothing took, each with an error.
    fn unexpected_lines(&mut self, indent: usize, expected: &str) {
        while self.at < self.lines.len() && self.lines[self.at].indent > indent {
            let line = self.lines[self.at];
            self.error(
                Span::new(line.start, line.end()),
                format!("expected {expected} at column {}, found `{}` indented deeper", indent + 1, quote(line.text)),
            );
            self.at += 1;
        }
    }

    fn sequence(&mut self, indent: usize) -> Node<'a> {
        let start = self.lines[self.at].start;
        let mut end = start + 1;
        let mut items = Vec::new();
        while self.at < self.lines.len() && self.lines[self.at].indent == indent && self.lines[self.at].is_item() {
            let line = self.lines[self.at];
            let rest = line.text[1..].trim_start_matches(' ');
            let item = if rest.is_empty() {
                self.at += 1;
                match self.lines.get(self.at) {
                    Some(next) if next.indent > indent => self.block(),
                    _ => Node { value: Value::Null, span: Span::new(line.start + 1, line.start + 1) },
                }
            } else {
                // `- key: value` starts a mapping at the column of `key`.
                let offset = line.text.len() - rest.len();
                self.lines[self.at] = YLine { indent: indent + offset, start: line.start + offset, text: rest };
                self.block()
            };
            end = end.max(item.span.end);
            items.push(item);
            self.unexpected_lines(indent, "`- ` or a key");
        }
        Node { value: Value::Array(items), span: Span::new(start, end) }
    }

    fn mapping(&mut self, indent: usize) -> Node<'a> {
        let start = self.lines[self.at].start;
        let mut end = start;
        let mut members = Vec::new();
        while self.at < self.lines.len() && self.lines[self.at].indent == indent && !self.lines[self.at].is_item() {
            let line = self.lines[self.at];
            let Some((key_text, rest)) = key_of(line.text) else {
                self.error(
                    Span::new(line.start, line.end()),
                    format!("expected `key: value`, found `{}`", quote(line.text)),
                );
                self.at += 1;
                continue;
            };
            let key_span = Span::new(line.start, line.start + key_text.len());
            let key = unquote_key(key_text);
            let value_text = rest.trim_start();
            let value = if value_text.is_empty() {
                self.at += 1;
                match self.lines.get(self.at) {
                    Some(next) if next.indent > indent || (next.indent == indent && next.is_item()) => self.block(),
                    _ => Node { value: Value::Null, span: Span::new(key_span.end + 1, key_span.end + 1) },
                }
            } else {
                let value_start = line.end() - value_text.len();
                self.scalar(value_start, indent)
            };
            end = end.max(value.span.end);
            members.push(Member { key, key_span, value });
            self.unexpected_lines(indent, "a key");
        }
        Node { value: Value::Object(members), span: Span::new(start, end) }
    }

    /// A scalar that starts at byte `start` of the current line; `indent` is its parent's, so
    /// lines indented deeper continue it.
    fn scalar(&mut self, start: usize, indent: usize) -> Node<'a> {
        let line = self.lines[self.at];
        let text = &self.input[start..line.end()];
        let node = match text.as_bytes()[0] {
            b'\'' | b'"' => return self.quoted(start, indent),
            b'|' | b'>' => return self.block_scalar(start, indent),
            b'[' | b'{' if matches!(text, "[]" | "{}") => {
                let value = if text == "[]" { Value::Array(Vec::new()) } else { Value::Object(Vec::new()) };
                Node { value, span: Span::new(start, line.end()) }
            }
            b'[' | b'{' => {
                self.error(
                    Span::new(start, line.end()),
                    format!(
                        "expected block style, as `--output yaml` writes it, found the flow collection `{}`",
                        quote(text)
                    ),
                );
                Node { value: Value::Null, span: Span::new(start, line.end()) }
            }
            _ => {
                // Plain: lines indented deeper than the parent continue it, joined by spaces.
                let mut end = line.end();
                let mut joined: Option<String> = None;
                while let Some(next) =
                    self.lines.get(self.at + 1).filter(|next| next.indent > indent && !next.is_item())
                {
                    joined.get_or_insert_with(|| text.to_owned()).push(' ');
                    if let Some(joined) = joined.as_mut() {
                        joined.push_str(next.text);
                    }
                    end = next.end();
                    self.at += 1;
                }
                let span = Span::new(start, end);
                match joined {
                    Some(joined) => Node { value: Value::Plain(Cow::Owned(joined), false), span },
                    None => Node { value: plain(text), span },
                }
            }
        };
        self.at += 1;
        node
    }

    /// A single- or double-quoted scalar, which may run over several lines, each indented deeper
    /// than `indent` (its parent's): a line that is not ends it unclosed, so a stray quote never
    /// swallows the accounts after it.
    fn quoted(&mut self, start: usize, indent: usize) -> Node<'a> {
        let input = self.input;
        let bytes = input.as_bytes();
        let quote_char = bytes[start];
        let mut out = String::new();
        let mut exact = true;
        let mut i = start + 1;
        let mut closed = None;
        let kind = usize::from(quote_char == b'"');
        if self.unclosed[kind].is_some_and(|from| from <= start) {
            i = bytes.len();
        }
        while i < bytes.len() {
            let b = bytes[i];
            if b == quote_char {
                if quote_char == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    out.push('\'');
                    exact = false;
                    i += 2;
                    continue;
                }
                closed = Some(i + 1);
                break;
            }
            match b {
                b'\\' if quote_char == b'"' => {
                    exact = false;
                    i += 1;
                    let (c, width) = escape(&input[i..]);
                    if let Some(c) = c {
                        out.push(c);
                    }
                    i += width;
                }
                b'\n' | b'\r' => {
                    // Folding: a line break and the indentation after it become one space.
                    exact = false;
                    while out.ends_with([' ', '\t']) {
                        out.pop();
                    }
                    out.push(' ');
                    i += 1;
                    let mut line_indent = 0;
                    while let Some(&b) = bytes.get(i).filter(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
                        line_indent = if matches!(b, b'\n' | b'\r') { 0 } else { line_indent + 1 };
                        i += 1;
                    }
                    if i < bytes.len() && line_indent <= indent {
                        break;
                    }
                }
                _ => {
                    let c = input[i..].chars().next().unwrap_or(' ');
                    out.push(c);
                    i += c.len_utf8();
                }
            }
        }
        let Some(end) = closed else {
            if i >= bytes.len() {
                self.unclosed[kind] = Some(self.unclosed[kind].map_or(start, |from| from.min(start)));
            }
            let line = self.lines[self.at];
            self.error(
                Span::new(start, start + 1),
                format!(
                    "expected a closing `{}` for this value, found the end of {}",
                    char::from(quote_char),
                    if i >= bytes.len() { "the input" } else { "the value's lines" }
                ),
            );
            self.at += 1;
            return Node { value: Value::Null, span: Span::new(start, line.end()) };
        };
        // Go on after the last line the value touched; anything after it on its line is an error.
        while self.at + 1 < self.lines.len() && self.lines[self.at + 1].start < end {
            self.at += 1;
        }
        let line = self.lines[self.at];
        if end < line.end() {
            self.error(
                Span::new(end, line.end()),
                format!(
                    "expected the end of the line after the quoted value, found `{}`",
                    quote(&input[end..line.end()])
                ),
            );
        }
        self.at += 1;
        let value = if exact {
            Value::String(Cow::Borrowed(&input[start + 1..end - 1]), true)
        } else {
            Value::String(Cow::Owned(out), false)
        };
        Node { value, span: Span::new(start, end) }
    }

    /// `|` (lines kept) or `>` (lines folded), with the lines indented deeper than the parent.
    fn block_scalar(&mut self, start: usize, indent: usize) -> Node<'a> {
        let literal = self.input.as_bytes()[start] == b'|';
        let mut end = self.lines[self.at].end();
        let mut parts = Vec::new();
        self.at += 1;
        while let Some(next) = self.lines.get(self.at).filter(|next| next.indent > indent) {
            parts.push(next.text);
            end = next.end();
            self.at += 1;
        }
        let text = parts.join(if literal { "\n" } else { " " });
        Node { value: Value::Plain(Cow::Owned(text), false), span: Span::new(start, end) }
    }
}

/// A key without its quotes.
fn unquote_key(key: &str) -> Cow<'_, str> {
    let trimmed = key.trim_end();
    match trimmed.as_bytes().first() {
        Some(b'\'') => Cow::Owned(trimmed.trim_matches('\'').replace("''", "'")),
        Some(b'"') => Cow::Borrowed(trimmed.trim_matches('"')),
        _ => Cow::Borrowed(trimmed),
    }
}

/// A plain scalar as YAML's core schema reads it: null, a boolean, a number, or text.
fn plain(text: &str) -> Value<'_> {
    match text {
        "null" | "Null" | "NULL" | "~" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if is_number(text) { Value::Number(text) } else { Value::Plain(Cow::Borrowed(text), true) }
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`: what YAML 1.2 reads as a number.
fn is_number(text: &str) -> bool {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let mut rest = text.strip_prefix(['-', '+']).unwrap_or(text);
    let whole = digits(rest);
    rest = &rest[whole..];
    let mut fraction = 0;
    if let Some(after) = rest.strip_prefix('.') {
        fraction = digits(after);
        rest = &after[fraction..];
    }
    if whole == 0 && fraction == 0 {
        return false;
    }
    if let Some(exponent) = rest.strip_prefix(['e', 'E']) {
        let exponent = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
        let n = digits(exponent);
        return n > 0 && n == exponent.len();
    }
    rest.is_empty()
}

/// A double-quoted escape after its `\`: the character (none for an escaped line break) and how
/// many bytes it took.
fn escape(rest: &str) -> (Option<char>, usize) {
    let Some(c) = rest.chars().next() else {
        return (None, 0);
    };
    let simple = match c {
        '0' => Some('\0'),
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        't' | '\t' => Some('\t'),
        'n' => Some('\n'),
        'v' => Some('\u{b}'),
        'f' => Some('\u{c}'),
        'r' => Some('\r'),
        'e' => Some('\u{1b}'),
        ' ' => Some(' '),
        '"' => Some('"'),
        '/' => Some('/'),
        '\\' => Some('\\'),
        'N' => Some('\u{85}'),
        '_' => Some('\u{a0}'),
        'L' => Some('\u{2028}'),
        'P' => Some('\u{2029}'),
        '\n' | '\r' => return (None, 1),
        _ => None,
    };
    if simple.is_some() {
        return (simple, c.len_utf8());
    }
    let width = match c {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        // An unknown escape keeps its character, so nothing is lost.
        _ => return (Some(c), c.len_utf8()),
    };
    let hex = rest.get(1..1 + width).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
    match hex.and_then(|h| u32::from_str_radix(h, 16).ok()) {
        Some(code) => (Some(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)), 1 + width),
        None => (Some(c), c.len_utf8()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<Node<'_>>, Vec<Diagnostic>) {
        let lines = super::lines(text, 0).filter_map(|l| content(l.text, l.start)).collect();
        let mut parser = Parser { input: text, lines, at: 0, depth: 0, errors: Vec::new(), unclosed: [None; 2] };
        let mut nodes = Vec::new();
        while parser.at < parser.lines.len() {
            nodes.push(parser.block());
        }
        (nodes, parser.errors)
    }

    #[test]
    fn reads_the_cli_shape_with_spans() {
        let text = "Accounts:\n- Arn: arn:aws:x\n  Email: a@example.com # root\n  Id: '011122223333'\n  Name: 'O''Brien: #1'\nNextToken: null\n";
        let (nodes, errors) = parse(text);
        assert!(errors.is_empty(), "{errors:?}");
        let Value::Object(top) = &nodes[0].value else { panic!("not a mapping") };
        assert_eq!(top.len(), 2);
        assert_eq!(top[1].key, "NextToken");
        let Value::Array(items) = &top[0].value.value else { panic!("not a sequence") };
        let Value::Object(account) = &items[0].value else { panic!("not a mapping") };
        let keys: Vec<&str> = account.iter().map(|m| &*m.key).collect();
        assert_eq!(keys, ["Arn", "Email", "Id", "Name"]);
        assert!(matches!(&account[1].value.value, Value::Plain(s, true) if s == "a@example.com"));
        assert_eq!(account[2].value.span.slice(text), "'011122223333'");
        assert!(matches!(&account[3].value.value, Value::String(s, false) if s == "O'Brien: #1"));
    }

    #[test]
    fn scalars() {
        assert!(matches!(plain("012345678901"), Value::Number(_)));
        assert!(matches!(plain("4.44456E+11"), Value::Number(_)));
        assert!(matches!(plain("ops@example.com"), Value::Plain(..)));
        assert!(matches!(plain("~"), Value::Null));
        assert!(!is_number("1e") && !is_number(".") && !is_number("-"));
        assert_eq!(escape("u00e9x"), (Some('é'), 5));
        assert_eq!(escape("\u{200B}"), (Some('\u{200B}'), 3));
        assert_eq!(escape(""), (None, 0));
    }

    #[test]
    fn multi_line_values_and_errors() {
        let (nodes, errors) = parse("- Name: a long\n    name\n  Email: \"x\n    y\"\n  Bad line\n- [1, 2]\n- 'open\n");
        let Value::Array(items) = &nodes[0].value else { panic!("not a sequence") };
        let Value::Object(first) = &items[0].value else { panic!("not a mapping") };
        assert!(matches!(&first[0].value.value, Value::Plain(s, false) if s == "a long name"));
        assert!(matches!(&first[1].value.value, Value::String(s, false) if s == "x y"));
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("expected `key: value`, found `Bad line`"));
        assert!(messages[1].starts_with("expected block style"));
        assert!(messages[2].starts_with("expected a closing `'`"));
    }

    #[test]
    fn a_value_after_the_document_marker_keeps_its_span() {
        let text = "---   - AccountId: 11112222333\n        Email: a@example.com\n";
        let parsed = crate::parse(text, &crate::Options::default());
        assert_eq!(parsed.format, crate::Format::Yaml);
        let lost_zero = parsed.diagnostics.iter().find(|d| d.code == Code::LostLeadingZero).expect("an E003");
        assert_eq!(lost_zero.span.slice(text), "11112222333");
    }

    #[test]
    fn detection() {
        for yes in
            ["Accounts:", "- Accounts:", "- AccountId: '111122223333'", "---", "AccountId: '1'", "MemberDetails:"]
        {
            assert!(looks_like_yaml(yes), "{yes}");
        }
        for no in ["Account ID,Email", "111122223333 ops@example.com", "AccountId=1,Email=a", "Name: Alice", "- 1"] {
            assert!(!looks_like_yaml(no), "{no}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep: String = (0..200).map(|i| format!("{}- \n", " ".repeat(i))).collect();
        let _ = parse(&deep);
        let deep: String = (0..200).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        let (_, errors) = parse(&deep);
        assert!(errors.iter().any(|e| e.message.contains("levels of nesting")));
    }
}
