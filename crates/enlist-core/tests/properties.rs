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
        1 => (0u64..1_000_000_000_000, any::<bool>()).prop_map(|(n, org)| if org {
            format!("arn:aws:organizations::111111111111:account/o-exampleorgid/{n:012}")
        } else {
            format!("arn:aws:iam::{n:012}:root")
        }),
    ]
}

/// Decorations people's tools add around values.
fn decorate(value: String, how: u8) -> String {
    match how % 8 {
        0 | 1 => value,
        2 => format!("\"{value}\""),
        3 => format!("\u{200B}{value}"),
        4 => format!("\u{00A0}{value}\u{00A0}"),
        // A display name, as mail clients write an address.
        5 if value.contains('@') => format!("Cloud Ops <{value}>"),
        6 if value.contains('@') => format!("<{value}>"),
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
        .prop_flat_map(|separator| (Just(separator), prop::collection::vec(line(separator), 1..60), any::<bool>()))
        .prop_map(|(separator, mut lines, sep_line)| {
            // Excel's `sep=` line first: it is accounted for by its own diagnostic.
            if sep_line && separator != " " {
                lines.insert(0, GenLine { text: format!("sep={}", separator.trim()), content: true });
            }
            lines
        })
        .prop_flat_map(|lines| (Just(lines), prop::sample::select(vec!["\n", "\r\n"])))
        .prop_map(|(lines, newline)| {
            let text = lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join(newline);
            (lines, text)
        })
}

/// One item of a YAML account list, as the AWS CLI writes it or a person does, and whether it
/// is an element the parser must account for.
fn yaml_item() -> impl Strategy<Value = String> {
    let id = prop_oneof![
        3 => id_text().prop_map(|id| format!("'{id}'")),
        1 => id_text(),
        1 => id_text().prop_map(|id| format!("\"{id}\"")),
    ];
    let address = prop_oneof![
        3 => email(),
        1 => email().prop_map(|e| format!("'{e}'")),
        1 => email().prop_map(|e| format!("Cloud Ops <{e}>")),
        1 => email().prop_map(|e| format!("\"Ops\\u200B <{e}>\"")),
    ];
    let status = prop::sample::select(vec!["ACTIVE", "SUSPENDED", "ENABLED", "Invited", "EmailVerificationFailed"]);
    prop_oneof![
        6 => (id, address, status, any::<bool>(), any::<bool>()).prop_map(|(id, email, status, member, wrap)| {
            let (id_key, email_key, status_key) = if member { ("AccountId", "EmailAddress", "Status") } else { ("Id", "Email", "Status") };
            let email = if wrap { format!("\n    {email}") } else { format!(" {email}") };
            format!("- {id_key}: {id}\n  {email_key}:{email}\n  Name: 'x: #1'\n  {status_key}: {status}")
        }),
        1 => email().prop_map(|e| format!("- Email: {e}")),
        1 => "[a-zA-Z0-9@._ ,;'()<>é·-]{1,30}"
            .prop_filter("needs a visible character", |s| s.chars().any(|c| c.is_ascii_alphanumeric()))
            .prop_map(|text| format!("- {text}")),
        1 => "[a-z]{1,8}: [a-z0-9 ]{0,10}".prop_map(|text| format!("- {text}")),
    ]
}

fn yaml_input() -> impl Strategy<Value = (Vec<usize>, String)> {
    (
        prop::collection::vec(yaml_item(), 1..40),
        prop::sample::select(vec!["Accounts", "Members", "MemberDetails"]),
        any::<bool>(),
    )
        .prop_map(|(items, key, stream)| {
            let mut text = if stream { format!("- {key}:\n") } else { format!("{key}:\n") };
            let indent = if stream { "  " } else { "" };
            let mut starts = Vec::new();
            for item in &items {
                starts.push(text.matches('\n').count() + 1);
                for line in item.lines() {
                    text.push_str(indent);
                    text.push_str(line);
                    text.push('\n');
                }
            }
            text.push_str(indent);
            text.push_str("NextToken: null\n");
            (starts, text)
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
    (prop::sample::select(formats), 0u8..5, any::<bool>()).prop_map(|(format, services, organization_mode)| Options {
        services: match services {
            0 => Services::only(Service::GuardDuty),
            1 => Services::only(Service::Detective),
            2 => Services::only(Service::SecurityHub),
            3 => Services::ALL,
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
    fn every_yaml_item_is_accounted_for((starts, text) in yaml_input(), options in options()) {
        let parsed = parse(&text, &Options { format: None, ..options });
        prop_assert_eq!(parsed.format, Format::Yaml);
        let accounted = accounted_lines(&parsed);
        for line in starts {
            prop_assert!(accounted.contains(&line), "item on line {} was dropped silently\n{}\n{:#?}", line, text, parsed.diagnostics);
        }
        check_batches(&parsed);
        check_spans(&text, &parsed);
    }

    #[test]
    fn never_panics_on_yaml_like_text(text in r#"([ ]{0,4}(- |[A-Za-z]{1,6}: ?|'|"|#|\\|[a-z0-9@.]{1,12}|\|| >|\[\]|\{)*\n){0,30}"#) {
        let parsed = parse(&text, &Options { format: Some(Format::Yaml), ..Options::default() });
        check_batches(&parsed);
        check_spans(&text, &parsed);
    }

    /// Any bytes decode (as UTF-8, UTF-16 or Windows-1252) or are refused with a message, and
    /// what decodes parses.
    #[test]
    fn any_bytes_decode_or_are_refused(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        match enlist_core::decode_text(&bytes) {
            Ok(decoded) => {
                prop_assert_eq!(decoded.note.is_some(), std::str::from_utf8(&bytes).is_err() && !bytes.starts_with(&[0xFF, 0xFE]) && !bytes.starts_with(&[0xFE, 0xFF]));
                let parsed = parse(&decoded.text, &Options::default());
                check_batches(&parsed);
                check_spans(&decoded.text, &parsed);
            }
            Err(error) => prop_assert!(!error.to_string().is_empty()),
        }
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
