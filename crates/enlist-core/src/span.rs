//! Byte ranges into the text the user gave, and their translation into lines and columns.

use serde::{Deserialize, Serialize};

/// A half-open byte range `start..end` into the original input, before any normalization.
///
/// Spans always point at the bytes the user typed, so an editor can highlight them; lines and
/// columns are computed at the boundary with a [`LineIndex`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    /// First byte of the range.
    pub start: usize,
    /// One past the last byte of the range.
    pub end: usize,
}

impl Span {
    /// The range `start..end`.
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// Number of bytes covered.
    pub const fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the range covers no byte.
    pub const fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// The text this span covers, or `""` when it does not fall on character boundaries of `text`.
    pub fn slice(self, text: &str) -> &str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// How columns are counted. Terminals count characters; JavaScript editors count UTF-16 units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ColumnEncoding {
    /// Bytes of UTF-8.
    Utf8,
    /// UTF-16 code units, as JavaScript strings and most web editors count them.
    Utf16,
    /// Unicode scalar values, as a person counts characters.
    Chars,
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineCol {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column in the chosen [`ColumnEncoding`].
    pub column: usize,
}

/// The start of every line of a text, for turning byte offsets into lines and columns.
///
/// Lines end at `\n`, `\r\n` or a lone `\r`, the same rule the parser uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text` in one pass.
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for pos in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if bytes[pos] == b'\r' && bytes.get(pos + 1) == Some(&b'\n') {
                // The `\n` of this `\r\n` pair ends the line.
                continue;
            }
            starts.push(pos + 1);
        }
        LineIndex { starts }
    }

    /// Number of lines; a text that ends with a line break has an empty last line.
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The 1-based line that contains byte `offset` (offsets past the end are on the last line).
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset).max(1)
    }

    /// Byte offset where the 1-based `line` starts, if there is such a line.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }

    /// The byte range of the 1-based `line`, without its line break.
    pub fn line_span(&self, text: &str, line: usize) -> Option<Span> {
        let start = self.line_start(line)?;
        let next = self.line_start(line + 1).unwrap_or(text.len());
        let bytes = text.as_bytes();
        let mut end = next;
        if end > start && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        Some(Span::new(start, end))
    }

    /// Line and column of byte `offset` in `text`, with columns counted in `encoding`.
    ///
    /// An offset inside a multi-byte character counts as that character's column.
    pub fn line_col(&self, text: &str, offset: usize, encoding: ColumnEncoding) -> LineCol {
        let offset = offset.min(text.len());
        let line = self.line(offset);
        let start = self.starts[line - 1];
        let mut prefix_end = offset;
        while !text.is_char_boundary(prefix_end) {
            prefix_end -= 1;
        }
        let prefix = text.get(start..prefix_end).unwrap_or("");
        let width = match encoding {
            ColumnEncoding::Utf8 => prefix.len(),
            ColumnEncoding::Utf16 => prefix.chars().map(char::len_utf16).sum(),
            ColumnEncoding::Chars => prefix.chars().count(),
        };
        LineCol { line, column: width + 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_at_lf_crlf_and_lone_cr() {
        let text = "a\nb\r\nc\rd";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        let lines: Vec<&str> = (1..=4).map(|l| index.line_span(text, l).unwrap().slice(text)).collect();
        assert_eq!(lines, ["a", "b", "c", "d"]);
        assert_eq!(index.line(0), 1);
        assert_eq!(index.line(2), 2);
        assert_eq!(index.line(4), 2, "the \\n of a CRLF belongs to its line");
        assert_eq!(index.line(5), 3);
        assert_eq!(index.line(100), 4);
    }

    #[test]
    fn columns_in_each_encoding() {
        let text = "x\né😀z";
        let index = LineIndex::new(text);
        let z = text.find('z').unwrap();
        assert_eq!(index.line_col(text, z, ColumnEncoding::Utf8), LineCol { line: 2, column: 7 });
        assert_eq!(index.line_col(text, z, ColumnEncoding::Utf16), LineCol { line: 2, column: 4 });
        assert_eq!(index.line_col(text, z, ColumnEncoding::Chars), LineCol { line: 2, column: 3 });
        // Inside the emoji: the column of the emoji itself.
        assert_eq!(index.line_col(text, z - 2, ColumnEncoding::Chars), LineCol { line: 2, column: 2 });
    }
}
