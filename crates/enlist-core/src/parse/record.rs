//! Turns the fields each reader found into accounts: reads IDs and emails, then merges
//! duplicates, excludes the administrator and inactive accounts, and checks quotas.

use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::clean::{RawField, clean};
use super::{Excluded, Exclusion, Options};
use crate::account::{Account, AccountId, IdShape, SharedStr, id_shape};
use crate::diagnostic::{Code, Diagnostic, Fix, Severity, quote};
use crate::email::check_email;
use crate::service::Service;
use crate::span::{LineIndex, Span};

/// One account as a reader saw it, after its fields were read.
#[derive(Clone, Debug)]
pub(super) struct Record {
    span: Span,
    id: Option<AccountId>,
    /// Where the ID is; diagnostics about the account as a whole point here.
    id_span: Span,
    /// A range of `Collector::emails`.
    email: Option<Range<usize>>,
    status: Option<String>,
    has_error: bool,
}

impl Record {
    /// The record moved `shift` bytes in the input and `emails` bytes in the emails.
    fn shifted(&self, shift: Shift, emails: Shift) -> Record {
        Record {
            span: shift.span(self.span),
            id: self.id,
            id_span: shift.span(self.id_span),
            email: self.email.as_ref().map(|r| emails.at(r.start)..emails.at(r.end)),
            status: self.status.clone(),
            has_error: self.has_error,
        }
    }
}

/// How far text after an edit moved: a position `at` that was past the edit's start in a text of
/// `old` bytes is `at - old + new` in the edited text of `new` bytes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Shift {
    pub(super) old: usize,
    pub(super) new: usize,
}

impl Shift {
    /// `at` moved; `at + new >= old` holds for every position after the edit.
    pub(super) fn at(self, at: usize) -> usize {
        (at + self.new).saturating_sub(self.old)
    }

    pub(super) fn span(self, span: Span) -> Span {
        Span::new(self.at(span.start), self.at(span.end))
    }

    pub(super) fn diagnostic(self, diagnostic: &Diagnostic) -> Diagnostic {
        let mut moved = diagnostic.clone();
        moved.span = self.span(moved.span);
        if let Some(fix) = &mut moved.fix {
            for span in &mut fix.remove {
                *span = self.span(*span);
            }
        }
        moved
    }
}

/// How much a reader had found at some point.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Counts {
    pub(super) records: usize,
    pub(super) diagnostics: usize,
    pub(super) emails: usize,
}

/// What the readers found, before [`Collector::finish`] settled it: what [`reparse`](super::reparse)
/// needs to read only the lines an edit changed.
pub(super) struct Found {
    pub(super) records: Vec<Record>,
    /// The readers' own diagnostics, in the order they were found.
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) emails: Arc<str>,
    /// The index in `diagnostics` of the note that member statuses are ignored.
    pub(super) noted: Option<usize>,
}

impl Found {
    /// How much the lines before `at`, a line start, gave. A record and a diagnostic always lie
    /// within the line they were read from, and lines are read in order, so both are sorted by
    /// line; the emails are in the order of their records.
    pub(super) fn before(&self, at: usize) -> Counts {
        let records = self.records.partition_point(|r| r.span.start < at);
        let diagnostics = self.diagnostics.partition_point(|d| d.span.start < at);
        let emails =
            self.records[records..].iter().find_map(|r| r.email.as_ref().map(|e| e.start)).unwrap_or(self.emails.len());
        Counts { records, diagnostics, emails }
    }
}

impl std::fmt::Debug for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Found")
            .field("records", &self.records.len())
            .field("diagnostics", &self.diagnostics.len())
            .finish()
    }
}

/// What [`Collector::finish`] settled: the accounts, the exclusions, every diagnostic, and for a
/// line-based reader what it found.
pub(crate) type Finished = (Arc<[Account]>, Vec<Excluded>, Vec<Diagnostic>, Option<Found>);

/// Collects records and diagnostics from a reader, then settles them in [`Collector::finish`].
#[derive(Debug)]
pub(crate) struct Collector<'i> {
    input: &'i str,
    options: &'i Options,
    diagnostics: Vec<Diagnostic>,
    records: Vec<Record>,
    /// Every email, one after the other: one buffer instead of an allocation per email.
    emails: String,
    line_index: Option<LineIndex>,
    /// The index in `diagnostics` of the note that member statuses are ignored (once per input).
    noted: Option<usize>,
}

impl<'i> Collector<'i> {
    pub(crate) fn new(input: &'i str, options: &'i Options, diagnostics: Vec<Diagnostic>) -> Collector<'i> {
        // Not sized up front: measured, a fresh multi-megabyte allocation per parse faults in every
        // page and was 50% slower than letting the vectors grow.
        Collector {
            input,
            options,
            diagnostics,
            records: Vec::new(),
            emails: String::new(),
            line_index: None,
            noted: None,
        }
    }

    /// A collector that has read the lines of `found` before `at` (a line start), in an input
    /// whose text is the same up to there.
    pub(super) fn resumed(input: &'i str, options: &'i Options, found: &Found, at: usize) -> Collector<'i> {
        let counts = found.before(at);
        Collector {
            input,
            options,
            diagnostics: found.diagnostics[..counts.diagnostics].to_vec(),
            records: found.records[..counts.records].to_vec(),
            emails: found.emails[..counts.emails].to_owned(),
            line_index: None,
            noted: found.noted.filter(|&i| i < counts.diagnostics),
        }
    }

    /// Appends what the lines of `found` from `at` (a line start) on gave, moved by `shift`.
    /// `None` when those lines would read differently here: the note about member statuses, made
    /// once per input, is made before them in one and not in the other.
    pub(super) fn append(&mut self, found: &Found, at: usize, shift: Shift) -> Option<()> {
        let counts = found.before(at);
        let noted_before = found.noted.is_some_and(|i| i < counts.diagnostics);
        if noted_before != self.noted.is_some() {
            return None;
        }
        let diagnostics = Shift { old: counts.diagnostics, new: self.diagnostics.len() };
        let emails = Shift { old: counts.emails, new: self.emails.len() };
        if let Some(noted) = found.noted.filter(|&i| i >= counts.diagnostics) {
            self.noted = Some(diagnostics.at(noted));
        }
        self.diagnostics.extend(found.diagnostics[counts.diagnostics..].iter().map(|d| shift.diagnostic(d)));
        self.records.extend(found.records[counts.records..].iter().map(|r| r.shifted(shift, emails)));
        self.emails.push_str(&found.emails[counts.emails..]);
        Some(())
    }

    pub(crate) fn input(&self) -> &'i str {
        self.input
    }

    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Reports, once per input, that member statuses of GuardDuty, Detective or Security Hub were
    /// read and ignored. Readers that recognize a member list by its shape say so here.
    pub(crate) fn note_member_list(&mut self, span: Span, message: String) {
        if self.noted.is_none() {
            self.noted = Some(self.diagnostics.len());
            self.push(Diagnostic::new(Code::MemberList, span, message));
        }
    }

    /// Records one account from its fields. A record without an ID field is reported: as a
    /// missing ID when it has an email, else as an unreadable line.
    pub(crate) fn account(
        &mut self,
        span: Span,
        id: Option<RawField<'_>>,
        email: Option<RawField<'_>>,
        status: Option<RawField<'_>>,
    ) {
        let before = self.diagnostics.len();
        let email = email.and_then(|field| self.read_email(field));
        let mut id_span = span;
        let id = match id {
            Some(field) => self.read_id(field, &mut id_span),
            None => {
                let message = match &email {
                    Some(email) => {
                        format!(
                            "expected an account ID with the email `{}`, found none",
                            quote(&self.emails[email.clone()])
                        )
                    }
                    None => format!("expected an account ID, found `{}`", quote(span.slice(self.input).trim())),
                };
                let code = if email.is_some() { Code::MissingAccountId } else { Code::UnreadableLine };
                self.push(Diagnostic::new(code, span, message));
                None
            }
        };
        let status = status.and_then(|field| {
            let cleaned = clean(field, "status", &mut self.diagnostics);
            let status = cleaned.text.trim().to_ascii_uppercase();
            if is_member_status(&status) {
                // `ENABLED`, `INVITED`: a member export's status, which says nothing about the
                // account in AWS Organizations.
                self.note_member_list(
                    cleaned.span,
                    format!(
                        "read `{}` as a member status of GuardDuty, Detective or Security Hub, not an AWS Organizations status: member statuses are ignored",
                        quote(&cleaned.text)
                    ),
                );
                return None;
            }
            Some(status)
        });
        let status = status.filter(|s| !s.is_empty() && s != "ACTIVE");
        let has_error = self.diagnostics[before..].iter().any(|d| d.severity() == Severity::Error);
        self.records.push(Record { span, id, id_span, email, status, has_error });
    }

    fn read_id(&mut self, field: RawField<'_>, id_span: &mut Span) -> Option<AccountId> {
        let cleaned = clean(field, "account ID", &mut self.diagnostics);
        let (mut text, mut span) = (&*cleaned.text, cleaned.span);
        if let Some(arn) = text.strip_prefix("arn:") {
            let Some((offset, account)) = arn_account(arn).map(|(at, account)| (at + 4, account)) else {
                *id_span = span;
                self.push(Diagnostic::new(
                    Code::InvalidAccountId,
                    span,
                    format!(
                        "expected an account ID or an ARN with one, found the ARN `{}`, which has no account",
                        quote(text)
                    ),
                ));
                return None;
            };
            // Point at the account inside the ARN when the ARN is byte for byte the input.
            let exact = self.input.get(span.start..span.end) == Some(text);
            let inner = if exact { Span::new(span.start + offset, span.start + offset + account.len()) } else { span };
            self.push(Diagnostic::new(
                Code::AccountFromArn,
                span,
                format!("read the account ID `{}` from the ARN `{}`", quote(account), quote(text)),
            ));
            (text, span) = (account, inner);
        }
        *id_span = span;
        *id_span = span;
        match id_shape(text) {
            IdShape::Valid(id) => Some(id),
            IdShape::Digits(n) => {
                self.wrong_length(text, n, span);
                None
            }
            IdShape::Decimal(digits) => {
                // Point at the decimals only when the value maps byte for byte onto the input.
                let decimal =
                    if span.len() == text.len() { Span::new(span.start + digits.len(), span.end) } else { span };
                self.push(Diagnostic::new(
                    Code::SpreadsheetDecimal,
                    decimal,
                    format!(
                        "removed `{}` that a spreadsheet added to the account ID `{}`; format the column as text",
                        quote(&text[digits.len()..]),
                        quote(&digits)
                    ),
                ));
                match digits.parse() {
                    Ok(id) => Some(id),
                    Err(_) => {
                        self.wrong_length(&digits, digits.len(), span);
                        None
                    }
                }
            }
            IdShape::Grouped(digits) => {
                self.push(Diagnostic::new(
                    Code::GroupedAccountId,
                    span,
                    format!("read the account ID `{}` as `{digits}`", quote(text)),
                ));
                digits.parse().ok()
            }
            IdShape::Scientific { digits } => {
                let diagnostic = match digits.filter(|d| d.len() <= 12) {
                    Some(digits) => {
                        let padded = format!("{digits:0>12}");
                        Diagnostic::new(
                            Code::ScientificNotation,
                            span,
                            format!("expected a 12-digit account ID, found `{}` in scientific notation; it reads as `{padded}`, but check it against the source", quote(text)),
                        )
                        .with_fix(padded)
                    }
                    None => Diagnostic::new(
                        Code::ScientificNotation,
                        span,
                        format!(
                            "expected a 12-digit account ID, found `{}` in scientific notation, which lost digits; copy the ID again from its source with the column formatted as text",
                            quote(text)
                        ),
                    ),
                };
                self.push(diagnostic);
                None
            }
            IdShape::Other => {
                let message = if text.is_empty() {
                    "expected a 12-digit account ID, found an empty field".to_owned()
                } else if let Some(odd) = text.chars().find(|&c| !c.is_ascii_graphic() && c != ' ') {
                    format!(
                        "expected a 12-digit account ID, found `{}`, which contains {}",
                        quote(text),
                        crate::diagnostic::char_name(odd)
                    )
                } else {
                    format!("expected a 12-digit account ID, found `{}`", quote(text))
                };
                self.push(Diagnostic::new(Code::InvalidAccountId, span, message));
                None
            }
        }
    }

    fn wrong_length(&mut self, digits: &str, n: usize, span: Span) {
        let diagnostic = match n {
            11 => Diagnostic::new(
                Code::LostLeadingZero,
                span,
                format!("expected a 12-digit account ID, found 11 digits in `{digits}`; a leading zero was probably lost (spreadsheets drop them): `0{digits}`"),
            )
            .with_fix(format!("0{digits}")),
            10 => Diagnostic::new(
                Code::InvalidAccountId,
                span,
                format!("expected a 12-digit account ID, found 10 digits in `{digits}`; if leading zeros were dropped it is `00{digits}`"),
            )
            .with_fix(format!("00{digits}")),
            _ => Diagnostic::new(Code::InvalidAccountId, span, format!("expected a 12-digit account ID, found {n} digits in `{}`", quote(digits))),
        };
        self.push(diagnostic);
    }

    fn read_email(&mut self, field: RawField<'_>) -> Option<Range<usize>> {
        let mut cleaned = clean(field, "email", &mut self.diagnostics);
        if cleaned.text.is_empty() {
            return None;
        }
        if let Some((name, address, offset)) = display_name(&cleaned.text) {
            let exact = self.input.get(cleaned.span.start..cleaned.span.end) == Some(&*cleaned.text);
            let span = cleaned.span;
            let message = if name.is_empty() {
                Diagnostic::new(
                    Code::QuotesRemoved,
                    span,
                    format!("removed the angle brackets <…> around the email `{}`", quote(address)),
                )
            } else {
                Diagnostic::new(
                    Code::DisplayName,
                    span,
                    format!(
                        "used the address `{}` in the angle brackets; the name `{}` before it is dropped",
                        quote(address),
                        quote(name)
                    ),
                )
            };
            self.push(message);
            let inner = if exact { Span::new(span.start + offset, span.start + offset + address.len()) } else { span };
            cleaned = super::clean::Cleaned { text: std::borrow::Cow::Owned(address.to_owned()), span: inner };
        }
        let mut accepted = true;
        for service in self.options.services.iter() {
            if let Err(problem) = check_email(&cleaned.text, service) {
                let mut diagnostic = Diagnostic::new(Code::InvalidEmail, cleaned.span, problem.message);
                if let Some(fix) =
                    problem.fix.filter(|fix| self.options.services.iter().all(|s| check_email(fix, s).is_ok()))
                {
                    diagnostic = diagnostic.with_fix(fix);
                }
                self.push(diagnostic);
                accepted = false;
                break;
            }
        }
        // The services' own rules take `ops@example..com`; no mail can reach it.
        if accepted
            && let Some(at) = cleaned.text.rfind('@')
            && cleaned.text[at..].contains("..")
        {
            let domain = &cleaned.text[at + 1..];
            let mut joined = domain.to_owned();
            while joined.contains("..") {
                joined = joined.replace("..", ".");
            }
            let fixed = format!("{}@{joined}", &cleaned.text[..at]);
            let mut diagnostic = Diagnostic::new(
                Code::UndeliverableEmail,
                cleaned.span,
                format!(
                    "the domain `{}` has an empty part between two dots: no mail can reach it, so an invitation \
                     would not arrive and a verification would fail",
                    quote(domain)
                ),
            );
            if self.options.services.iter().all(|s| check_email(&fixed, s).is_ok()) {
                diagnostic = diagnostic.with_fix(fixed);
            }
            self.push(diagnostic);
        }
        let start = self.emails.len();
        self.emails.push_str(&cleaned.text);
        Some(start..self.emails.len())
    }

    fn line(&mut self, offset: usize) -> usize {
        let input = self.input;
        self.line_index.get_or_insert_with(|| LineIndex::new(input)).line(offset)
    }

    /// Settles duplicates, exclusions, missing emails and quotas. `line_based`: each record is a
    /// line of its own, so a conflicting duplicate can be fixed by deleting the other lines. `keep`
    /// (line-based only): what the reader found is returned too, for [`reparse`](super::reparse).
    pub(crate) fn finish(mut self, line_based: bool, keep: bool) -> Finished {
        let records = std::mem::take(&mut self.records);
        let found_diagnostics = (line_based && keep).then(|| self.diagnostics.clone());
        let mut excluded = Vec::new();
        // Index of the first record of each ID, and the first records whose IDs have conflicting
        // emails (rare, so the common case never looks a second time).
        let mut first: FxHashMap<AccountId, usize> =
            FxHashMap::with_capacity_and_hasher(records.len(), Default::default());
        let mut conflicts: rustc_hash::FxHashSet<usize> = rustc_hash::FxHashSet::default();
        let mut order = Vec::with_capacity(records.len());
        // An email a repeat lends to a first occurrence that had none (rare).
        let mut adopted: FxHashMap<usize, Range<usize>> = FxHashMap::default();
        // The repeats of each first record (duplicates only), and each conflict diagnostic with
        // its record and first record, for the "keep this one" fixes.
        let mut repeats = Repeats::default();
        let mut keep: Vec<(usize, usize, usize)> = Vec::new();
        let pool: Arc<str> = Arc::from(std::mem::take(&mut self.emails));
        let text = |range: &Range<usize>| pool.get(range.clone()).unwrap_or("");
        for (index, record) in records.iter().enumerate() {
            let Some(id) = record.id else { continue };
            if Some(id) == self.options.admin_account {
                self.push(Diagnostic::new(
                    Code::OwnAccount,
                    record.id_span,
                    format!("account {id} is the administrator account; an administrator cannot be its own member, so it is not sent"),
                ));
                excluded.push(Excluded {
                    account_id: id,
                    email: record.email.as_ref().map(|r| text(r).to_owned()),
                    span: record.span,
                    reason: Exclusion::OwnAccount,
                });
                continue;
            }
            if let Some(status) = &record.status {
                self.push(Diagnostic::new(
                    Code::InactiveAccount,
                    record.id_span,
                    format!("account {id} is {status} in AWS Organizations, so it is not sent; only ACTIVE accounts can become members"),
                ));
                excluded.push(Excluded {
                    account_id: id,
                    email: record.email.as_ref().map(|r| text(r).to_owned()),
                    span: record.span,
                    reason: Exclusion::Inactive { status: status.clone() },
                });
                continue;
            }
            let head = match first.entry(id) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(index);
                    order.push(index);
                    continue;
                }
                std::collections::hash_map::Entry::Occupied(slot) => *slot.get(),
            };
            repeats.push(head, index, records.len());
            let head_line = self.line(records[head].span.start);
            let head_email = records[head].email.as_ref().or_else(|| adopted.get(&head));
            match (head_email.map(text), record.email.as_ref().map(text)) {
                (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b) => {
                    if conflicts.insert(head) {
                        let line = self.line(record.span.start);
                        keep.push((self.diagnostics.len(), head, head));
                        self.push(Diagnostic::new(
                            Code::ConflictingDuplicate,
                            records[head].id_span,
                            format!("account {id} appears again on line {line} with another email (`{}` here, `{}` there); keep one", quote(a), quote(b)),
                        ));
                    }
                    keep.push((self.diagnostics.len(), index, head));
                    self.push(Diagnostic::new(
                        Code::ConflictingDuplicate,
                        record.id_span,
                        format!("account {id} already appears on line {head_line} with another email (`{}` there, `{}` here); keep one", quote(a), quote(b)),
                    ));
                }
                _ => {
                    self.push(Diagnostic::new(
                        Code::DuplicateMerged,
                        record.id_span,
                        format!("account {id} already appears on line {head_line}; this line is merged into it"),
                    ));
                    // A repeat whose own email is wrong lends nothing; its line shows the error.
                    if let (None, Some(email), false) = (head_email, &record.email, record.has_error) {
                        adopted.insert(head, email.clone());
                    }
                }
            }
        }
        for (diagnostic, own, head) in keep {
            let mut others = vec![head];
            let mut at = head;
            while let Some(&next) = repeats.next.get(at).filter(|&&n| n != usize::MAX) {
                others.push(next);
                at = next;
                if others.len() > MAX_KEEP_LINES {
                    break;
                }
            }
            // One account on hundreds of lines is not a choice to offer line by line (and each
            // diagnostic walking all of them would make the check quadratic on every keystroke).
            if others.len() > MAX_KEEP_LINES {
                continue;
            }
            let spans: Vec<Span> = others.into_iter().filter(|&i| i != own).map(|i| records[i].span).collect();
            if line_based
                && let Some(remove) = lines_to_remove(self.input, records[own].span, &spans)
                && let Some(d) = self.diagnostics.get_mut(diagnostic)
            {
                let replacement = d.span.slice(self.input).to_owned();
                d.fix = Some(Fix { replacement, remove });
            }
        }
        let organization_mode = self.options.organization_mode;
        let needs_email = self.options.services.iter().find(|s| s.requires_email(organization_mode));
        // First the records that become accounts, then the accounts in one exact-size allocation.
        let mut sent = Vec::with_capacity(order.len());
        for index in order {
            let record = &records[index];
            let Some(id) = record.id else { continue };
            if record.has_error || (!conflicts.is_empty() && conflicts.contains(&index)) {
                continue;
            }
            let email = adopted.remove(&index).or_else(|| record.email.clone());
            if email.is_none()
                && let Some(service) = needs_email
            {
                let why = match service {
                    Service::Detective => {
                        "Detective invites members by email unless the behavior graph uses organization mode"
                    }
                    _ => "GuardDuty invites members by email",
                };
                let span = record.span;
                self.push(Diagnostic::new(
                    Code::MissingEmail,
                    span,
                    format!("expected an email for account {id}, found none; {why}"),
                ));
                continue;
            }
            sent.push((id, email, record.span));
        }
        let accounts: Arc<[Account]> = sent
            .into_iter()
            .map(|(id, email, span)| Account::new(id, email.map(|r| SharedStr::new(&pool, r)), span))
            .collect();
        for service in self.options.services.iter() {
            self.check_quota(service, &accounts);
        }
        let found =
            found_diagnostics.map(|diagnostics| Found { records, diagnostics, emails: pool, noted: self.noted });
        (accounts, excluded, self.diagnostics, found)
    }

    fn check_quota(&mut self, service: Service, accounts: &[Account]) {
        let quota = service.member_quota();
        let Some(past) = accounts.get(quota) else {
            return;
        };
        let per = service.quota_unit();
        self.push(Diagnostic::new(
            Code::QuotaExceeded,
            past.span(),
            format!(
                "{} allows {} {per}, found {} accounts; from this one on they will come back as over the quota",
                service.display_name(),
                crate::diagnostic::thousands(quota),
                crate::diagnostic::thousands(accounts.len())
            ),
        ));
    }
}

/// The account in an ARN without its `arn:` prefix: the account field
/// (`aws:iam::444455556666:root`), or for an AWS Organizations account ARN the account in its path
/// (`aws:organizations::111111111111:account/o-…/444455556666`, where the account field is the
/// management account). Returns the byte offset of the account in `arn` and the account, or
/// `None` when the ARN names no account (`aws:s3:::bucket`) or no member account (an OU).
fn arn_account(arn: &str) -> Option<(usize, &str)> {
    let mut parts = arn.splitn(5, ':');
    let (_partition, service, _region, account) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let resource = parts.next()?;
    let resource_at = arn.len() - resource.len();
    if service == "organizations" {
        // Only an account ARN names a member; the account field of every Organizations ARN (an
        // OU, a root, a policy) is the management account.
        let path = resource.strip_prefix("account/")?;
        let last = path.rsplit('/').next().filter(|last| !last.is_empty() && path.contains('/'))?;
        return Some((arn.len() - last.len(), last));
    }
    let account_at = resource_at - 1 - account.len();
    (!account.is_empty()).then_some((account_at, account))
}

/// `Cloud Ops <cloud-ops@example.net>` or `"Audit Root" <audit.root@example.net>`: the name
/// (without its quotes), the address, and the byte offset of the address in `text`.
fn display_name(text: &str) -> Option<(&str, &str, usize)> {
    let body = text.strip_suffix('>')?;
    let open = body.rfind('<')?;
    let address = &body[open + 1..];
    if !address.contains('@') || address.contains(['<', '>']) {
        return None;
    }
    let name = body[..open].trim();
    let name = name.strip_prefix('"').and_then(|n| n.strip_suffix('"')).unwrap_or(name).trim();
    Some((name, address, open + 1))
}

/// Statuses of members in GuardDuty (`RelationshipStatus`), Detective (`Status`) and Security Hub
/// (`MemberStatus`), in capitals. None of them is an AWS Organizations status.
fn is_member_status(status: &str) -> bool {
    matches!(
        status,
        "CREATED"
            | "INVITED"
            | "ENABLED"
            | "DISABLED"
            | "REMOVED"
            | "RESIGNED"
            | "DELETED"
            | "EMAILVERIFICATIONINPROGRESS"
            | "EMAILVERIFICATIONFAILED"
            | "REGIONDISABLED"
            | "ACCOUNTSUSPENDED"
            | "VERIFICATION_IN_PROGRESS"
            | "VERIFICATION_FAILED"
            | "ACCEPTED_BUT_DISABLED"
            | "ASSOCIATED"
    )
}

/// The most lines of one account that "keep this one" is offered for.
const MAX_KEEP_LINES: usize = 50;

/// Each first record's repeats, as a chain through the records (allocated at the first repeat):
/// `next[i]` is the next record of `i`'s account, `usize::MAX` after the last.
#[derive(Default)]
struct Repeats {
    next: Vec<usize>,
    last: Vec<usize>,
}

impl Repeats {
    fn push(&mut self, head: usize, index: usize, records: usize) {
        if self.next.is_empty() {
            self.next = vec![usize::MAX; records];
            self.last = vec![usize::MAX; records];
        }
        let tail = if self.last[head] == usize::MAX { head } else { self.last[head] };
        self.next[tail] = index;
        self.last[head] = index;
    }
}

/// The whole lines (each with its line break) holding the records `others`, merged, for "keep
/// this one": `None` when a record shares its line with anything else — another record, the
/// record to keep, a JSON comma — or spans lines, since deleting its line would break something.
fn lines_to_remove(input: &str, keep: Span, others: &[Span]) -> Option<Vec<Span>> {
    let mut lines = Vec::with_capacity(others.len());
    for span in others {
        let text = input.get(span.start..span.end)?;
        if text.contains('\n') {
            return None;
        }
        let start = input[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let end = input[span.end..].find('\n').map_or(input.len(), |i| span.end + i);
        if !input[start..span.start].trim().is_empty() || !input[span.end..end].trim().is_empty() {
            return None;
        }
        let line = if end < input.len() {
            Span::new(start, end + 1)
        } else if start > 0 {
            // The last line has no break of its own: take the one before it.
            let before = if input[..start - 1].ends_with('\r') { start - 2 } else { start - 1 };
            Span::new(before, end)
        } else {
            Span::new(start, end)
        };
        if line.start < keep.end && keep.start < line.end {
            return None;
        }
        lines.push(line);
    }
    // Records are in input order, and so are their lines.
    let mut merged: Vec<Span> = Vec::with_capacity(lines.len());
    for line in lines {
        match merged.last_mut() {
            Some(last) if line.start <= last.end => last.end = last.end.max(line.end),
            _ => merged.push(line),
        }
    }
    (!merged.is_empty()).then_some(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_account_of_an_arn() {
        let cases = [
            ("aws:iam::444455556666:root", Some("444455556666")),
            ("aws:organizations::111111111111:account/o-exampleorgid/444455556666", Some("444455556666")),
            ("aws:organizations::111111111111:ou/o-exampleorgid/ou-ab12-cdef3456", None),
            ("aws-us-gov:sts::444455556666:assumed-role/Admin/me", Some("444455556666")),
            ("aws:s3:::my-bucket", None),
            ("aws:iam::", None),
            ("", None),
        ];
        for (arn, expected) in cases {
            let found = arn_account(arn);
            assert_eq!(found.map(|(_, a)| a), expected, "{arn}");
            if let Some((at, account)) = found {
                assert_eq!(&arn[at..at + account.len()], account);
            }
        }
    }

    #[test]
    fn splits_display_names() {
        assert_eq!(display_name("Cloud Ops <ops@example.net>"), Some(("Cloud Ops", "ops@example.net", 11)));
        assert_eq!(display_name("\"Audit Root\" <a@example.net>"), Some(("Audit Root", "a@example.net", 14)));
        assert_eq!(display_name("<a@example.net>"), Some(("", "a@example.net", 1)));
        assert_eq!(display_name("a@example.net"), None);
        assert_eq!(display_name("<no-at>"), None);
    }
}
