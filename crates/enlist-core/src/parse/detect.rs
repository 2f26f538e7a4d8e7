//! Format detection: a look at the first content lines decides how the whole paste is read.

use super::Format;
use super::lines::{content, lines};

/// How many content lines detection looks at; enough for a header and a few rows.
const SAMPLE: usize = 20;

/// Detects the format of `input` as [`parse`](crate::parse) would.
pub fn detect_format(input: &str) -> Format {
    let body = if input.starts_with('\u{FEFF}') { 3 } else { 0 };
    detect(input, body)
}

pub(super) fn detect(input: &str, from: usize) -> Format {
    let sample: Vec<&str> = lines(input, from).filter_map(content).map(|l| l.text.trim()).take(SAMPLE).collect();
    let Some(first) = sample.first() else {
        return Format::Text;
    };
    let first = first.trim_start_matches(|c: char| super::clean::is_zero_width(c));
    // Trimming took the tab of `sep=` and a tab: look at the line as it is.
    let raw_first = lines(input, from).filter_map(content).next().map_or("", |l| l.text);
    if let Some(delimiter) = sep_line(raw_first) {
        return match delimiter {
            '\t' => Format::Tsv,
            ';' => Format::Semicolon,
            _ => Format::Csv,
        };
    }
    if first.starts_with(['{', '[']) {
        return Format::Json;
    }
    if first.get(..8).is_some_and(|w| w.eq_ignore_ascii_case("ACCOUNTS")) && first[8..].starts_with([' ', '\t']) {
        return Format::OrganizationsText;
    }
    if super::yaml::looks_like_yaml(first) {
        return Format::Yaml;
    }
    if first.starts_with(['|', '+']) || (first.len() >= 3 && first.bytes().all(|b| b == b'-')) {
        return Format::Table;
    }
    if sample.iter().any(|line| has_shorthand_key(line)) {
        return Format::Shorthand;
    }
    let count = |delimiter: char| sample.iter().filter(|line| line.contains(delimiter)).count();
    let majority = |n: usize| n * 2 >= sample.len();
    if majority(count('\t')) {
        Format::Tsv
    } else if majority(count(',')) && !free_text_commas(&sample) {
        Format::Csv
    } else if majority(count(';')) {
        Format::Semicolon
    } else {
        Format::Text
    }
}

/// Excel's first line `sep=,` (or `sep=;`, `sep=` and a tab, or `sep=\t` as typed), which names
/// the delimiter of the lines after it; `None` for any other line. Only `,`, `;` and tab are
/// delimiters Enlist reads.
pub(super) fn sep_line(line: &str) -> Option<char> {
    let line = line.trim_matches(|c: char| c == ' ' || c == '"' || super::clean::is_zero_width(c));
    let rest = line.get(..4).filter(|head| head.eq_ignore_ascii_case("sep=")).map(|_| &line[4..])?;
    match rest {
        "," | ",," => Some(','),
        ";" | ";;" => Some(';'),
        "\t" | "\t\t" => Some('\t'),
        // A tab delimiter line is `sep=` and a tab (and Excel may add one more for the column).
        _ if !rest.is_empty() && rest.bytes().all(|b| b == b'\t') => Some('\t'),
        _ => None,
    }
}

fn has_shorthand_key(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    lower.contains("accountid=")
}

/// `111122223333, 222233334444, 333344445555` is a list of IDs, not a CSV row: more than two
/// fields per line that are all IDs or all look like pairs repeated.
fn free_text_commas(sample: &[&str]) -> bool {
    sample.iter().any(|line| {
        let fields: Vec<&str> = line.split(',').map(str::trim).filter(|f| !f.is_empty()).collect();
        fields.len() > 2 && fields.iter().all(|f| f.bytes().all(|b| b.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_format() {
        let cases = [
            ("Account ID,Email\n111122223333,a@example.com\n", Format::Csv),
            ("111122223333,a@example.com\n", Format::Csv),
            ("111122223333\ta@example.com\n", Format::Tsv),
            ("111122223333;a@example.com\n", Format::Semicolon),
            ("111122223333 a@example.com\n", Format::Text),
            ("111122223333\n222233334444\n", Format::Text),
            ("111122223333, 222233334444, 333344445555\n", Format::Text),
            ("  {\"Accounts\": []}", Format::Json),
            ("[{\"AccountId\":\"111122223333\"}]", Format::Json),
            ("ACCOUNTS\tarn:aws:organizations::1:account/o-1/111122223333\ta@example.com\n", Format::OrganizationsText),
            ("-----\n|  ListAccounts |\n", Format::Table),
            ("AccountId=111122223333,Email=a@example.com\n", Format::Shorthand),
            ("# comment\n\n\u{FEFF}111122223333,a@example.com\n", Format::Csv),
            ("", Format::Text),
            ("Accounts:\n- Id: '111122223333'\n", Format::Yaml),
            ("- Accounts:\n  - Id: '111122223333'\n", Format::Yaml),
            ("---\nMembers: []\n", Format::Yaml),
            ("sep=;\nAccount ID;Email\n", Format::Semicolon),
            ("sep=,\nAccount ID,Email\n", Format::Csv),
            ("sep=\t\nAccount ID\tEmail\n", Format::Tsv),
            ("sep=\\t\nAccount ID\tEmail\n", Format::Tsv),
        ];
        for (input, expected) in cases {
            assert_eq!(detect_format(input), expected, "{input:?}");
        }
    }
}
