//! JSON input: `aws organizations list-accounts`, GuardDuty and Detective request bodies, arrays
//! of accounts or of IDs, and JSON Lines.
//!
//! A small JSON reader that keeps the span of every value, so diagnostics point at the exact
//! bytes. It is lenient where pastes are: several top-level values (JSON Lines, or objects
//! separated by commas), trailing commas, and numbers with leading zeros (`012345678901`, which
//! is what people write when they mean an ID).

use std::borrow::Cow;

use rustc_hash::FxHashSet;

use super::clean::RawField;
use super::delimited::{HeaderName, header_name};
use super::record::Collector;
use crate::diagnostic::{Code, Diagnostic, quote};
use crate::span::Span;

/// How deep arrays and objects may nest; account lists need three levels.
const MAX_DEPTH: usize = 64;

/// A value of the tree both readers build (YAML's scalars map onto JSON's values).
#[derive(Debug)]
pub(crate) enum Value<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    /// The decoded text, and whether it is byte for byte the input between its quotes (no escapes).
    String(Cow<'a, str>, bool),
    /// A YAML plain scalar: its text, and whether it is byte for byte the input at the node's span.
    Plain(Cow<'a, str>, bool),
    Array(Vec<Node<'a>>),
    Object(Vec<Member<'a>>),
}

#[derive(Debug)]
pub(crate) struct Node<'a> {
    pub(crate) value: Value<'a>,
    pub(crate) span: Span,
}

#[derive(Debug)]
pub(crate) struct Member<'a> {
    pub(crate) key: Cow<'a, str>,
    pub(crate) key_span: Span,
    pub(crate) value: Node<'a>,
}

#[derive(Debug)]
struct SyntaxError {
    at: usize,
    message: String,
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// `found …` for the next character, for messages.
    fn found(&self) -> String {
        match self.text.get(self.pos..).and_then(|rest| rest.chars().next()) {
            None => "the end of the input".to_owned(),
            Some(c) => format!("`{}`", quote(&c.to_string())),
        }
    }

    fn error<T>(&self, expected: &str) -> Result<T, SyntaxError> {
        Err(SyntaxError { at: self.pos, message: format!("expected {expected}, found {}", self.found()) })
    }

    fn value(&mut self) -> Result<Node<'a>, SyntaxError> {
        self.skip_whitespace();
        let start = self.pos;
        let value = match self.peek() {
            Some(b'{') => self.nested(Parser::object)?,
            Some(b'[') => self.nested(Parser::array)?,
            Some(b'"') => {
                let (text, exact) = self.string()?;
                Value::String(text, exact)
            }
            Some(b'-' | b'0'..=b'9') => Value::Number(self.number()),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            _ => return self.error("a JSON value"),
        };
        Ok(Node { value, span: Span::new(start, self.pos) })
    }

    fn nested(
        &mut self,
        read: fn(&mut Parser<'a>) -> Result<Value<'a>, SyntaxError>,
    ) -> Result<Value<'a>, SyntaxError> {
        if self.depth >= MAX_DEPTH {
            return self.error(&format!("at most {MAX_DEPTH} levels of nesting"));
        }
        self.depth += 1;
        let value = read(self);
        self.depth -= 1;
        value
    }

    fn literal(&mut self, word: &str, value: Value<'a>) -> Result<Value<'a>, SyntaxError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            self.error("a JSON value")
        }
    }

    fn number(&mut self) -> &'a str {
        let start = self.pos;
        let bytes = self.bytes();
        let digits = |pos: &mut usize| {
            while bytes.get(*pos).is_some_and(u8::is_ascii_digit) {
                *pos += 1;
            }
        };
        let mut pos = start;
        if bytes.get(pos) == Some(&b'-') {
            pos += 1;
        }
        digits(&mut pos);
        if bytes.get(pos) == Some(&b'.') && bytes.get(pos + 1).is_some_and(u8::is_ascii_digit) {
            pos += 1;
            digits(&mut pos);
        }
        if matches!(bytes.get(pos), Some(b'e' | b'E')) {
            let mut exp = pos + 1;
            if matches!(bytes.get(exp), Some(b'+' | b'-')) {
                exp += 1;
            }
            if bytes.get(exp).is_some_and(u8::is_ascii_digit) {
                pos = exp;
                digits(&mut pos);
            }
        }
        self.pos = pos;
        &self.text[start..pos]
    }

    fn string(&mut self) -> Result<(Cow<'a, str>, bool), SyntaxError> {
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        let bytes = self.bytes();
        // The common case has no escape: borrow the input.
        let Some(end) = memchr::memchr3(b'"', b'\\', b'\n', &bytes[start..]).map(|i| start + i) else {
            self.pos = open;
            return self.error("a closing `\"` for this string");
        };
        if bytes[end] == b'"' {
            self.pos = end + 1;
            return Ok((Cow::Borrowed(&self.text[start..end]), true));
        }
        let mut out = String::from(&self.text[start..end]);
        self.pos = end;
        loop {
            let Some(c) = self.text[self.pos..].chars().next() else {
                self.pos = open;
                return self.error("a closing `\"` for this string");
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok((Cow::Owned(out), false));
                }
                '\n' | '\r' => {
                    let at = self.pos;
                    self.pos = open;
                    let mut err =
                        self.error::<()>("a closing `\"` for this string before the end of the line").unwrap_err();
                    err.at = at;
                    return Err(err);
                }
                '\\' => {
                    self.pos += 1;
                    let escape = self.peek();
                    self.pos += 1;
                    match escape {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => out.push(self.unicode_escape()?),
                        _ => {
                            self.pos -= 1;
                            return self.error("an escape such as `\\n` or `\\u00e9` after `\\`");
                        }
                    }
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self.text.get(self.pos..self.pos + 4).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        match digits.and_then(|h| u32::from_str_radix(h, 16).ok()) {
            Some(value) => {
                self.pos += 4;
                Ok(value)
            }
            None => self.error("four hexadecimal digits after `\\u`"),
        }
    }

    /// The character of a `\\u` escape (a surrogate pair's two escapes together); a surrogate
    /// without its other half is U+FFFD, and whatever follows it is read on its own.
    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let high = self.hex4()?;
        if (0xD800..0xDC00).contains(&high) && self.text[self.pos..].starts_with("\\u") {
            let after_high = self.pos;
            self.pos += 2;
            let low = self.hex4()?;
            if (0xDC00..0xE000).contains(&low) {
                let combined = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                return Ok(char::from_u32(combined).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            self.pos = after_high;
        }
        Ok(char::from_u32(high).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    /// Checks one value and builds nothing ([`Parser::value`] for values whose syntax is all that
    /// matters). In an object, the string at its member `name` is kept in `found` (the first such
    /// member; [`Found::NotText`] if its value is not a string).
    fn skip(&mut self, name: Option<&str>, found: &mut Found<'a>) -> Result<(), SyntaxError> {
        self.skip_whitespace();
        let close = match self.peek() {
            Some(b'{') => b'}',
            Some(b'[') => b']',
            _ => return self.value().map(drop),
        };
        if self.depth >= MAX_DEPTH {
            return self.error(&format!("at most {MAX_DEPTH} levels of nesting"));
        }
        self.depth += 1;
        self.pos += 1;
        loop {
            self.skip_whitespace();
            if self.peek() == Some(close) {
                self.pos += 1;
                self.depth -= 1;
                return Ok(());
            }
            let mut wanted = false;
            if close == b'}' {
                if self.peek() != Some(b'"') {
                    return self.error("a key in double quotes or `}`");
                }
                let key = self.string()?.0;
                wanted = name.is_some_and(|name| key == name) && matches!(found, Found::Missing);
                self.skip_whitespace();
                if self.peek() != Some(b':') {
                    return self.error("`:` after the key");
                }
                self.pos += 1;
                self.skip_whitespace();
            }
            if wanted && self.peek() == Some(b'"') {
                *found = Found::Text(self.string()?.0);
            } else {
                if wanted {
                    *found = Found::NotText;
                }
                self.skip(None, &mut Found::Missing)?;
            }
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {}
                _ if close == b'}' => return self.error("`,` or `}` after a value"),
                _ => return self.error("`,` or `]` after an array item"),
            }
        }
    }

    fn array(&mut self) -> Result<Value<'a>, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_whitespace();
            if self.peek() == Some(b']') {
                self.pos += 1;
                return Ok(Value::Array(items));
            }
            items.push(self.value()?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {}
                _ => return self.error("`,` or `]` after an array item"),
            }
        }
    }

    fn object(&mut self) -> Result<Value<'a>, SyntaxError> {
        self.pos += 1;
        let mut members = Vec::new();
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(members));
                }
                Some(b'"') => {}
                _ => return self.error("a key in double quotes or `}`"),
            }
            let key_start = self.pos;
            let (key, _) = self.string()?;
            let key_span = Span::new(key_start, self.pos);
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return self.error("`:` after the key");
            }
            self.pos += 1;
            let value = self.value()?;
            members.push(Member { key, key_span, value });
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return self.error("`,` or `}` after a value"),
            }
        }
    }
}

/// A small JSON document, such as the settings a host gives the browser app (`config.json`), read
/// by the same reader as pasted lists: so the page needs no second JSON reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object's members in the order written.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Reads one JSON value with nothing but whitespace around it. The error says what was
    /// expected and what was found, and where (line and column, 1-based).
    ///
    /// ```
    /// use enlist_core::Json;
    /// let json = Json::read(r#"{"regions": ["us-east-1"], "on": true}"#).unwrap();
    /// let Json::Object(members) = json else { panic!() };
    /// assert_eq!(members[1], ("on".to_owned(), Json::Bool(true)));
    /// assert_eq!(Json::read("<html>").unwrap_err(), "expected a JSON value, found `<` at line 1, column 1");
    /// ```
    pub fn read(text: &str) -> Result<Json, String> {
        read_value(text).map(Json::from)
    }

    /// What the value is, for a message: `the string "x"`, `the number 1`, `true`, `an array`.
    pub fn describe(&self) -> String {
        match self {
            Json::Null => "null".to_owned(),
            Json::Bool(b) => b.to_string(),
            Json::Number(n) => format!("the number {n}"),
            Json::String(s) => format!("the string \"{}\"", quote(s)),
            Json::Array(_) => "an array".to_owned(),
            Json::Object(_) => "an object".to_owned(),
        }
    }
}

/// Reads one JSON value with nothing but whitespace around it, borrowing its strings from `text`
/// where they have no escapes: [`Json::read`] without the copy, for the crate's own records (the
/// run journal).
pub(crate) fn read_value(text: &str) -> Result<Value<'_>, String> {
    let mut parser = Parser { text, pos: 0, depth: 0 };
    let node = parser.value().map_err(|e| located(text, e))?;
    parser.skip_whitespace();
    if parser.pos < text.len() {
        let message = format!("expected the end of the JSON, found {}", parser.found());
        return Err(located(text, SyntaxError { at: parser.pos, message }));
    }
    Ok(node.value)
}

/// What [`member_of`] found.
pub(crate) enum Found<'a> {
    /// The value is not an object.
    NotAnObject,
    /// An object without the member.
    Missing,
    /// The member's value when it is a string.
    Text(Cow<'a, str>),
    /// The member's value is not a string.
    NotText,
}

/// Checks that `text` is one JSON value, as [`read_value`] does, and finds the string at its member
/// `name` when it is an object — building no tree, which costs a fraction of reading it.
pub(crate) fn member_of<'a>(text: &'a str, name: &str) -> Result<Found<'a>, String> {
    let mut parser = Parser { text, pos: 0, depth: 0 };
    parser.skip_whitespace();
    let mut found = match parser.peek() {
        Some(b'{') => Found::Missing,
        _ => Found::NotAnObject,
    };
    let mut checked = parser.skip(Some(name), &mut found);
    parser.skip_whitespace();
    if checked.is_ok() && parser.pos < text.len() {
        let message = format!("expected the end of the JSON, found {}", parser.found());
        checked = Err(SyntaxError { at: parser.pos, message });
    }
    checked.map(|()| found).map_err(|error| located(text, error))
}

/// The error's message with its line and column (1-based) in `text`.
fn located(text: &str, error: SyntaxError) -> String {
    let place = crate::span::LineIndex::new(text).line_col(text, error.at, crate::span::ColumnEncoding::Chars);
    let SyntaxError { message, .. } = error;
    format!("{message} at line {}, column {}", place.line, place.column)
}

impl Value<'_> {
    /// What the value is, for a message (as [`Json::describe`]).
    pub(crate) fn describe(&self) -> String {
        match self {
            Value::Null => "null".to_owned(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => format!("the number {n}"),
            Value::String(s, _) | Value::Plain(s, _) => format!("the string \"{}\"", quote(s)),
            Value::Array(_) => "an array".to_owned(),
            Value::Object(_) => "an object".to_owned(),
        }
    }
}

impl From<Value<'_>> for Json {
    fn from(value: Value<'_>) -> Json {
        match value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(b),
            Value::Number(n) => Json::Number(n.to_owned()),
            Value::String(s, _) | Value::Plain(s, _) => Json::String(s.into_owned()),
            Value::Array(items) => Json::Array(items.into_iter().map(|n| Json::from(n.value)).collect()),
            Value::Object(members) => {
                Json::Object(members.into_iter().map(|m| (m.key.into_owned(), Json::from(m.value.value))).collect())
            }
        }
    }
}

/// Reads every top-level value of `input` from byte `from`.
pub(super) fn read(input: &str, from: usize, out: &mut Collector<'_>) {
    let mut parser = Parser { text: input, pos: from, depth: 0 };
    let mut reader = Reader::new(out, Syntax::Json);
    loop {
        parser.skip_whitespace();
        while parser.peek() == Some(b',') {
            parser.pos += 1;
            parser.skip_whitespace();
        }
        if parser.pos >= input.len() {
            return;
        }
        let start = parser.pos;
        match parser.value() {
            Ok(node) => reader.top_level(node),
            Err(error) => {
                let width = input.get(error.at..).and_then(|rest| rest.chars().next()).map_or(0, char::len_utf8);
                reader.out.push(Diagnostic::new(
                    Code::InvalidJson,
                    Span::new(error.at, error.at + width),
                    error.message,
                ));
                match resume_at(input, start, error.at) {
                    Some(next) => parser.pos = next,
                    None => return,
                }
            }
        }
    }
}

/// Where to go on after a syntax error in the top-level value that started at `start`, or `None`
/// to stop. JSON Lines recover line by line: a value that broke on its own line resumes at the
/// next line, and one that broke where the next line starts a new value (a missing `}`) resumes
/// there. A broken multi-line document stops: going on would only cascade errors.
fn resume_at(input: &str, start: usize, at: usize) -> Option<usize> {
    let bytes = input.as_bytes();
    let at = at.min(bytes.len());
    let between = bytes.get(start..at)?;
    let breaks = memchr::memchr2_iter(b'\n', b'\r', between)
        .filter(|&i| !(between[i] == b'\r' && between.get(i + 1) == Some(&b'\n')))
        .count();
    let line_start = memchr::memrchr2(b'\n', b'\r', &bytes[..at]).map_or(0, |i| i + 1);
    match breaks {
        0 => memchr::memchr2(b'\n', b'\r', &bytes[at..]).map(|i| at + i + 1),
        1 if bytes[line_start..at].iter().all(u8::is_ascii_whitespace)
            && matches!(bytes.get(at), Some(b'{' | b'[')) =>
        {
            Some(line_start)
        }
        _ => None,
    }
}

/// Which reader built the tree, for the words and codes of messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Syntax {
    Json,
    Yaml,
}

/// Turns a tree of values into accounts: the shapes Enlist understands, the same for JSON and YAML.
pub(super) struct Reader<'c, 'i> {
    pub(super) out: &'c mut Collector<'i>,
    /// Keys already reported as not used, so each is reported once.
    unused: FxHashSet<String>,
    /// While reading a member list: the service its members looked like so far.
    members: Option<MemberList>,
    syntax: Syntax,
}

/// Whose member export a list is, judged by its keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum MemberList {
    /// `Members` without a key that tells the service.
    Unknown,
    /// `aws guardduty list-members` / `get-members`: `DetectorId`, `RelationshipStatus`.
    GuardDuty,
    /// `aws detective list-members` / `get-members`: `MemberDetails`, `GraphArn`, `Status`.
    Detective,
    /// `aws securityhub list-members`: `MemberStatus`.
    SecurityHub,
}

impl MemberList {
    /// The service a member object's key belongs to, for keys only member exports have.
    pub(super) fn from_key(key: &str) -> Option<MemberList> {
        const GUARDDUTY: &[&str] = &["relationshipstatus", "detectorid"];
        const DETECTIVE: &[&str] =
            &["grapharn", "invitationtype", "volumeusageinbytes", "datasourcepackageingeststates"];
        const ANY: &[&str] = &["masterid", "administratorid", "invitedat", "invitedtime", "updatedat", "updatedtime"];
        let is = |keys: &[&str]| keys.iter().any(|k| k.eq_ignore_ascii_case(key));
        if is(GUARDDUTY) {
            Some(MemberList::GuardDuty)
        } else if is(DETECTIVE) {
            Some(MemberList::Detective)
        } else if key.eq_ignore_ascii_case("memberstatus") {
            Some(MemberList::SecurityHub)
        } else if is(ANY) {
            Some(MemberList::Unknown)
        } else {
            None
        }
    }

    /// The more specific of two guesses.
    pub(super) fn merge(self, other: MemberList) -> MemberList {
        if self == MemberList::Unknown { other } else { self }
    }

    /// Whether `key` holds a member status of this kind of list.
    pub(super) fn is_status_key(key: &str) -> bool {
        ["status", "relationshipstatus", "memberstatus"].iter().any(|k| k.eq_ignore_ascii_case(key))
    }

    /// The info message for a member list that was read.
    pub(super) fn message(self) -> String {
        let (what, status) = match self {
            MemberList::GuardDuty => {
                ("GuardDuty members (`aws guardduty list-members` or `get-members`)", "relationship status")
            }
            MemberList::Detective => {
                ("Detective members (`aws detective list-members` or `get-members`)", "member status")
            }
            MemberList::SecurityHub => ("Security Hub members (`aws securityhub list-members`)", "member status"),
            MemberList::Unknown => ("members of GuardDuty, Detective or Security Hub", "member status"),
        };
        format!(
            "read as {what}: accounts and emails are used, the {status} is ignored (it is the service's, not AWS Organizations')"
        )
    }
}

/// Keys whose value is the list of accounts: list-accounts, request bodies, member listings.
pub(super) fn is_list_key(key: &str) -> bool {
    ["accounts", "accountdetails", "members", "memberdetails", "accountids"].iter().any(|k| k.eq_ignore_ascii_case(key))
}

impl<'c, 'i> Reader<'c, 'i> {
    pub(super) fn new(out: &'c mut Collector<'i>, syntax: Syntax) -> Reader<'c, 'i> {
        Reader { out, unused: FxHashSet::default(), members: None, syntax }
    }

    /// The code for a document of a shape Enlist does not read.
    fn invalid(&self) -> Code {
        match self.syntax {
            Syntax::Json => Code::InvalidJson,
            Syntax::Yaml => Code::InvalidYaml,
        }
    }

    pub(super) fn top_level(&mut self, node: Node<'_>) {
        match node.value {
            // `--output yaml-stream` and JSON pages: a list whose items are whole answers.
            Value::Array(items) => items.into_iter().for_each(|item| {
                let is_page =
                    matches!(&item.value, Value::Object(members) if members.iter().any(|m| is_list_key(&m.key)));
                if is_page { self.top_level(item) } else { self.element(item) }
            }),
            Value::Object(members) => {
                if let Some(index) = members.iter().position(|m| is_list_key(&m.key)) {
                    let mut list = None;
                    for (i, member) in members.into_iter().enumerate() {
                        if i == index {
                            list = Some(member);
                        } else {
                            self.unused(&member);
                        }
                    }
                    let Some(list) = list else { return };
                    let is_members = ["members", "memberdetails"].iter().any(|k| k.eq_ignore_ascii_case(&list.key));
                    let detective = list.key.eq_ignore_ascii_case("memberdetails");
                    match list.value.value {
                        Value::Array(items) if is_members => {
                            self.members = Some(if detective { MemberList::Detective } else { MemberList::Unknown });
                            items.into_iter().for_each(|item| self.element(item));
                            if let Some(kind) = self.members.take() {
                                self.out.note_member_list(list.key_span, kind.message());
                            }
                        }
                        Value::Array(items) => items.into_iter().for_each(|item| self.element(item)),
                        _ => self.out.push(Diagnostic::new(
                            self.invalid(),
                            list.value.span,
                            format!(
                                "expected `{}` to be a list of accounts, found `{}`",
                                quote(&list.key),
                                quote(list.value.span.slice(self.out.input()))
                            ),
                        )),
                    }
                } else if let Some(index) = members
                    .iter()
                    .position(|m| m.key.eq_ignore_ascii_case("account") && matches!(m.value.value, Value::Object(_)))
                {
                    // `aws organizations describe-account`: `{"Account": {"Id", "Email", "Status", …}}`.
                    for (i, member) in members.into_iter().enumerate() {
                        if i == index {
                            self.element(member.value);
                        } else {
                            self.unused(&member);
                        }
                    }
                } else if members.iter().any(|m| {
                    header_name(&m.key) == Some(HeaderName::Id) || header_name(&m.key) == Some(HeaderName::Email)
                }) {
                    self.element(Node { value: Value::Object(members), span: node.span });
                } else {
                    let keys: Vec<String> = members.iter().take(5).map(|m| format!("`{}`", quote(&m.key))).collect();
                    let found = if keys.is_empty() {
                        "an empty object".to_owned()
                    } else {
                        format!("an object with {}", keys.join(", "))
                    };
                    self.out.push(Diagnostic::new(
                        self.invalid(),
                        node.span,
                        format!("expected a list of accounts (an array, or an object with `Accounts` or `accountDetails`), found {found}"),
                    ));
                }
            }
            _ => self.element(node),
        }
    }

    fn unused(&mut self, member: &Member<'_>) {
        // Keys are kept as written and lowercased: repeats of `Arn` hit the first check, and
        // `ARN` after `Arn` is still the same key.
        if self.unused.contains(&*member.key) {
            return;
        }
        let first_time = self.unused.insert(member.key.to_ascii_lowercase());
        self.unused.insert(member.key.to_string());
        if !first_time {
            return;
        }
        self.out.push(Diagnostic::new(
            Code::UnusedColumn,
            member.key_span,
            format!("the field `{}` is not used", quote(&member.key)),
        ));
    }

    fn element(&mut self, node: Node<'_>) {
        let span = node.span;
        match node.value {
            Value::Object(members) => {
                // A member export's object, in a member list or on its own (JSON Lines).
                let kind = members.iter().filter_map(|m| MemberList::from_key(&m.key)).reduce(MemberList::merge);
                let in_list = self.members.is_some();
                if let Some(kind) = kind.filter(|_| in_list) {
                    self.members = self.members.map(|k| k.merge(kind));
                }
                let member_shape = in_list || kind.is_some();
                let (mut id, mut email, mut statuses) = (None, None, Vec::new());
                for member in members {
                    if member_shape && MemberList::is_status_key(&member.key) {
                        if !in_list {
                            let kind = kind.unwrap_or(MemberList::Unknown);
                            self.out.note_member_list(member.key_span, kind.message());
                        }
                        continue;
                    }
                    match header_name(&member.key) {
                        Some(HeaderName::Id) if id.is_none() => id = self.field(member.value, "account ID"),
                        Some(HeaderName::Email) if email.is_none() => email = self.field(member.value, "email"),
                        Some(HeaderName::Status) => statuses.extend(self.field(member.value, "status")),
                        _ => self.unused(&member),
                    }
                }
                let status = statuses
                    .iter()
                    .position(|s| !s.text.trim().eq_ignore_ascii_case("ACTIVE"))
                    .or((!statuses.is_empty()).then_some(0));
                let status = status.map(|i| statuses.swap_remove(i));
                self.out.account(span, id, email, status);
            }
            Value::Array(items) => {
                // `["111122223333", "ops@example.com"]`: a pair in either order.
                let mut fields: Vec<RawField<'_>> =
                    items.into_iter().filter_map(|item| self.field(item, "account ID")).collect();
                if fields.len() > 2 {
                    for extra in fields.drain(2..) {
                        self.out.push(Diagnostic::new(
                            Code::IgnoredField,
                            extra.span,
                            format!("ignored `{}`: expected an account ID and an email", quote(&extra.text)),
                        ));
                    }
                }
                let email = fields.iter().position(|f| f.text.contains('@')).map(|i| fields.remove(i));
                self.out.account(span, fields.pop(), email, None);
            }
            Value::String(..) | Value::Plain(..) | Value::Number(_) => {
                let Some(field) = self.field(node, "account ID") else {
                    return;
                };
                if field.text.contains('@') {
                    self.out.account(span, None, Some(field), None);
                } else {
                    self.out.account(span, Some(field), None, None);
                }
            }
            Value::Null | Value::Bool(_) => self.out.push(Diagnostic::new(
                self.invalid(),
                span,
                format!(
                    "expected an account (an object with `AccountId` and `Email`), found `{}`",
                    span.slice(self.out.input())
                ),
            )),
        }
    }

    /// A JSON value as a field. `null` is no field; numbers and other values are read from their
    /// text, so a wrong type gets the same message as a wrong value.
    fn field<'a>(&mut self, node: Node<'a>, what: &str) -> Option<RawField<'a>> {
        let input = self.out.input();
        match node.value {
            Value::Null => None,
            Value::String(text, exact) => {
                let inner = Span::new(node.span.start + 1, node.span.end.saturating_sub(1));
                Some(RawField { text, span: if exact { inner } else { node.span }, exact, quoted: true })
            }
            Value::Plain(text, exact) => Some(RawField { text, span: node.span, exact, quoted: false }),
            Value::Number(text) => {
                if what == "account ID" {
                    let message = match self.syntax {
                        Syntax::Json => format!(
                            "expected the account ID as a string (`\"{text}\"`), found a number; numbers lose leading zeros"
                        ),
                        Syntax::Yaml => format!(
                            "expected the account ID in quotes (`'{text}'`), found it unquoted, which YAML reads as a number; numbers lose leading zeros"
                        ),
                    };
                    self.out.push(Diagnostic::new(Code::NumericAccountId, node.span, message));
                }
                Some(RawField::exact(text, node.span.start))
            }
            Value::Bool(_) | Value::Array(_) | Value::Object(_) => Some(RawField {
                text: Cow::Owned(node.span.slice(input).to_owned()),
                span: node.span,
                exact: true,
                quoted: false,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_value(text: &str) -> Result<Node<'_>, SyntaxError> {
        Parser { text, pos: 0, depth: 0 }.value()
    }

    /// What `member_of` says of `text`, as `read_value`'s tree says it.
    fn member_by_tree(text: &str) -> Result<Option<String>, String> {
        let value = read_value(text)?;
        let Value::Object(members) = value else { return Ok(Some("<not an object>".to_owned())) };
        Ok(match members.iter().find(|m| m.key == "k").map(|m| &m.value.value) {
            None => None,
            Some(Value::String(text, _)) => Some(text.to_string()),
            Some(_) => Some("<not text>".to_owned()),
        })
    }

    fn member_by_skipping(text: &str) -> Result<Option<String>, String> {
        Ok(match member_of(text, "k")? {
            Found::NotAnObject => Some("<not an object>".to_owned()),
            Found::Missing => None,
            Found::Text(text) => Some(text.into_owned()),
            Found::NotText => Some("<not text>".to_owned()),
        })
    }

    /// Checking without building a tree accepts and refuses exactly what reading does, with the
    /// same message, and finds the same member.
    #[test]
    fn skipping_checks_as_reading_does() {
        let texts = [
            r#"{"k":"u1","cells":[{"h":"enabled"},{}],"sent":1}"#,
            r#" {"a":{"k":"inner"},"k":"outer","k":"second"} "#,
            r#"{"k":"a\"b\u00e9"}"#,
            r#"{"k":5}"#,
            r#"{"k":{"k":"x"}}"#,
            r#"{"x":[1,[2,[3]],{"y":null}],"z":true}"#,
            r#"[{"k":"x"}]"#,
            r#""k""#,
            "12",
            "null",
            r#"{"k":"u1","cells":[{"h":"enabled"},"#,
            r#"{"k":"u1"} {"k":"u2"}"#,
            r#"{"k" "u1"}"#,
            r#"{"k":"u1",}"#,
            r#"{"k":[1,2,]}"#,
            r#"{"k":[1 2]}"#,
            r#"{k:"u1"}"#,
            r#"{"k":"u1"]"#,
            r#"{"k":"line
break"}"#,
            "",
            &format!("{}{}", "[".repeat(70), "]".repeat(70)),
        ];
        for text in texts {
            assert_eq!(member_by_skipping(text), member_by_tree(text), "{text}");
        }
    }

    proptest::proptest! {
        /// The same over generated text made of JSON's own characters.
        #[test]
        fn skipping_agrees_with_reading(text in r#"[{}\[\]",:k0-9 a\\tnul\n-]{0,40}"#) {
            proptest::prop_assert_eq!(member_by_skipping(&text), member_by_tree(&text));
        }
    }

    /// A surrogate without its other half becomes U+FFFD and drops nothing after it.
    #[test]
    fn lone_surrogates_drop_nothing() {
        let read = |text: &str| match read_value(text).unwrap() {
            Value::String(text, _) => text.into_owned(),
            other => panic!("{other:?}"),
        };
        assert_eq!(read(r#""x\ud800\u0041y""#), "x\u{fffd}Ay");
        assert_eq!(read(r#""\ud800\ud83d\ude00""#), "\u{fffd}\u{1f600}");
        assert_eq!(read(r#""\ude00\ud83d""#), "\u{fffd}\u{fffd}");
        assert_eq!(read(r#""\ud83d\ude00""#), "\u{1f600}");
    }

    #[test]
    fn reads_values_with_spans() {
        let text = r#"{"a": ["x\"y", 012, -1.5e3, true, null]}"#;
        let node = parse_value(text).unwrap();
        let Value::Object(members) = node.value else { panic!("not an object") };
        assert_eq!(members[0].key, "a");
        let Value::Array(items) = &members[0].value.value else { panic!("not an array") };
        assert!(matches!(&items[0].value, Value::String(s, false) if s == "x\"y"));
        assert!(matches!(items[1].value, Value::Number("012")));
        assert_eq!(items[1].span.slice(text), "012");
        assert!(matches!(items[2].value, Value::Number("-1.5e3")));
    }

    #[test]
    fn decodes_escapes() {
        let node = parse_value(r#""\u00e9\ud83d\ude00\n\/""#).unwrap();
        assert!(matches!(node.value, Value::String(s, false) if s == "é😀\n/"));
    }

    #[test]
    fn errors_say_what_was_expected() {
        let cases = [
            ("[1 2]", 3, "expected `,` or `]` after an array item, found `2`"),
            ("{\"a\" 1}", 5, "expected `:` after the key, found `1`"),
            ("{a: 1}", 1, "expected a key in double quotes or `}`, found `a`"),
            ("[", 1, "expected a JSON value, found the end of the input"),
            ("\"abc", 0, "expected a closing `\"` for this string, found `\"`"),
            ("[tru]", 1, "expected a JSON value, found `t`"),
        ];
        for (text, at, message) in cases {
            let error = parse_value(text).unwrap_err();
            assert_eq!((error.at, error.message.as_str()), (at, message), "{text}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(100_000);
        let error = parse_value(&deep).unwrap_err();
        assert_eq!(error.at, MAX_DEPTH);
    }
}
