//! Behaviours the fixture corpus does not pin down, one small input each.

use enlist_core::{Batch, BatchError, Code, Format, Options, Service, Services, batches, parse};

fn codes(input: &str, options: &Options) -> Vec<&'static str> {
    parse(input, options).diagnostics.iter().map(|d| d.code.as_str()).collect()
}

fn detective() -> Options {
    Options { services: Services::only(Service::Detective), ..Options::default() }
}

fn guardduty() -> Options {
    Options { services: Services::only(Service::GuardDuty), ..Options::default() }
}

#[test]
fn a_forced_format_overrides_detection() {
    // Detected as CSV, the semicolon stays inside the email.
    let input = "111122223333,ops;dev@example.com\n";
    assert_eq!(parse(input, &guardduty()).format, Format::Csv);
    let forced = parse(input, &Options { format: Some(Format::Text), ..guardduty() });
    assert_eq!(forced.format, Format::Text);
    // As free text, `;` separates: `ops` is an ignored word and the email is `dev@example.com`.
    assert_eq!(forced.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), [Code::IgnoredField]);
    assert_eq!(forced.accounts[0].email(), Some("dev@example.com"));
    // As CSV the whole field is the email (GuardDuty's rules allow `;` before the `@`).
    assert_eq!(parse(input, &guardduty()).accounts[0].email(), Some("ops;dev@example.com"));
}

#[test]
fn both_services_need_both_sets_of_rules() {
    let input = "111122223333,josé@example.com\n";
    assert!(codes(input, &detective()).is_empty());
    assert_eq!(codes(input, &Options { services: Services::BOTH, ..Options::default() }), ["E005"]);
}

#[test]
fn security_hub_needs_no_email_and_checks_only_that_one_given_is_not_blank() {
    let input = "111122223333\n222233334444,josé@example.com\n333344445555,ops@example\n";
    let hub = Options { services: Services::only(Service::SecurityHub), ..Options::default() };
    let parsed = parse(input, &hub);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert_eq!(parsed.accounts.len(), 3);
    assert_eq!(parsed.accounts[0].email(), None);
    // With the other services, their rules apply to the same list.
    let all = Options { services: Services::ALL, ..Options::default() };
    assert_eq!(codes(input, &all), ["E006", "E005", "E005"]);
    let message = &parse(input, &all).diagnostics[0].message;
    assert!(message.ends_with("GuardDuty invites members by email"), "{message}");
    let detective_org = Options {
        services: Services::only(Service::Detective).with(Service::SecurityHub),
        organization_mode: true,
        ..Options::default()
    };
    assert!(codes("111122223333\n", &detective_org).is_empty());
}

#[test]
fn organization_mode_frees_only_detective_from_emails() {
    let input = "111122223333\n";
    let org = |services| Options { services, organization_mode: true, ..Options::default() };
    assert!(codes(input, &org(Services::only(Service::Detective))).is_empty());
    assert_eq!(codes(input, &org(Services::BOTH)), ["E006"], "GuardDuty still needs the email");
}

#[test]
fn a_repeat_lends_its_email_to_a_first_occurrence_without_one() {
    let parsed = parse("111122223333\n111122223333,ops@example.com\n", &guardduty());
    assert_eq!(parsed.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), [Code::DuplicateMerged]);
    assert_eq!(parsed.accounts[0].email(), Some("ops@example.com"));
    // A repeat with a bad email lends nothing.
    let parsed = parse("111122223333\n111122223333,ops@@example.com\n", &guardduty());
    assert!(parsed.accounts.is_empty());
    assert!(parsed.diagnostics.iter().any(|d| d.code == Code::MissingEmail));
}

#[test]
fn quotas_warn_once_at_the_first_account_past_them() {
    let input: String = (0..1_201u64).map(|i| format!("{:012},m{i}@example.com\n", 100_000_000_000 + i)).collect();
    let parsed = parse(&input, &detective());
    let quota: Vec<_> = parsed.diagnostics.iter().filter(|d| d.code == Code::QuotaExceeded).collect();
    assert_eq!(quota.len(), 1);
    assert_eq!(parsed.line_index.line(quota[0].span.start), 1_201);
    assert!(quota[0].message.starts_with("Detective allows 1,200 members per behavior graph, found 1,201 accounts"));
    let both = parse(&input, &Options { services: Services::BOTH, ..Options::default() });
    let lines: Vec<usize> = both
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::QuotaExceeded)
        .map(|d| both.line_index.line(d.span.start))
        .collect();
    assert_eq!(lines, [1_001, 1_201]);
}

#[test]
fn batches_refuse_what_they_cannot_hold() {
    let input: String = (0..51u64).map(|i| format!("{:012},m{i}@example.com\n", 100_000_000_000 + i)).collect();
    let parsed = parse(&input, &guardduty());
    assert_eq!(Batch::new(parsed.accounts.to_vec()), Err(BatchError::TooMany(51)));
    assert_eq!(Batch::new(Vec::new()), Err(BatchError::Empty));
    let twice = vec![parsed.accounts[0].clone(), parsed.accounts[0].clone()];
    assert_eq!(Batch::new(twice.clone()), Err(BatchError::Duplicate(parsed.accounts[0].id())));
    assert_eq!(batches(&twice), Err(BatchError::Duplicate(parsed.accounts[0].id())));
    assert_eq!(BatchError::TooMany(51).to_string(), "expected 1 to 50 accounts in a batch, found 51");
    let sizes: Vec<usize> = batches(&parsed.accounts).unwrap().iter().map(Batch::len).collect();
    assert_eq!(sizes, [50, 1]);
}

#[test]
fn headers_are_recognized_in_any_case_and_spacing() {
    for header in [
        "Account ID,Email",
        "account id , email address",
        "ACCOUNTID,EMAILADDRESS",
        "\"Account Id\",\"E-mail\"",
        "AWS Account Number,Root Email",
    ] {
        let parsed = parse(&format!("{header}\n111122223333,ops@example.com\n"), &guardduty());
        assert_eq!(parsed.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), [Code::Header], "{header}");
        assert_eq!(parsed.accounts.len(), 1, "{header}");
    }
    // Columns in another order follow the header.
    let parsed = parse("Email,Name,Account ID\nops@example.com,Prod,111122223333\n", &guardduty());
    assert_eq!(parsed.accounts[0].id().to_string(), "111122223333");
    assert_eq!(parsed.accounts[0].email(), Some("ops@example.com"));
}

#[test]
fn an_email_no_mail_can_reach_is_warned_with_the_dots_joined_as_its_fix() {
    let input = "111122223333,four@example..com\n";
    let parsed = parse(input, &guardduty());
    assert_eq!(codes(input, &guardduty()), ["W010"]);
    let warning = &parsed.diagnostics[0];
    assert!(
        warning.message.starts_with("the domain `example..com` has an empty part between two dots"),
        "{}",
        warning.message
    );
    assert_eq!(warning.fix.as_ref().map(|f| f.replacement.as_str()), Some("four@example.com"));
    // Still sent: the services take it, and the user decides.
    assert_eq!(parsed.accounts.len(), 1);
    // An ordinary email, and one the rules already refuse, get no such warning.
    assert!(codes("111122223333,four@example.com\n", &guardduty()).is_empty());
    assert_eq!(codes("111122223333,four@.example.com\n", &guardduty()), ["E005"]);
}
