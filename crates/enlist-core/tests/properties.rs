//! Properties that hold for every input: nothing the user gave is lost, batches are well formed,
//! and `parse` never panics, whatever the text and the options.

use std::collections::HashSet;

use enlist_core::{Code, Format, Options, Parsed, Service, Services, parse};
use proptest::prelude::*;

/// One generated line and whether the parser must account for it (it is not blank or a comment).
#[derive(Clone, Debug)]
struct GenLine {
    text: String,
    content: bool,
}

fn email() -> impl Strategy<Value = String> {
    ("[a-z][a-z0-9.+-]{0,10}", "[a-z]{1,8}", prop::sample::select(vec!["com", "org", "io", "co.uk"]))
        .prop_map(|(local, domain, tld)| format!("{}@{domain}.{tld}", local.trim_end_matches('.')))
}

/// How an ID may look in a paste, valid or mangled.
fn id_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0u64..1_000_000_000_000).prop_map(|n| format!("{n:012}")),
        1 => (10_000_000_000u64..100_000_000_000).prop_map(|n| n.to_string()),
        1 => (100_000_000_000u64..1_000_000_000_000).prop_map(|n| format!("{n}.0")),
        1 => (100_000_000_000u64..1_000_000_000_000).prop_map(|n| format!("{:.5E}", n as f64)),
        1 => (0u64..1_000_000_000_000).prop_map(|n| { let s = format!("{n:012}"); format!("{}-{}-{}", &s[..4], &s[4..8], &s[8..]) }),
    ]
}

/// Decorations people's tools add around values.
fn decorate(value: String, how: u8) -> String {
    match how % 6 {
        0 | 1 => value,
        2 => format!("\"{value}\""),
        3 => format!("\u{200B}{value}"),
        4 => format!("\u{00A0}{value}\u{00A0}"),
        _ => format!(" {value} "),
    }
}

fn line(separator: &'static str) -> impl Strategy<Value = GenLine> {
    prop_oneof![
        8 => (id_text(), email(), any::<u8>(), any::<u8>()).prop_map(move |(id, email, a, b)| GenLine {
            text: format!("{}{separator}{}", decorate(id, a), decorate(email, b)),
            content: true,
        }),
        1 => id_text().prop_map(|id| GenLine { text: id, content: true }),
        1 => email().prop_map(|email| GenLine { text: email, content: true }),
        // Garbage that cannot change the detected format (no JSON, table or shorthand openers).
        2 => "[a-zA-Z0-9@._ ,;\t'\"()<>é·-]{1,30}"
            .prop_filter("needs a visible character", |s| s.chars().any(|c| c.is_ascii_alphanumeric()))
            .prop_filter("must not open a table", |s| !s.trim_start().starts_with('-'))
            .prop_map(|text| GenLine { text, content: true }),
        1 => Just(GenLine { text: String::new(), content: false }),
        1 => "[ \t]{1,3}".prop_map(|text| GenLine { text, content: false }),
        1 => "# [a-z ]{0,20}".prop_map(|text| GenLine { text, content: false }),
    ]
}

fn input() -> impl Strategy<Value = (Vec<GenLine>, String)> {
    prop::sample::select(vec![",", "\t", ";", " ", ", "])
        .prop_flat_map(|separator| prop::collection::vec(line(separator), 1..60))
        .prop_flat_map(|lines| (Just(lines), prop::sample::select(vec!["\n", "\r\n"])))
        .prop_map(|(lines, newline)| {
            let text = lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join(newline);
            (lines, text)
        })
}

fn options() -> impl Strategy<Value = Options> {
    let formats = vec![
        None,
        Some(Format::Csv),
        Some(Format::Tsv),
        Some(Format::Semicolon),
        Some(Format::Text),
        Some(Format::OrganizationsText),
        Some(Format::Shorthand),
    ];
    (prop::sample::select(formats), 0u8..3, any::<bool>()).prop_map(|(format, services, organization_mode)| Options {
        services: match services {
            0 => Services::only(Service::GuardDuty),
            1 => Services::only(Service::Detective),
            _ => Services::BOTH,
        },
        organization_mode,
        admin_account: None,
        format,
    })
}

/// The lines (1-based) that hold an account, an exclusion or a diagnostic.
fn accounted_lines(parsed: &Parsed) -> HashSet<usize> {
    let line = |offset| parsed.line_index.line(offset);
    let mut lines = HashSet::new();
    lines.extend(parsed.accounts.iter().map(|a| line(a.span().start)));
    lines.extend(parsed.excluded.iter().map(|e| line(e.span.start)));
    for d in &parsed.diagnostics {
        // A diagnostic may cover several lines (a CRLF report covers one byte; a span never more).
        for offset in [d.span.start, d.span.end.saturating_sub(1).max(d.span.start)] {
            lines.insert(line(offset));
        }
    }
    lines
}

fn check_batches(parsed: &Parsed) {
    let flattened: Vec<_> = parsed.batches.iter().flat_map(|b| b.accounts().iter().map(|a| a.id())).collect();
    let accounts: Vec<_> = parsed.accounts.iter().map(|a| a.id()).collect();
    assert_eq!(flattened, accounts, "the batches, in order, are exactly the accounts");
    assert!(parsed.batches.iter().all(|b| (1..=50).contains(&b.len())), "every batch holds 1 to 50 accounts");
    let distinct: HashSet<_> = accounts.iter().collect();
    assert_eq!(distinct.len(), accounts.len(), "no account is sent twice");
}

fn check_spans(input: &str, parsed: &Parsed) {
    for d in &parsed.diagnostics {
        assert!(d.span.start <= d.span.end && d.span.end <= input.len(), "{d:?} is inside the input");
        assert!(
            input.is_char_boundary(d.span.start) && input.is_char_boundary(d.span.end),
            "{d:?} is on character boundaries"
        );
        assert!(!d.message.is_empty());
    }
    assert!(
        parsed.diagnostics.windows(2).all(|w| w[0].span.start <= w[1].span.start),
        "diagnostics are in input order"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_content_line_is_accounted_for((lines, text) in input(), options in options()) {
        let parsed = parse(&text, &options);
        let accounted = accounted_lines(&parsed);
        for (i, line) in lines.iter().enumerate() {
            if line.content {
                prop_assert!(accounted.contains(&(i + 1)), "line {} `{}` was dropped silently\n{parsed:#?}", i + 1, line.text);
            }
        }
        check_batches(&parsed);
        check_spans(&text, &parsed);
    }

    #[test]
    fn never_panics_on_any_text(text in any::<String>(), options in options(), format in prop::sample::select(Format::ALL.to_vec())) {
        let parsed = parse(&text, &options);
        check_batches(&parsed);
        check_spans(&text, &parsed);
        let forced = parse(&text, &Options { format: Some(format), ..options });
        check_batches(&forced);
        check_spans(&text, &forced);
    }

    #[test]
    fn never_panics_on_json_like_text(text in r#"[\[\]{}",:0-9a-zA-Z@. \n\\-]{0,200}"#) {
        let parsed = parse(&text, &Options { format: Some(Format::Json), ..Options::default() });
        check_batches(&parsed);
        check_spans(&text, &parsed);
    }

    #[test]
    fn clean_lists_come_through_whole(
        ids in prop::collection::hash_set(0u64..1_000_000_000_000, 1..300),
        separator in prop::sample::select(vec![",", "\t", ";", " "]),
        header in any::<bool>(),
    ) {
        let ids: Vec<u64> = ids.into_iter().collect();
        let mut text = if header { format!("Account ID{separator}Email\n") } else { String::new() };
        for (i, id) in ids.iter().enumerate() {
            text.push_str(&format!("{id:012}{separator}member{i}@example.com\n"));
        }
        let parsed = parse(&text, &Options::default());
        prop_assert!(!parsed.has_errors(), "{:#?}", parsed.diagnostics);
        let read: Vec<u64> = parsed.accounts.iter().map(|a| a.id().as_u64()).collect();
        prop_assert_eq!(read, ids.clone());
        prop_assert_eq!(parsed.batches.len(), ids.len().div_ceil(50));
    }

    #[test]
    fn the_lost_zero_fix_repairs_the_line(n in 1_000_000_000u64..100_000_000_000) {
        let text = format!("{n:011}\tops@example.com\n");
        let parsed = parse(&text, &Options::default());
        let diagnostic = parsed.diagnostics.iter().find(|d| d.code == Code::LostLeadingZero).expect("an E003");
        let fix = diagnostic.fix.as_ref().expect("a fix");
        let fixed = format!("{}{}{}", &text[..diagnostic.span.start], fix.replacement, &text[diagnostic.span.end..]);
        let reparsed = parse(&fixed, &Options::default());
        prop_assert!(!reparsed.has_errors());
        prop_assert_eq!(reparsed.accounts[0].id().as_u64(), n);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Loading any text as a journal gives a run or a message, never a panic; so does any
    /// single-character change to a real journal.
    #[test]
    fn journals_never_panic(text in any::<String>(), at in any::<prop::sample::Index>(), replacement in any::<char>()) {
        let _ = enlist_core::engine::Run::from_journal(&text);
        let input = "111122223333,a@example.com\n222233334444,b@example.com\n";
        let parsed = parse(input, &Options::default());
        let target = enlist_core::Target::guardduty("us-east-1".parse().unwrap(), "abc".parse().unwrap(), Default::default()).unwrap();
        let plan = enlist_core::Plan::new(&parsed, vec![enlist_core::Destination::Target(target)], Default::default()).unwrap();
        let run = plan.start(Default::default(), 0);
        let journal = enlist_core::engine::to_text(&run.snapshot());
        let chars: Vec<char> = journal.chars().collect();
        let i = at.index(chars.len());
        let mutated: String = chars.iter().enumerate().map(|(j, &c)| if j == i { replacement } else { c }).collect();
        if let Ok(loaded) = enlist_core::engine::Run::from_journal(&mutated) {
            // Whatever loads must be usable.
            let mut loaded = loaded;
            let _ = enlist_core::engine::Machine::poll(&mut loaded, 0);
            let _ = loaded.progress();
            let _ = enlist_core::export::results_csv(&loaded);
        }
    }
}
