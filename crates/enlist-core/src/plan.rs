//! The planning layer: every rule of a run written once, for the CLI, the browser and the
//! JavaScript bindings. A [`Plan`] is a checked list and where it goes; it gives the exact
//! requests for a preview or a dry run, and starts the [`Run`].

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::account::{Account, AccountId};
use crate::batch::{Batch, chunk_unique};
use crate::diagnostic::{Code, Fix, Severity};
use crate::engine::{Millis, Run, RunConfig, Skipped};
use crate::parse::{Exclusion, Parsed};
use crate::span::Span;
use crate::target::{Destination, Target};
use crate::wire::{self, Request};

/// What the user chose about a list that is not perfect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Policy {
    /// Send the valid accounts of a list that has errors; the lines with errors are skipped and
    /// reported with the outcomes.
    pub skip_invalid: bool,
}

/// Why a list cannot be sent as planned. Each says what was expected and what was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// No destination at all.
    NoDestination,
    /// Every destination is unavailable.
    NothingReachable(Vec<String>),
    /// No account to send.
    NoAccounts,
    /// The list has errors and skipping them was not chosen.
    Errors(usize),
    /// The same service and region twice.
    Repeated(String),
    /// A destination needs emails an account does not have.
    MissingEmail {
        /// The first account without one.
        account: AccountId,
        /// The destination, such as `guardduty us-east-1`.
        destination: String,
    },
    /// The administrator's own account is in the list (it cannot be its own member).
    Administrator(AccountId),
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::NoDestination => f.write_str(
                "expected at least one destination (a detector or a behavior graph in a region), found none",
            ),
            PlanError::NothingReachable(reasons) => {
                write!(f, "expected at least one destination that can be used, found none: {}", reasons.join("; "))
            }
            PlanError::NoAccounts => f.write_str("expected at least one account to send, found none"),
            PlanError::Errors(1) => f.write_str("expected a list without errors, found 1; fix it or skip that line"),
            PlanError::Errors(n) => write!(
                f,
                "expected a list without errors, found {}; fix them or skip those lines",
                crate::diagnostic::thousands(*n)
            ),
            PlanError::Repeated(label) => write!(f, "expected each service and region once, found {label} twice"),
            PlanError::MissingEmail { account, destination } => {
                write!(f, "expected an email for account {account} to send it to {destination}, found none")
            }
            PlanError::Administrator(account) => write!(
                f,
                "expected member accounts, found the administrator account {account} itself; leave it out of the list"
            ),
        }
    }
}

impl std::error::Error for PlanError {}

/// The planned requests as JSON, the same from every frontend: `[{"service", "region", "method",
/// "path" (on the proxy), "body" (the JSON object), "bodyText" (the exact bytes sent)}]`, one per
/// batch per usable destination.
pub fn requests_json(requests: &[PlannedRequest]) -> String {
    let list: Vec<serde_json::Value> = requests
        .iter()
        .map(|p| {
            let body = p.request.body.as_deref().and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok());
            serde_json::json!({
                "service": p.request.operation.service().as_str(),
                "region": p.request.region.as_str(),
                "method": p.request.method.as_str(),
                "path": p.request.proxy_path(),
                "body": body,
                "bodyText": p.request.body,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".to_owned());
    text.push('\n');
    text
}

/// One request of a plan, for a preview: the destination and batch it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedRequest {
    /// Index into [`Plan::destinations`].
    pub destination: usize,
    /// Index into [`Plan::batches`].
    pub batch: usize,
    /// The request.
    pub request: Request,
}

/// A checked list and where it goes.
#[derive(Clone, Debug)]
pub struct Plan {
    parsed: Parsed,
    destinations: Vec<Destination>,
    skipped: Vec<Skipped>,
}

impl Plan {
    /// Checks every precondition of a run once: at least one destination and one account, no
    /// destination twice, errors in the list only when skipping them was chosen, an email for
    /// every account where the service needs one, the administrator not in the list.
    pub fn new(parsed: &Parsed, destinations: Vec<Destination>, policy: Policy) -> Result<Plan, PlanError> {
        if destinations.is_empty() {
            return Err(PlanError::NoDestination);
        }
        for (i, destination) in destinations.iter().enumerate() {
            if destinations[..i]
                .iter()
                .any(|d| d.service() == destination.service() && d.region() == destination.region())
            {
                return Err(PlanError::Repeated(destination.label()));
            }
        }
        let targets: Vec<&Target> = destinations.iter().filter_map(Destination::target).collect();
        if targets.is_empty() {
            let reasons = destinations
                .iter()
                .map(|d| match d {
                    Destination::Unavailable { unreachable, .. } => {
                        format!("{} {}: {}", d.service().display_name(), d.region(), unreachable.describe())
                    }
                    Destination::Target(_) => d.label(),
                })
                .collect();
            return Err(PlanError::NothingReachable(reasons));
        }
        let errors = parsed.summary().errors;
        if errors > 0 && !policy.skip_invalid {
            return Err(PlanError::Errors(errors));
        }
        if parsed.accounts.is_empty() {
            return Err(PlanError::NoAccounts);
        }
        for target in &targets {
            if let Some(admin) = target.administrator()
                && parsed.accounts.iter().any(|a| a.id() == admin)
            {
                return Err(PlanError::Administrator(admin));
            }
            if target.needs_email()
                && let Some(account) = parsed.accounts.iter().find(|a| a.email().is_none())
            {
                return Err(PlanError::MissingEmail { account: account.id(), destination: target.label() });
            }
        }
        Ok(Plan { skipped: skipped_lines(parsed), parsed: parsed.clone(), destinations })
    }

    /// Where the accounts go, unavailable destinations included.
    pub fn destinations(&self) -> &[Destination] {
        &self.destinations
    }

    /// The accounts to send, in input order.
    pub fn accounts(&self) -> &[Account] {
        &self.parsed.accounts
    }

    /// The batches of at most 50 accounts.
    pub fn batches(&self) -> &[Batch] {
        &self.parsed.batches
    }

    /// Input lines that are not sent, and why.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// The list.
    pub fn parsed(&self) -> &Parsed {
        &self.parsed
    }

    /// Every CreateMembers request the plan makes when no account is a member yet: one per batch
    /// per destination that can be used, destinations in order. A run reads first and sends only
    /// what is missing, so it sends these or fewer.
    pub fn requests(&self) -> Vec<PlannedRequest> {
        let mut requests = Vec::new();
        for (destination, target) in self.destinations.iter().enumerate() {
            let Some(target) = target.target() else { continue };
            for (batch, accounts) in self.parsed.batches.iter().enumerate() {
                requests.push(PlannedRequest {
                    destination,
                    batch,
                    request: wire::create_members(target, accounts.accounts()),
                });
            }
        }
        requests
    }

    /// The CreateMembers of one batch to one destination (a preview shows one at a time), if that
    /// destination can be used and the batch exists.
    pub fn request(&self, destination: usize, batch: usize) -> Option<PlannedRequest> {
        let target = self.destinations.get(destination)?.target()?;
        let accounts = self.parsed.batches.get(batch)?;
        Some(PlannedRequest { destination, batch, request: wire::create_members(target, accounts.accounts()) })
    }

    /// How many requests [`Plan::requests`] gives, without building them.
    pub fn request_count(&self) -> usize {
        self.destinations.iter().filter(|d| d.target().is_some()).count() * self.parsed.batches.len()
    }

    /// What is left of this plan once earlier runs are counted, so that sending a changed list
    /// again sends only what is new and the earlier outcomes stay as they were: the destinations
    /// where some account is not `covered`, the accounts not covered on one of those, and the
    /// skipped lines not `reported` before. `None` when nothing is left to send (no account, or
    /// no destination left that can be used).
    pub fn remaining(
        &self,
        covered: impl Fn(&Destination, AccountId) -> bool,
        reported: impl Fn(&Skipped) -> bool,
    ) -> Option<Plan> {
        let accounts = &self.parsed.accounts;
        let destinations: Vec<Destination> =
            self.destinations.iter().filter(|d| accounts.iter().any(|a| !covered(d, a.id()))).cloned().collect();
        if !destinations.iter().any(|d| d.target().is_some()) {
            return None;
        }
        let left: Arc<[Account]> =
            accounts.iter().filter(|a| destinations.iter().any(|d| !covered(d, a.id()))).cloned().collect();
        let mut parsed = self.parsed.clone();
        parsed.batches = chunk_unique(&left);
        parsed.accounts = left;
        let skipped = self.skipped.iter().filter(|s| !reported(s)).cloned().collect();
        Some(Plan { parsed, destinations, skipped })
    }

    /// Starts the run at `now` (the caller's wall clock).
    pub fn start(&self, config: RunConfig, now: Millis) -> Run {
        let lines = self.parsed.accounts.iter().map(|a| self.parsed.line_index.line(a.span().start)).collect();
        let mut run = Run::build(
            self.destinations.clone(),
            self.parsed.accounts.to_vec(),
            lines,
            self.skipped.clone(),
            &self.parsed.batches,
            config,
            now,
        );
        run.journal_plan();
        run
    }
}

/// The lines of the list that carry an error, and the excluded accounts, with their reasons and
/// what could be read of them.
fn skipped_lines(parsed: &Parsed) -> Vec<Skipped> {
    let input = parsed.text();
    let mut skipped: Vec<Skipped> = Vec::new();
    let text_of = |line: usize| {
        let text = parsed.line_index.line_span(input, line).map_or("", |s| s.slice(input)).trim();
        text.chars().take(200).collect::<String>()
    };
    for diagnostic in parsed.diagnostics.iter().filter(|d| d.severity() == Severity::Error) {
        let line = parsed.line_index.line(diagnostic.span.start);
        let field = diagnostic.span.slice(input).trim().trim_matches('"').to_owned();
        let (account, email) = match diagnostic.code {
            Code::InvalidAccountId | Code::LostLeadingZero | Code::ScientificNotation => (Some(field), None),
            Code::InvalidEmail => (None, Some(field)),
            _ => (None, None),
        };
        if let Some(last) = skipped.last_mut().filter(|s| s.line == line) {
            last.account = last.account.take().or(account);
            last.email = last.email.take().or(email);
            continue;
        }
        let text = text_of(line);
        // A line skipped for its email still names its account: the first 12-digit number on it.
        let account =
            account.or_else(|| text.split(|c: char| !c.is_ascii_digit()).find(|t| t.len() == 12).map(str::to_owned));
        skipped.push(Skipped {
            line,
            text,
            account,
            email,
            reason: format!("{}: {}", diagnostic.code, diagnostic.message),
        });
    }
    for excluded in &parsed.excluded {
        let line = parsed.line_index.line(excluded.span.start);
        let reason = match &excluded.reason {
            Exclusion::OwnAccount => "the administrator account itself".to_owned(),
            Exclusion::Inactive { status } => format!("{status} in AWS Organizations"),
        };
        skipped.push(Skipped {
            line,
            text: text_of(line),
            account: Some(excluded.account_id.to_string()),
            email: excluded.email.clone(),
            reason: format!("{}{reason}", Skipped::EXCLUDED),
        });
    }
    skipped.sort_by_key(|s| s.line);
    skipped
}

/// The text with every suggested repair applied, from the end backwards so the spans stay valid;
/// fixes whose spans overlap a later one are left for the next check. Choices ("keep this one")
/// are not repairs and are left out.
pub fn apply_fixes(parsed: &Parsed) -> String {
    let mut fixes: Vec<(usize, usize, &str)> = parsed
        .diagnostics
        .iter()
        .filter_map(|d| {
            d.fix.as_ref().filter(|f| !f.is_choice()).map(|f| (d.span.start, d.span.end, f.replacement.as_str()))
        })
        .collect();
    fixes.sort_by_key(|f| std::cmp::Reverse(f.0));
    let mut fixed = parsed.text().to_owned();
    let mut limit = usize::MAX;
    for (start, end, replacement) in fixes {
        if end <= limit && start <= end && fixed.is_char_boundary(start) && fixed.is_char_boundary(end) {
            fixed.replace_range(start..end, replacement);
            limit = start;
        }
    }
    fixed
}

/// Applies one fix of a diagnostic on `span`: the text with the span replaced and the fix's lines
/// removed, if every one of them is still on the text and none overlap.
pub fn apply_fix(parsed: &Parsed, span: Span, fix: &Fix) -> Option<String> {
    let text = parsed.text();
    let mut edits: Vec<(Span, &str)> = Vec::with_capacity(1 + fix.remove.len());
    edits.push((span, fix.replacement.as_str()));
    edits.extend(fix.remove.iter().map(|&line| (line, "")));
    edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    let mut fixed = text.to_owned();
    let mut limit = text.len();
    for (span, replacement) in edits {
        if span.end > limit
            || span.start > span.end
            || !text.is_char_boundary(span.start)
            || !text.is_char_boundary(span.end)
        {
            return None;
        }
        fixed.replace_range(span.start..span.end, replacement);
        limit = span.start;
    }
    Some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Options, parse};
    use crate::target::{Invitation, Unreachable};

    fn destinations() -> Vec<Destination> {
        let invitation = Invitation::new(None, false);
        let guardduty = |region: &str| {
            Destination::Target(
                Target::guardduty(
                    region.parse().unwrap(),
                    "12abc34d567e8fa901bc2d34e56789f0".parse().unwrap(),
                    invitation.clone(),
                )
                .unwrap(),
            )
        };
        vec![
            guardduty("us-east-1"),
            guardduty("eu-west-1"),
            Destination::Unavailable {
                service: crate::Service::GuardDuty,
                region: "me-south-1".parse().unwrap(),
                unreachable: Unreachable::NotEnabled,
            },
        ]
    }

    /// `sent` lists `destination label/account` pairs an earlier run covered; the answer is the
    /// destinations and accounts left, or `None`.
    fn check(sent: &[&str], reported: &[usize], expect: Option<(&[&str], &[&str], &[usize])>) {
        let text =
            "111122223333,a@example.com\n444455556666,b@example.com\n12,c@example.com\n777788889999,d@example.com\n";
        let plan = Plan::new(&parse(text, &Options::default()), destinations(), Policy { skip_invalid: true }).unwrap();
        let left = plan
            .remaining(|d, a| sent.contains(&format!("{}/{a}", d.label()).as_str()), |s| reported.contains(&s.line));
        let got = left.as_ref().map(|p| {
            (
                p.destinations().iter().map(Destination::label).collect::<Vec<_>>(),
                p.accounts().iter().map(|a| a.id().to_string()).collect::<Vec<_>>(),
                p.skipped().iter().map(|s| s.line).collect::<Vec<_>>(),
            )
        });
        let expect = expect.map(|(d, a, s)| {
            (
                d.iter().map(|d| (*d).to_owned()).collect::<Vec<_>>(),
                a.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(),
                s.to_vec(),
            )
        });
        assert_eq!(got, expect, "sent {sent:?}");
        if let Some(left) = left {
            assert_eq!(left.batches().iter().map(|b| b.accounts().len()).sum::<usize>(), left.accounts().len());
            assert_eq!(
                left.request_count(),
                left.batches().len() * left.destinations().iter().filter(|d| d.target().is_some()).count()
            );
        }
    }

    #[test]
    fn remaining_after_earlier_runs() {
        let all = ["guardduty us-east-1", "guardduty eu-west-1", "guardduty me-south-1"];
        let accounts = ["111122223333", "444455556666", "777788889999"];
        let every: Vec<String> = all.iter().flat_map(|d| accounts.iter().map(move |a| format!("{d}/{a}"))).collect();
        let every: Vec<&str> = every.iter().map(String::as_str).collect();
        // Nothing sent yet: the whole plan.
        check(&[], &[], Some((&all, &accounts, &[3])));
        // Everything sent and the skipped line reported: nothing left.
        check(&every, &[3], None);
        // One account is new: only it, to every destination; the skipped line was reported.
        let two: Vec<&str> = every.iter().copied().filter(|p| !p.ends_with("777788889999")).collect();
        check(&two, &[3], Some((&all, &["777788889999"], &[])));
        // A region was added: every account, to that region only.
        let one_region: Vec<&str> = every.iter().copied().filter(|p| !p.starts_with("guardduty eu-west-1")).collect();
        check(&one_region, &[3], Some((&["guardduty eu-west-1"], &accounts, &[])));
        // Only the unavailable region is left: nothing can be sent.
        let unavailable: Vec<&str> = every.iter().copied().filter(|p| !p.starts_with("guardduty me-south-1")).collect();
        check(&unavailable, &[], None);
    }

    /// The fixes of a text's diagnostics with `code`, each applied alone, by line.
    fn fixed(text: &str, code: Code) -> Vec<(usize, Option<String>)> {
        let parsed = parse(text, &Options::default());
        parsed
            .diagnostics
            .iter()
            .filter(|d| d.code == code)
            .map(|d| (parsed.line_index.line(d.span.start), d.fix.as_ref().and_then(|f| apply_fix(&parsed, d.span, f))))
            .collect()
    }

    #[test]
    fn keep_this_one_removes_the_other_lines_of_a_conflicting_duplicate() {
        let a = "111122223333,a@example.com";
        let b = "111122223333,b@example.com";
        let other = "444455556666,x@example.com";
        for end in ["\n", "\r\n", ""] {
            let text = format!("{a}\n{other}\n{b}{end}");
            let keep_a = format!("{a}\n{other}");
            assert_eq!(
                fixed(&text, Code::ConflictingDuplicate),
                [
                    (1, Some(if end.is_empty() { keep_a } else { format!("{keep_a}\n") })),
                    (3, Some(format!("{other}\n{b}{end}")))
                ],
                "{text:?}"
            );
        }
        // Three lines of one account, two of them with the same email: keeping one removes both others.
        let text = format!("{a}\n{b}\n{other}\n{a}\n");
        let fixes = fixed(&text, Code::ConflictingDuplicate);
        assert_eq!(fixes[1], (2, Some(format!("{b}\n{other}\n"))), "{fixes:?}");
        for (_, fix) in &fixes {
            let fixed = parse(fix.as_deref().unwrap(), &Options::default());
            assert!(fixed.diagnostics.iter().all(|d| d.code != Code::ConflictingDuplicate), "{fix:?}");
        }
        // "Apply all" makes no choice between lines.
        assert_eq!(apply_fixes(&parse(&text, &Options::default())), text);
        // One account on 51 lines with different emails: no line-by-line choice (and no quadratic work).
        let many: String = (0..51).map(|i| format!("111122223333,a{i}@example.com\n")).collect();
        let fixes = fixed(&many, Code::ConflictingDuplicate);
        assert_eq!(fixes.len(), 51);
        assert!(fixes.iter().all(|(_, fix)| fix.is_none()));
        let fifty: String = (0..50).map(|i| format!("111122223333,a{i}@example.com\n")).collect();
        assert!(fixed(&fifty, Code::ConflictingDuplicate).iter().all(|(_, fix)| fix.is_some()));
    }

    #[test]
    fn keep_this_one_is_not_offered_where_deleting_a_line_would_break_the_list() {
        // A JSON array: deleting a line would leave a dangling comma.
        let json = "[\n{\"Id\": \"111122223333\", \"Email\": \"a@example.com\"},\n{\"Id\": \"111122223333\", \"Email\": \"b@example.com\"}\n]";
        let fixes = fixed(json, Code::ConflictingDuplicate);
        assert_eq!(fixes.len(), 2, "{fixes:?}");
        assert!(fixes.iter().all(|(_, fix)| fix.is_none()), "{fixes:?}");
        // Both on one line of free text.
        let fixes = fixed("111122223333 a@example.com 111122223333 b@example.com", Code::ConflictingDuplicate);
        assert!(fixes.iter().all(|(_, fix)| fix.is_none()), "{fixes:?}");
    }

    #[test]
    fn a_space_in_an_emails_domain_has_a_fix() {
        let fixes = fixed("111122223333,ops@exa mple.com\n", Code::InvalidEmail);
        assert_eq!(fixes, [(1, Some("111122223333,ops@example.com\n".to_owned()))]);
    }
}
