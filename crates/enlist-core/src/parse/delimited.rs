//! Line-based formats: CSV, TSV, semicolons, free text, `--output text`, `--output table` and CLI
//! shorthand. Each content line is one record (or, in free text, several).
//!
//! A record never spans lines: a quote left open at the end of a line is reported on that line
//! instead of swallowing the lines after it, which is what a person pasting a list means.

use std::borrow::Cow;

use csv_core::{ReadFieldResult, Reader, ReaderBuilder};

use super::Format;
use super::clean::{RawField, is_zero_width};
use super::lines::{Line, content, lines};
use super::record::Collector;
use crate::account::id_shape;
use crate::diagnostic::{Code, Diagnostic, quote};
use crate::span::Span;

/// Where a line-based reader stands once its first lines are read (Excel's `sep=` line, the
/// header): from `from` on, every content line is read on its own and in the same way, whatever
/// the lines before it held. [`reparse`](super::reparse) relies on this to read only the lines an
/// edit changed.
#[derive(Clone, Debug)]
pub(super) struct Steady {
    /// Where the first line after the header (or the first record) starts.
    pub(super) from: usize,
    columns: Option<Columns>,
}

impl Steady {
    /// A reader without a header: every line, from `from` on, is read on its own.
    pub(super) fn from(from: usize) -> Steady {
        Steady { from, columns: None }
    }

    /// The same reader, reading on from `from` (a line start after `self.from`).
    pub(super) fn at(&self, from: usize) -> Steady {
        Steady { from, columns: self.columns.clone() }
    }
}

/// Reads the first lines (a `sep=` line, a header) and then every other line.
pub(super) fn read(input: &str, from: usize, format: Format, out: &mut Collector<'_>) -> Steady {
    let mut splitter = Splitter::new(format);
    let mut fields: Vec<RawField<'_>> = Vec::new();
    let mut columns: Option<Columns> = None;
    let mut first_line = true;
    let mut next = from;
    for raw in lines(input, from) {
        next = raw.next(input);
        let Some(line) = content(raw) else { continue };
        fields.clear();
        if std::mem::take(&mut first_line)
            && let Some(delimiter) = super::detect::sep_line(line.text)
        {
            sep_line(line, delimiter, format, out);
            continue;
        }
        if let Err(diagnostic) = splitter.split(line, &mut fields) {
            out.push(diagnostic);
            break;
        }
        if format == Format::Table && is_table_decoration(line, &fields) {
            continue;
        }
        match read_header(format, line, &fields, out) {
            Some(header) => columns = header,
            None => record(format, line, &mut fields, columns.as_ref(), out),
        }
        break;
    }
    let steady = Steady { from: next, columns };
    read_lines(input, &steady, input.len(), format, out);
    steady
}

/// Reads the content lines that start in `steady.from..end` (`end` is a line start), one by one.
pub(super) fn read_lines(input: &str, steady: &Steady, end: usize, format: Format, out: &mut Collector<'_>) {
    let mut splitter = Splitter::new(format);
    let mut fields: Vec<RawField<'_>> = Vec::new();
    let input = input.get(..end).unwrap_or(input);
    for line in lines(input, steady.from).filter_map(content) {
        fields.clear();
        if let Err(diagnostic) = splitter.split(line, &mut fields) {
            out.push(diagnostic);
            continue;
        }
        if format == Format::Table && is_table_decoration(line, &fields) {
            continue;
        }
        record(format, line, &mut fields, steady.columns.as_ref(), out);
    }
}

fn record<'a>(
    format: Format,
    line: Line<'a>,
    fields: &mut Vec<RawField<'a>>,
    columns: Option<&Columns>,
    out: &mut Collector<'_>,
) {
    match (format, columns) {
        (Format::OrganizationsText, _) => organizations_record(line, fields, out),
        (_, Some(columns)) => mapped_record(line, fields, columns, out),
        (_, None) => content_record(line, fields, out),
    }
}

/// Reports Excel's `sep=` line. Detection honours it; a format chosen by the user wins, and the
/// message says so when the two disagree.
fn sep_line(line: Line<'_>, delimiter: char, format: Format, out: &mut Collector<'_>) {
    let named = match delimiter {
        '\t' => "tabs",
        ';' => "semicolons",
        _ => "commas",
    };
    let used = match format {
        Format::Csv => ',',
        Format::Tsv => '\t',
        Format::Semicolon => ';',
        _ => '\0',
    };
    let mut message =
        format!("read `{}` as Excel's delimiter line: fields are separated by {named}", quote(line.text.trim()));
    if used != delimiter {
        message = format!(
            "read `{}` as Excel's delimiter line, which names {named}; the lines are read as {} as chosen",
            quote(line.text.trim()),
            format.description()
        );
    }
    out.push(Diagnostic::new(Code::DelimiterLine, line.span(), message));
}

/// Splits a line into fields, keeping each field's span.
enum Splitter {
    Csv { reader: Box<Reader>, output: Vec<u8>, delimiter: u8 },
    Words,
    Table,
    Organizations,
}

impl Splitter {
    fn new(format: Format) -> Splitter {
        let delimiter = match format {
            Format::Csv => b',',
            Format::Tsv => b'\t',
            Format::Semicolon => b';',
            Format::Table => return Splitter::Table,
            Format::OrganizationsText => return Splitter::Organizations,
            Format::Text | Format::Json | Format::Shorthand | Format::Yaml => return Splitter::Words,
        };
        Splitter::Csv {
            reader: Box::new(ReaderBuilder::new().delimiter(delimiter).build()),
            output: Vec::new(),
            delimiter,
        }
    }

    fn split<'a>(&mut self, line: Line<'a>, fields: &mut Vec<RawField<'a>>) -> Result<(), Diagnostic> {
        match self {
            // Without a quote, CSV fields are exactly the text between delimiters; the CSV
            // reader is only needed for quoting, and skipping it is most of the speed.
            Splitter::Csv { delimiter, .. } if memchr::memchr(b'"', line.text.as_bytes()).is_none() => {
                let mut start = 0;
                for end in memchr::memchr_iter(*delimiter, line.text.as_bytes()) {
                    fields.push(RawField::exact(&line.text[start..end], line.start + start));
                    start = end + 1;
                }
                fields.push(RawField::exact(&line.text[start..], line.start + start));
                Ok(())
            }
            Splitter::Csv { reader, output, .. } => split_csv(reader, output, line, fields),
            Splitter::Words => {
                split_on(line, |c| c.is_whitespace() || c == ',' || c == ';', fields);
                if memchr::memchr(b'<', line.text.as_bytes()).is_some() {
                    join_display_names(line, fields);
                }
                Ok(())
            }
            Splitter::Organizations => {
                if line.text.contains('\t') {
                    split_on(line, |c| c == '\t', fields);
                } else {
                    split_on(line, char::is_whitespace, fields);
                }
                Ok(())
            }
            Splitter::Table => {
                let text = line.text.trim_end();
                let inner = text.trim_start().trim_start_matches('|');
                let offset = text.len() - inner.len();
                let inner = inner.trim_end_matches('|');
                let mut start = line.start + offset;
                for cell in inner.split('|') {
                    fields.push(RawField::exact(cell, start));
                    start += cell.len() + 1;
                }
                Ok(())
            }
        }
    }
}

/// In free text, `Cloud Ops <ops@example.com>` and `"Audit Root" <root@example.com>` are one
/// email each: the words of a name before an address in angle brackets are joined to it, so they
/// are never read as fields of their own. A quoted name is joined whole; an unquoted one word by
/// word back to the previous ID or email.
fn join_display_names<'a>(line: Line<'a>, fields: &mut Vec<RawField<'a>>) {
    let mut i = 0;
    while i < fields.len() {
        let text = &fields[i].text;
        let is_address = text.ends_with('>') && text.contains('<') && text.contains('@');
        if !is_address {
            i += 1;
            continue;
        }
        let mut first = i;
        if text.starts_with('<') {
            // A name may hold a short number (`Team 42`), never an email, a status or an ID;
            // a quoted name (`"Audit Root"`) ends at its opening quote.
            let is_name_word = |text: &str| {
                let text = text.trim_matches('"');
                kind(text) == Kind::Other || (text.len() < 10 && text.bytes().all(|b| b.is_ascii_digit()))
            };
            while first > 0 && is_name_word(&fields[first - 1].text) {
                first -= 1;
                if fields[first].text.starts_with('"') {
                    break;
                }
            }
        }
        if first < i {
            let (start, end) = (fields[first].span.start - line.start, fields[i].span.end - line.start);
            fields[first] = RawField::exact(&line.text[start..end], line.start + start);
            fields.drain(first + 1..=i);
        }
        i = first + 1;
    }
}

/// Splits on runs of `is_separator`, dropping the separators (they are layout).
fn split_on<'a>(line: Line<'a>, is_separator: impl Fn(char) -> bool, fields: &mut Vec<RawField<'a>>) {
    let mut field_start = None;
    for (i, c) in line.text.char_indices() {
        match (is_separator(c), field_start) {
            (true, Some(s)) => {
                fields.push(RawField::exact(&line.text[s..i], line.start + s));
                field_start = None;
            }
            (false, None) => field_start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = field_start {
        fields.push(RawField::exact(&line.text[s..], line.start + s));
    }
}

fn split_csv<'a>(
    reader: &mut Reader,
    output: &mut Vec<u8>,
    line: Line<'a>,
    fields: &mut Vec<RawField<'a>>,
) -> Result<(), Diagnostic> {
    let bytes = line.text.as_bytes();
    // Unquoting only ever shrinks a field, so the line's length is always room enough.
    if output.len() < bytes.len() + 1 {
        output.resize(bytes.len() + 1, 0);
    }
    reader.reset();
    let (mut pos, mut field_start, mut written) = (0, 0, 0);
    loop {
        // The line has no terminator: once it is consumed, the empty slice tells the reader so.
        let (result, read, wrote) = reader.read_field(&bytes[pos..], &mut output[written..]);
        pos += read;
        written += wrote;
        let record_end = match result {
            // Defensive: an empty read that asks for more input cannot loop forever.
            ReadFieldResult::InputEmpty if read == 0 && pos >= bytes.len() => true,
            ReadFieldResult::InputEmpty => continue,
            ReadFieldResult::Field { record_end } => record_end,
            ReadFieldResult::OutputFull | ReadFieldResult::End => return Ok(()),
        };
        // A field that did not end the record ended at a delimiter, which is not part of it.
        let end = if record_end { pos } else { pos - 1 };
        let raw = &line.text[field_start..end];
        let span = Span::new(line.start + field_start, line.start + end);
        if raw.contains('"') {
            let trimmed = raw.trim_start();
            if trimmed.starts_with('"') && raw.bytes().filter(|&b| b == b'"').count() % 2 == 1 {
                return Err(Diagnostic::new(
                    Code::UnterminatedQuote,
                    span,
                    format!("expected a closing `\"` for the field `{}`, found the end of the line", quote(trimmed)),
                ));
            }
            let text = String::from_utf8_lossy(&output[..written]).into_owned();
            fields.push(RawField { text: Cow::Owned(text), span, exact: false, quoted: raw.starts_with('"') });
        } else {
            fields.push(RawField::exact(raw, span.start));
        }
        if record_end {
            return Ok(());
        }
        field_start = pos;
        written = 0;
    }
}

/// Table borders and the title rows of `--output table`.
fn is_table_decoration(line: Line<'_>, fields: &[RawField<'_>]) -> bool {
    if line.text.trim().bytes().all(|b| matches!(b, b'-' | b'+' | b'|' | b' ')) {
        return true;
    }
    let cells: Vec<&RawField<'_>> = fields.iter().filter(|f| !f.is_blank()).collect();
    cells.len() == 1 && matches!(kind(&cells[0].text), Kind::Other)
}

/// Which column holds what, from a header row.
#[derive(Clone, Debug)]
struct Columns {
    id: usize,
    email: Option<usize>,
    status: Option<usize>,
    width: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum HeaderName {
    Id,
    Email,
    Status,
}

pub(super) fn header_name(text: &str) -> Option<HeaderName> {
    // Lowercase ASCII letters and digits only, in a stack buffer: this runs for every JSON key.
    let mut buffer = [0u8; 24];
    let mut len = 0;
    for c in text.chars().filter(|c| c.is_alphanumeric()) {
        if !c.is_ascii() || len == buffer.len() {
            return None;
        }
        buffer[len] = c.to_ascii_lowercase() as u8;
        len += 1;
    }
    match &buffer[..len] {
        b"accountid" | b"id" | b"account" | b"accountnumber" | b"accountno" | b"awsaccountid" | b"awsaccount"
        | b"awsaccountnumber" | b"memberaccountid" | b"memberaccount" => Some(HeaderName::Id),
        b"email" | b"emailaddress" | b"rootemail" | b"rootemailaddress" | b"accountemail" | b"mail" | b"emailid"
        | b"memberemail" => Some(HeaderName::Email),
        b"status" | b"state" | b"accountstatus" | b"accountstate" => Some(HeaderName::Status),
        _ => None,
    }
}

/// Words a header of free text may consist of (`Account ID Email address`). ASCII lowercase is
/// enough: every such word is ASCII, and no other letter lowercases into one of theirs (Unicode's
/// case tables would cost the page's first module about 5 KB).
fn is_header_word(text: &str) -> bool {
    let word = text.trim_matches(|c: char| !c.is_alphanumeric()).to_ascii_lowercase();
    header_name(&word).is_some() || matches!(word.as_str(), "address" | "aws" | "number" | "name" | "root" | "member")
}

/// Recognizes the first content line as a header. `Some(None)` is a header without an ID column
/// (rows are then read by their content), `None` is not a header at all.
fn read_header(
    format: Format,
    line: Line<'_>,
    fields: &[RawField<'_>],
    out: &mut Collector<'_>,
) -> Option<Option<Columns>> {
    if format == Format::OrganizationsText || fields.iter().any(|f| !matches!(kind(&f.text), Kind::Other)) {
        return None;
    }
    if format == Format::Text {
        if !fields.iter().all(|f| is_header_word(&f.text)) {
            return None;
        }
        out.push(Diagnostic::new(
            Code::Header,
            line.span(),
            format!("read `{}` as a header row", quote(line.text.trim())),
        ));
        return Some(None);
    }
    let names: Vec<Option<HeaderName>> = fields.iter().map(|f| header_name(&f.text)).collect();
    if names.iter().all(Option::is_none) {
        return None;
    }
    let find = |wanted| names.iter().position(|n| *n == Some(wanted));
    let (id, email, status) = (find(HeaderName::Id), find(HeaderName::Email), find(HeaderName::Status));
    let label = |i: usize| quote(fields[i].text.trim());
    let mut parts = Vec::new();
    if let Some(i) = id {
        parts.push(format!("`{}` as the account ID", label(i)));
    }
    if let Some(i) = email {
        parts.push(format!("`{}` as the email", label(i)));
    }
    if let Some(i) = status {
        parts.push(format!("`{}` as the account status", label(i)));
    }
    let mut message = format!("read this line as a header: {}", parts.join(", "));
    if id.is_none() {
        message.push_str("; there is no account ID column, so rows are read by their content");
    }
    out.push(Diagnostic::new(Code::Header, line.span(), message));
    for (i, field) in fields.iter().enumerate() {
        if names[i].is_none() && !field.is_blank() {
            out.push(Diagnostic::new(Code::UnusedColumn, field.span, format!("the column `{}` is not used", label(i))));
        }
    }
    Some(id.map(|id| Columns { id, email, status, width: fields.len() }))
}

fn non_blank<'a>(field: Option<&RawField<'a>>) -> Option<RawField<'a>> {
    field.filter(|f| !f.is_blank()).cloned()
}

fn mapped_record(line: Line<'_>, fields: &[RawField<'_>], columns: &Columns, out: &mut Collector<'_>) {
    for extra in fields.iter().skip(columns.width).filter(|f| !f.is_blank()) {
        out.push(Diagnostic::new(
            Code::IgnoredField,
            extra.span,
            format!(
                "ignored `{}`: expected at most {} fields, as in the header",
                quote(extra.text.trim()),
                columns.width
            ),
        ));
    }
    let id = non_blank(fields.get(columns.id));
    let email = columns.email.and_then(|i| non_blank(fields.get(i)));
    let status = columns.status.and_then(|i| non_blank(fields.get(i)));
    if email.is_none()
        && id.as_ref().is_none_or(|f| kind(&f.text) == Kind::Other && !f.text.chars().any(|c| c.is_ascii_digit()))
    {
        out.push(Diagnostic::new(
            Code::UnreadableLine,
            line.span(),
            format!("expected an account ID and an email, found `{}`", quote(line.text.trim())),
        ));
        return;
    }
    out.account(line.span(), id, email, status);
}

/// What a field looks like, judged on its visible characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Id,
    Email,
    Status,
    Other,
}

fn kind(text: &str) -> Kind {
    let visible = text.trim_matches(|c: char| {
        c.is_whitespace()
            || is_zero_width(c)
            || matches!(c, '"' | '\'' | '`' | '\u{201C}' | '\u{201D}' | '\u{2018}' | '\u{2019}')
    });
    if visible.contains('@') {
        return Kind::Email;
    }
    if visible.starts_with("arn:") {
        return Kind::Id;
    }
    if is_status(visible) {
        return Kind::Status;
    }
    let shape = if visible.chars().any(is_zero_width) {
        id_shape(&visible.chars().filter(|&c| !is_zero_width(c)).collect::<String>())
    } else {
        id_shape(visible)
    };
    if shape.is_id_like() { Kind::Id } else { Kind::Other }
}

fn is_status(text: &str) -> bool {
    ["ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "CLOSED", "PENDING_ACTIVATION"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(text))
}

/// A row without a header: the ID, email and status are recognized by their content, so columns
/// may come in any order. Free text may hold several accounts per line.
fn content_record<'a>(line: Line<'a>, fields: &mut Vec<RawField<'a>>, out: &mut Collector<'_>) {
    fields.retain(|f| !f.is_blank());
    let kinds: Vec<Kind> = fields.iter().map(|f| kind(&f.text)).collect();
    let count = |k| kinds.iter().filter(|&&x| x == k).count();
    if count(Kind::Id) <= 1 && count(Kind::Email) <= 1 {
        let find = |k| kinds.iter().position(|&x| x == k);
        // Without an ID-like field, a field with digits is most likely a mangled ID.
        let id = find(Kind::Id).or_else(|| {
            kinds
                .iter()
                .zip(fields.iter())
                .position(|(&k, f)| k == Kind::Other && f.text.chars().any(|c| c.is_ascii_digit()))
        });
        let (email, status) = (find(Kind::Email), find(Kind::Status));
        if id.is_none() && email.is_none() {
            out.push(Diagnostic::new(
                Code::UnreadableLine,
                line.span(),
                format!("expected an account ID and an email, found `{}`", quote(line.text.trim())),
            ));
            return;
        }
        for (i, field) in fields.iter().enumerate() {
            if Some(i) != id && Some(i) != email && Some(i) != status {
                ignored(field, out);
            }
        }
        let pick = |i: Option<usize>| i.map(|i| fields[i].clone());
        out.account(line.span(), pick(id), pick(email), pick(status));
        return;
    }
    // Several accounts on one line: each ID starts one, the email after it belongs to it.
    let mut current: Option<(usize, Option<usize>, Option<usize>)> = None;
    let flush = |current: Option<(usize, Option<usize>, Option<usize>)>, out: &mut Collector<'_>| {
        let Some((first, email, status)) = current else {
            return;
        };
        let (id, last) = if kinds[first] == Kind::Id { (Some(first), email.unwrap_or(first)) } else { (None, first) };
        let span = Span::new(fields[first].span.start, fields[last.max(status.unwrap_or(0))].span.end);
        let pick = |i: Option<usize>| i.map(|i| fields[i].clone());
        out.account(span, pick(id), pick(email), pick(status));
    };
    for (i, &k) in kinds.iter().enumerate() {
        match (k, &mut current) {
            (Kind::Id, _) => {
                flush(current.take(), out);
                current = Some((i, None, None));
            }
            (Kind::Email, Some((_, email @ None, _))) => *email = Some(i),
            (Kind::Email, _) => {
                flush(current.take(), out);
                current = Some((i, Some(i), None));
            }
            (Kind::Status, Some((_, _, status @ None))) => *status = Some(i),
            _ => ignored(&fields[i], out),
        }
    }
    flush(current, out);
}

fn ignored(field: &RawField<'_>, out: &mut Collector<'_>) {
    out.push(Diagnostic::new(
        Code::IgnoredField,
        field.span,
        format!("ignored `{}`: expected only an account ID, an email and a status", quote(field.text.trim())),
    ));
}

/// `ACCOUNTS  arn  email  id  joined-method  joined-timestamp  name  [state]  status`: columns
/// are found by their content, since the AWS CLI sorts them by name and AWS adds new ones.
fn organizations_record(line: Line<'_>, fields: &[RawField<'_>], out: &mut Collector<'_>) {
    if !fields.first().is_some_and(|f| f.text.eq_ignore_ascii_case("ACCOUNTS")) {
        out.push(Diagnostic::new(
            Code::UnreadableLine,
            line.span(),
            format!(
                "expected an `ACCOUNTS` line of `aws organizations list-accounts --output text`, found `{}`",
                quote(line.text.trim())
            ),
        ));
        return;
    }
    let rest = &fields[1..];
    let arn_id = rest.iter().find_map(|f| f.text.strip_prefix("arn:").and_then(|arn| arn.rsplit('/').next()));
    let id = rest
        .iter()
        .position(|f| Some(&*f.text) == arn_id)
        .or_else(|| rest.iter().position(|f| kind(&f.text) == Kind::Id));
    let email = rest.iter().position(|f| f.text.contains('@'));
    let statuses: Vec<usize> = (0..rest.len()).filter(|&i| is_status(&rest[i].text)).collect();
    let status =
        statuses.iter().copied().find(|&i| !rest[i].text.eq_ignore_ascii_case("ACTIVE")).or(statuses.first().copied());
    let pick = |i: Option<usize>| i.map(|i| rest[i].clone());
    out.account(line.span(), pick(id), pick(email), pick(status));
}

/// `AccountId=111122223333,Email=ops@example.com AccountId=…`: whitespace separates accounts,
/// commas separate keys.
pub(super) fn read_shorthand(input: &str, from: usize, end: usize, out: &mut Collector<'_>) {
    let mut structures = Vec::new();
    let input = input.get(..end).unwrap_or(input);
    for line in lines(input, from).filter_map(content) {
        structures.clear();
        split_on(line, char::is_whitespace, &mut structures);
        for structure in &structures {
            let Cow::Borrowed(text) = structure.text else {
                continue;
            };
            let (mut id, mut email, mut status) = (None, None, None);
            let mut offset = structure.span.start;
            for pair in text.split(',') {
                let start = offset;
                offset += pair.len() + 1;
                if pair.trim().is_empty() {
                    continue;
                }
                let Some((key, value)) = pair.split_once('=') else {
                    out.push(Diagnostic::new(
                        Code::IgnoredField,
                        Span::new(start, start + pair.len()),
                        format!("ignored `{}`: expected `Key=value`", quote(pair)),
                    ));
                    continue;
                };
                let field = RawField::exact(value, start + key.len() + 1);
                match header_name(key) {
                    Some(HeaderName::Id) => id = Some(field),
                    Some(HeaderName::Email) => email = Some(field),
                    Some(HeaderName::Status) => status = Some(field),
                    None => out.push(Diagnostic::new(
                        Code::IgnoredField,
                        Span::new(start, start + pair.len()),
                        format!("ignored `{}`: expected the keys AccountId and Email (or EmailAddress)", quote(key)),
                    )),
                }
            }
            out.account(structure.span, id, email, status);
        }
    }
}
