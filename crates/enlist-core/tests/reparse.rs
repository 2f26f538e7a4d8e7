//! `reparse` after any edit gives exactly what `parse_shared` gives for the edited text, however
//! many edits follow one another: it is only a faster way to the same result.

use std::sync::Arc;

use enlist_core::{Format, Options, Parsed, Service, Services, parse_shared, reparse};
use proptest::prelude::*;

/// Lines of every kind the line-based readers treat differently: headers, records with and
/// without emails, statuses (of AWS Organizations and of the services' member lists, which are
/// noted once per input), duplicates, comments, blank lines, quotes, `ACCOUNTS` and shorthand.
fn line() -> impl Strategy<Value = String> {
    let id = prop_oneof![
        4 => (0u64..20).prop_map(|n| format!("1111222233{n:02}")),
        1 => (0u64..20).prop_map(|n| format!("1111222233{n}")),
        1 => Just("arn:aws:iam::111122223301:root".to_owned()),
        1 => Just("1.11122E+11".to_owned()),
    ];
    let email = prop_oneof![
        4 => (0u8..6).prop_map(|n| format!("ops{n}@example.com")),
        1 => Just("Ops <ops1@example.com>".to_owned()),
        1 => Just("bad@@example".to_owned()),
        1 => Just(String::new()),
    ];
    let status = prop::sample::select(vec!["", "ACTIVE", "SUSPENDED", "ENABLED", "Invited"]);
    prop_oneof![
        8 => (id, email, status, prop::sample::select(vec![",", "\t", ";", " "])).prop_map(|(id, email, status, sep)| {
            if status.is_empty() { format!("{id}{sep}{email}") } else { format!("{id}{sep}{email}{sep}{status}") }
        }),
        1 => prop::sample::select(vec![
            "Account ID,Email", "Id,Email,Status", "AccountId\tEmail", "sep=,", "Account ID Email",
            "ACCOUNTS\tarn:aws:organizations::111111111111:account/o-x/111122223305\tops@example.com\t111122223305\tx\tACTIVE",
            "AccountId=111122223306,Email=six@example.com", "\"111122223307\",\"seven@example.com", "# a comment",
            "", "  ", "| 111122223308 | eight@example.com |", "+----+",
        ])
        .prop_map(str::to_owned),
    ]
}

/// An edit: where (a fraction of the text), how many bytes it removes, and what it inserts.
fn edit() -> impl Strategy<Value = (prop::sample::Index, usize, String)> {
    let inserted = prop_oneof![
        3 => "[0-9a-z@.,;\t \"#]{0,6}",
        2 => Just("\n".to_owned()),
        1 => Just("\r\n".to_owned()),
        1 => Just("\r".to_owned()),
        1 => Just("111122223301,dup@example.com\n".to_owned()),
        1 => Just("111122223302,ops2@example.com,ENABLED\n".to_owned()),
        1 => Just("Account ID,Email\n".to_owned()),
        1 => Just("\n\n".to_owned()),
    ];
    (any::<prop::sample::Index>(), prop_oneof![3 => Just(0usize), 2 => 0usize..4, 1 => 0usize..40], inserted)
}

fn options() -> impl Strategy<Value = Options> {
    let formats =
        vec![None, None, None, Some(Format::Csv), Some(Format::Text), Some(Format::Shorthand), Some(Format::Table)];
    (prop::sample::select(formats), 0u8..3, any::<bool>(), any::<bool>()).prop_map(|(format, services, org, admin)| {
        Options {
            services: match services {
                0 => Services::only(Service::GuardDuty),
                1 => Services::only(Service::Detective),
                _ => Services::BOTH,
            },
            organization_mode: org,
            admin_account: admin.then(|| "111122223300".parse().unwrap()),
            format,
        }
    })
}

fn apply(text: &str, (at, remove, insert): &(prop::sample::Index, usize, String)) -> String {
    let mut start = at.index(text.len() + 1);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + remove).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    format!("{}{insert}{}", &text[..start], &text[end..])
}

fn same(got: &Parsed, want: &Parsed) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.text(), want.text());
    prop_assert_eq!(got.format, want.format);
    prop_assert_eq!(&got.diagnostics, &want.diagnostics);
    prop_assert_eq!(&got.accounts, &want.accounts);
    prop_assert_eq!(&got.excluded, &want.excluded);
    prop_assert_eq!(&got.batches, &want.batches);
    prop_assert_eq!(&got.line_index, &want.line_index);
    Ok(())
}

/// Reads `text` with `reparse` (a `Parsed` keeps what each line gave only when `reparse` made it),
/// then makes each edit in turn and checks each `reparse` against a whole `parse_shared`.
fn edit_and_compare(
    mut text: String,
    edits: &[(prop::sample::Index, usize, String)],
    options: &Options,
) -> Result<(), TestCaseError> {
    let mut parsed = reparse(&parse_shared(Arc::from(""), options), Arc::from(text.as_str()), options);
    same(&parsed, &parse_shared(Arc::from(text.as_str()), options))?;
    for edit in edits {
        text = apply(&text, edit);
        let shared: Arc<str> = Arc::from(text.as_str());
        let again = reparse(&parsed, Arc::clone(&shared), options);
        same(&again, &parse_shared(shared, options))?;
        parsed = again;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn reparse_after_edits_is_parse(
        header in prop::option::of(prop::sample::select(vec!["Id,Email,Status", "Account ID\tEmail\tStatus", "sep=;"])),
        lines in prop::collection::vec(line(), 0..30),
        crlf in any::<bool>(),
        bom in prop::bool::weighted(0.1),
        edits in prop::collection::vec(edit(), 1..6),
        options in options(),
    ) {
        let newline = if crlf { "\r\n" } else { "\n" };
        let bom = if bom { "\u{FEFF}" } else { "" };
        let text = format!("{bom}{}{}", header.map(|h| format!("{h}{newline}")).unwrap_or_default(), lines.join(newline));
        edit_and_compare(text, &edits, &options)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    /// Any text (line breaks of every kind, quotes, comments, display names, non-ASCII) and any
    /// edits: the same result, and no panic.
    #[test]
    fn reparse_of_any_text_is_parse(
        text in "([0-9]{1,13}|[a-z]{1,6}@[a-z]{1,5}\\.com|[,;\t \"#<>=|+-]|\r\n|\r|\n|é|\u{FEFF}|\u{FFFD}|\u{FEC0}|\u{200B}|ENABLED|Id|Email|Status|ACCOUNTS){0,60}",
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..12, "([0-9,;\t\r\n \"#@é\u{FEFF}\u{FFFD}]|\r\n){0,8}"), 1..5),
        options in options(),
    ) {
        edit_and_compare(text, &edits, &options)?;
    }
}

/// Options that change between two checks (a service ticked) read the whole text again.
#[test]
fn other_options_read_everything_again() {
    let text: Arc<str> = Arc::from("111122223333,ops@example.com\n111122223334\n");
    let guardduty = Options { services: Services::only(Service::GuardDuty), ..Options::default() };
    let detective_org =
        Options { services: Services::only(Service::Detective), organization_mode: true, ..Options::default() };
    let before = parse_shared(Arc::clone(&text), &guardduty);
    assert_eq!(before.summary().errors, 1, "GuardDuty needs the second line's email");
    let after = reparse(&before, Arc::clone(&text), &detective_org);
    assert_eq!(after.summary().errors, 0, "Detective in organization mode does not");
    assert_eq!(after.diagnostics, parse_shared(text, &detective_org).diagnostics);
}

/// An edit far down a long list keeps the lines around it and finds the new duplicate of a line
/// far away, as a whole-list check would.
#[test]
fn an_edit_in_a_long_list_is_checked_against_the_whole_list() {
    let mut text = String::from("Account ID,Email\n");
    for i in 0..5_000u64 {
        text.push_str(&format!("{:012},member-{i}@example.com\n", 100_000_000_000 + i));
    }
    let options = Options::default();
    let before = reparse(&parse_shared(Arc::from(""), &options), Arc::from(text.as_str()), &options);
    assert_eq!(before.accounts.len(), 5_000);
    // Line 4,002 now repeats line 2's account with another email.
    let edited = text.replacen("100000004000,", "100000000000,", 1);
    let after = reparse(&before, Arc::from(edited.as_str()), &options);
    let codes: Vec<&str> = after.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["I005", "E007", "W004", "W004", "E007"], "{:?}", after.diagnostics);
    assert_eq!(after.line_index.line(after.diagnostics[4].span.start), 4_002);
    assert_eq!(after.accounts.len(), 4_998);
    same(&after, &parse_shared(Arc::from(edited.as_str()), &options)).unwrap();
}

/// A byte order mark typed over a first character that shares its first bytes (U+FFFD is
/// `EF BF BD`, the mark `EF BB BF`): the text is read from after the mark, which is reported.
#[test]
fn a_byte_order_mark_over_the_first_character() {
    let rest = "AccountId=111122223333,Email=a@example.com\nAccountId=222233334444,Email=b@example.com\n";
    for options in [Options::default(), Options { format: Some(Format::Shorthand), ..Options::default() }] {
        let before = reparse(&parse_shared(Arc::from(""), &options), Arc::from(format!("\u{FFFD}{rest}")), &options);
        let text: Arc<str> = Arc::from(format!("\u{FEFF}{rest}"));
        let after = reparse(&before, Arc::clone(&text), &options);
        assert_eq!(after.diagnostics[0].code.as_str(), "I001", "{:?}", after.diagnostics);
        same(&after, &parse_shared(text, &options)).unwrap();
    }
}
