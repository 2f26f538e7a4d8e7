//! The page's own rules as plain data, tested natively: where a run stands and what the Send
//! button would do, when the proxy counts as unreachable, how long a finished run is kept, how a
//! saved run is described, the region list's fix, and which discovery answers are about the
//! connection rather than a region. `state.rs` and `run.rs` keep these in signals and apply them.

use std::collections::HashSet;

use enlist_core::engine::{Millis, Progress, Run, Skipped};
use enlist_core::{AccountId, Destination, Region, Service, Unreachable, describe_counts, thousands};

/// Transport failures in a row, with no answer between them, after which a run pauses: the proxy
/// is taken to be unreachable and retrying on would only turn every row into a failure.
pub const PAUSE_AFTER: usize = 5;

/// How many days a finished run is kept in the browser unless `config.json` says otherwise.
pub const KEEP_RUNS_DAYS: u32 = 7;

const DAY_MS: Millis = 24 * 60 * 60 * 1_000;

/// Counts transport failures in a row; any HTTP answer, even an error, ends the streak.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Streak(usize);

impl Streak {
    /// Records one answer (`reached`: an HTTP answer came back) and says whether to pause now.
    pub fn record(&mut self, reached: bool) -> bool {
        self.0 = if reached { 0 } else { self.0 + 1 };
        self.0 >= PAUSE_AFTER
    }
}

/// Where a run stands, as the line at the Send button says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Requests are being sent or answers awaited.
    Sending,
    /// Stopped because the proxy could not be reached; resuming tries again what failed.
    Paused,
    /// Not finished and not being driven (a write to the browser's storage failed, or a run loaded
    /// from before a reload).
    Stopped,
    /// Cancelled by the user.
    Cancelled,
    /// Every outcome settled; `failures` of them could change with another try, and `short` more
    /// are neither invited nor enabled and another try would not change them (an email that
    /// failed verification, an account another administrator holds).
    Finished { failures: usize, short: usize },
}

impl Stage {
    /// The stage of a run from its progress and whether it is being driven or paused.
    pub fn of(progress: &Progress, done: bool, cancelled: bool, driving: bool, paused: bool) -> Stage {
        if paused && !driving {
            Stage::Paused
        } else if cancelled && done {
            Stage::Cancelled
        } else if done {
            let short = progress.accounts.saturating_sub(progress.good).saturating_sub(progress.retry);
            Stage::Finished { failures: progress.retry, short }
        } else if driving {
            Stage::Sending
        } else {
            Stage::Stopped
        }
    }

    /// `sending`, `paused`, … for the page's `data-stage`, so styles and tests can key on it.
    pub fn key(&self) -> &'static str {
        match self {
            Stage::Sending => "sending",
            Stage::Paused => "paused",
            Stage::Stopped => "stopped",
            Stage::Cancelled => "cancelled",
            Stage::Finished { failures: 0, short: 0 } => "finished",
            Stage::Finished { failures: 0, .. } => "attention",
            Stage::Finished { .. } => "failures",
        }
    }

    /// The headline: what is happening and what to do.
    pub fn headline(&self, progress: &Progress) -> String {
        let settled = format!("{} of {} outcomes settled", thousands(progress.done), thousands(progress.accounts));
        match self {
            Stage::Sending => {
                // Email verification can take minutes with nothing to send: say what is awaited.
                let watching: usize = progress.destinations.iter().map(|d| d.watching).sum();
                if watching > 0 {
                    format!(
                        "Sending: {settled}; {} waiting for the service to settle (an email is being verified, \
                         or the account has to accept)",
                        thousands(watching)
                    )
                } else {
                    format!("Sending: {settled}")
                }
            }
            Stage::Paused => format!(
                "Paused: the proxy could not be reached {PAUSE_AFTER} times in a row; {settled}. Nothing is lost: \
                 check that the proxy is running, then resume"
            ),
            Stage::Stopped => format!("Stopped before it finished: {settled}; resume to go on"),
            // Cancelled outcomes count as settled in `done`: the headline says what was reached.
            Stage::Cancelled => format!(
                "Cancelled: {} of {} outcomes invited or enabled; {} cut short or failed, to retry when you choose",
                thousands(progress.good),
                thousands(progress.accounts),
                thousands(progress.retry)
            ),
            Stage::Finished { failures: 0, short: 0 } => "Finished: every outcome settled".to_owned(),
            Stage::Finished { failures: 0, short } => format!(
                "Finished: {} of {} outcomes invited or enabled; {} need you, as another try would not change them (see the outcomes)",
                thousands(progress.good),
                thousands(progress.accounts),
                thousands(*short)
            ),
            Stage::Finished { failures: 1, .. } => "Finished with 1 failure that another try could change".to_owned(),
            Stage::Finished { failures, .. } => {
                format!("Finished with {} failures that another try could change", thousands(*failures))
            }
        }
    }
}

/// What earlier runs of this page covered: each account on each destination (by its label, such
/// as `guardduty us-east-1`), and the skipped lines they reported.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Covered {
    pairs: HashSet<(String, AccountId)>,
    skipped: HashSet<(usize, String)>,
}

impl Covered {
    /// What `runs` covered.
    pub fn of<'a>(runs: impl IntoIterator<Item = &'a Run>) -> Covered {
        let mut covered = Covered::default();
        for run in runs {
            for destination in run.destinations() {
                let label = destination.label();
                for account in run.accounts() {
                    covered.pairs.insert((label.clone(), account.id()));
                }
            }
            covered.skipped.extend(run.skipped().iter().map(|s| (s.line, s.text.clone())));
        }
        covered
    }

    /// Whether an earlier run covered `account` on `destination`.
    pub fn account(&self, destination: &Destination, account: AccountId) -> bool {
        self.pairs.contains(&(destination.label(), account))
    }

    /// Whether an earlier run reported this skipped line.
    pub fn skipped(&self, skipped: &Skipped) -> bool {
        self.skipped.contains(&(skipped.line, skipped.text.clone()))
    }

    /// No earlier run.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// The Send button's words: plain `Send` for a first run; after one, what is new.
/// `left` is `(accounts, destinations)` of what remains, of the whole plan's `all`.
pub fn send_label(first: bool, left: Option<(usize, usize)>, all: (usize, usize)) -> String {
    let accounts =
        |n: usize| if n == 1 { "1 new account".to_owned() } else { format!("{} new accounts", thousands(n)) };
    match (first, left) {
        (true, _) => "Send".to_owned(),
        (false, None) => "Sent".to_owned(),
        (false, Some((a, d))) if d < all.1 && a == all.0 => {
            format!("Send to {} new destination{}", d, if d == 1 { "" } else { "s" })
        }
        (false, Some((a, d))) if d < all.1 => {
            format!("Send {} to {} destination{}", accounts(a), d, if d == 1 { "" } else { "s" })
        }
        (false, Some((a, _))) if a == all.0 => "Send again".to_owned(),
        (false, Some((a, _))) => format!("Send {}", accounts(a)),
    }
}

/// Whether a finished run kept since `finished_at` is past its time.
pub fn expired(finished_at: Millis, now: Millis, keep_days: u32) -> bool {
    now.saturating_sub(finished_at) >= DAY_MS.saturating_mul(Millis::from(keep_days))
}

/// How long ago, in words: `just now`, `5 minutes ago`, `3 hours ago`, `2 days ago`.
pub fn ago(then: Millis, now: Millis) -> String {
    let minutes = now.saturating_sub(then) / 60_000;
    let (n, unit) = match minutes {
        0 => return "just now".to_owned(),
        m if m < 60 => (m, "minute"),
        m if m < 60 * 24 => (m / 60, "hour"),
        m => (m / (60 * 24), "day"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// A saved run in one line: `300 accounts to GuardDuty us-east-1, Detective us-east-1 · started 3
/// hours ago: 540 invited · 60 failed`.
pub fn describe_saved(run: &Run, now: Millis) -> String {
    let progress = run.progress();
    let destinations: Vec<String> =
        progress.destinations.iter().map(|d| format!("{} {}", d.service.display_name(), d.region)).collect();
    let counts = run_counts(run, &progress.labels);
    format!(
        "{} account{} to {} · started {}{}",
        thousands(run.accounts().len()),
        if run.accounts().len() == 1 { "" } else { "s" },
        destinations.join(", "),
        ago(run.created_at(), now),
        if counts.is_empty() { String::new() } else { format!(": {counts}") }
    )
}

/// A run's outcomes in words, and the lines it left out: `16 invited · 1 line skipped`. The lines
/// skipped are no outcome of any destination, but a count that left them out would read as if
/// every line had gone somewhere.
pub fn run_counts(run: &Run, labels: &[(&str, usize)]) -> String {
    let counts = describe_counts(labels);
    let skipped = match run.skipped().len() {
        0 => return counts,
        1 => "1 line skipped".to_owned(),
        n => format!("{} lines skipped", thousands(n)),
    };
    if counts.is_empty() { skipped } else { format!("{counts} · {skipped}") }
}

/// The region list with its usual slips mended — capitals, `;` or spaces between names, repeats —
/// or `None` when it needs no mending or cannot be read even then.
/// A row of the outcomes in one sentence, for the line under the table that shows what its
/// cells cut off.
pub fn row_in_words(line: usize, account: &str, destination: &str, status: &str, action: &str, detail: &str) -> String {
    let mut out = format!("Line {line}");
    for part in [account.trim(), destination.trim()] {
        if !part.is_empty() {
            out.push_str(", ");
            out.push_str(part);
        }
    }
    out.push_str(": ");
    out.push_str(status);
    if !action.is_empty() {
        out.push_str(&format!("; this run: {action}"));
    }
    if !detail.is_empty() {
        out.push_str(&format!("; {detail}"));
    }
    out
}

/// What "Copy failures" says it put on the clipboard: `retried` accounts to try again and
/// `not_sent` lines that had an error.
pub fn copied(retried: usize, not_sent: usize) -> String {
    let accounts = |n: usize| if n == 1 { "1 account".to_owned() } else { format!("{} accounts", thousands(n)) };
    match (retried, not_sent) {
        (0, 0) => "Nothing to copy: no account failed and every line was sent".to_owned(),
        (n, 0) => format!("Copied {} to retry", accounts(n)),
        (0, 1) => "Copied 1 line not sent: fix it and send it again".to_owned(),
        (0, m) => format!("Copied {} lines not sent: fix them and send them again", thousands(m)),
        (n, 1) => format!("Copied {} to retry and 1 line not sent (fix it first)", accounts(n)),
        (n, m) => format!("Copied {} to retry and {} lines not sent (fix them first)", accounts(n), thousands(m)),
    }
}

/// The bytes two texts share at the start and at the end (on character boundaries, never
/// overlapping), so an edit replaces only what differs.
pub fn changed_range(before: &str, after: &str) -> (usize, usize) {
    let prefix: usize = before.chars().zip(after.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a.len_utf8()).sum();
    let room = before.len().min(after.len()) - prefix;
    let suffix: usize = before[prefix..]
        .chars()
        .rev()
        .zip(after[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .scan(0, |total, n| {
            *total += n;
            Some(*total)
        })
        .take_while(|&total| total <= room)
        .last()
        .unwrap_or(0);
    (prefix, suffix)
}

pub fn region_fix(text: &str) -> Option<String> {
    let mut names: Vec<String> = Vec::new();
    for name in text.split([',', ';', ' ', '\t', '\n']).map(str::trim).filter(|n| !n.is_empty()) {
        let name = name.to_ascii_lowercase();
        name.parse::<Region>().ok()?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let fixed = names.join(", ");
    (!names.is_empty() && fixed != text.trim()).then_some(fixed)
}

/// The regions of a region list as typed (names separated by commas, semicolons, spaces or lines),
/// in order and without repeats; or what is wrong with the first name that is not a region, or
/// with an empty list.
pub fn region_list(text: &str) -> Result<Vec<Region>, String> {
    let mut regions: Vec<Region> = Vec::new();
    for name in text.split([',', ';', ' ', '\t', '\n']).map(str::trim).filter(|r| !r.is_empty()) {
        // The core quotes names in backticks, which read as noise in a form.
        let region = name.parse::<Region>().map_err(|e| e.to_string().replace('`', ""))?;
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    if regions.is_empty() {
        return Err("expected at least one region, such as us-east-1, found none".to_owned());
    }
    Ok(regions)
}

/// Which of the destinations discovery found (`found`: service and region of each field, in
/// order) the form asks for now: every chosen service in every listed region, by index into
/// `found`. A service or region chosen since that has no field stops them all, in words: sending
/// without it would send less than the form shows, and a field left from before must never be
/// sent to once it is no longer chosen.
pub fn chosen_destinations(
    found: &[(Service, &Region)],
    services: &[Service],
    regions: &[Region],
) -> Result<Vec<usize>, String> {
    let mut missing: Vec<String> = Vec::new();
    let mut kinds: Vec<&str> = Vec::new();
    for region in regions {
        for service in services {
            if !found.iter().any(|(s, r)| s == service && *r == region) {
                missing.push(format!("{} {region}", service.display_name()));
                let kind = match service {
                    Service::SecurityHub => "hub",
                    _ => "detector or behavior graph",
                };
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
            }
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "expected a {} for {}, found none yet: {} again",
            kinds.join(" or "),
            missing.join(", "),
            find_label(services).replacen('F', "f", 1),
        ));
    }
    Ok((0..found.len()).filter(|&i| services.contains(&found[i].0) && regions.contains(found[i].1)).collect())
}

/// The words of the button that finds each region's destinations, for the services ticked: the
/// detectors and graphs, and Security Hub's hubs when it is ticked.
pub fn find_label(services: &[Service]) -> &'static str {
    let hub = services.contains(&Service::SecurityHub);
    let others = services.iter().any(|s| *s != Service::SecurityHub);
    match (hub, others) {
        (true, false) => "Find hubs",
        (true, true) => "Find detectors and graphs, and hubs",
        (false, _) => "Find detectors and graphs",
    }
}

/// Whether discovery's answer for a region is the proxy saying the region is not one it serves
/// (a misspelt name such as `us-east-9`), which belongs at the region list.
pub fn unknown_region(unreachable: &Unreachable) -> bool {
    matches!(unreachable, Unreachable::Failed { code, .. } if code == "EnlistProxy.UnknownRegion")
}

/// What to say at the region list when the proxy serves none of `unknown`, and the list without
/// them as its fix (none when nothing would be left).
pub fn unknown_regions_problem(regions: &[Region], unknown: &[Region]) -> (String, Option<String>) {
    let names: Vec<String> = unknown.iter().map(ToString::to_string).collect();
    let problem = format!(
        "expected regions this proxy serves, found {}: check the spelling, or take {} out",
        names.join(", "),
        if names.len() == 1 { "it" } else { "them" }
    );
    let rest: Vec<String> = regions.iter().filter(|r| !unknown.contains(r)).map(ToString::to_string).collect();
    (problem, (!rest.is_empty()).then(|| rest.join(", ")))
}

/// Whether discovery's answer for a region is really the proxy refusing the token, which belongs
/// at the token field, not at every region.
pub fn token_refused(unreachable: &Unreachable) -> bool {
    matches!(unreachable, Unreachable::AccessDenied { message } if message.starts_with("EnlistProxy.Unauthorized"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_lists_are_read_in_order_without_repeats() {
        let read =
            |text: &str| region_list(text).map(|r| r.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "));
        assert_eq!(read("us-east-1, eu-west-1;us-east-1\nap-south-1"), Ok("us-east-1 eu-west-1 ap-south-1".to_owned()));
        assert!(read("us-east-1, nowhere").unwrap_err().contains("nowhere"));
        assert!(!read("us-east-1, nowhere").unwrap_err().contains('`'));
        assert_eq!(read(" , "), Err("expected at least one region, such as us-east-1, found none".to_owned()));
    }

    #[test]
    fn regions_the_proxy_does_not_serve_are_named_at_the_list_with_the_rest_as_the_fix() {
        let region = |name: &str| name.parse::<Region>().unwrap();
        let failed = |code: &str| Unreachable::Failed { code: code.to_owned(), message: String::new() };
        assert!(unknown_region(&failed("EnlistProxy.UnknownRegion")));
        assert!(!unknown_region(&failed("InternalServerErrorException")));
        assert!(!unknown_region(&Unreachable::NotEnabled));
        let listed = [region("us-east-1"), region("us-east-9")];
        assert_eq!(
            unknown_regions_problem(&listed, &[region("us-east-9")]),
            (
                "expected regions this proxy serves, found us-east-9: check the spelling, or take it out".to_owned(),
                Some("us-east-1".to_owned())
            )
        );
        let (problem, fix) = unknown_regions_problem(&listed[1..], &listed[1..]);
        assert!(problem.ends_with("take it out"));
        assert_eq!(fix, None);
    }

    #[test]
    fn only_the_destinations_the_form_asks_for_are_chosen() {
        let (east, west) = ("us-east-1".parse::<Region>().unwrap(), "eu-west-1".parse::<Region>().unwrap());
        let (gd, det) = (Service::GuardDuty, Service::Detective);
        // Found after a Find of both services in both regions.
        let found = [(gd, &east), (det, &east), (gd, &west), (det, &west)];
        assert_eq!(chosen_destinations(&found, &[gd, det], &[east.clone(), west.clone()]), Ok(vec![0, 1, 2, 3]));
        // A region taken out, a service unticked: what is left is never sent to.
        assert_eq!(chosen_destinations(&found, &[gd, det], std::slice::from_ref(&east)), Ok(vec![0, 1]));
        assert_eq!(chosen_destinations(&found, &[gd], &[east.clone(), west.clone()]), Ok(vec![0, 2]));
        // A region or service added since: nothing is sent until it is found.
        let only_east = [(gd, &east)];
        assert_eq!(
            chosen_destinations(&only_east, &[gd, det], &[east.clone(), west]),
            Err("expected a detector or behavior graph for Detective us-east-1, GuardDuty eu-west-1, Detective eu-west-1, found none yet: find detectors and graphs again".to_owned())
        );
        assert!(chosen_destinations(&[], &[gd], &[east]).is_err());
        let hub: Region = "us-east-1".parse().unwrap();
        assert_eq!(
            chosen_destinations(&[], &[Service::SecurityHub], &[hub]),
            Err("expected a hub for Security Hub us-east-1, found none yet: find hubs again".to_owned())
        );
    }

    #[test]
    fn streak_pauses_after_five_failures_in_a_row() {
        let check = |answers: &str, pauses: &str| {
            let mut streak = Streak::default();
            let got: String = answers.chars().map(|c| if streak.record(c == 'y') { 'P' } else { '.' }).collect();
            assert_eq!(got, pauses, "{answers}");
        };
        check("nnnnn", "....P");
        check("nnnnynnnn", ".........");
        check("nnnnnn", "....PP");
        check("ynnnynnnnn", ".........P");
    }

    #[test]
    fn stages_and_headlines() {
        let progress = |done, accounts, retry| Progress {
            done,
            accounts,
            retry,
            good: done.saturating_sub(retry),
            ..Progress::default()
        };
        // (done, cancelled, driving, paused) → key and headline.
        let check = |p: &Progress, flags: (bool, bool, bool, bool), key: &str, headline: &str| {
            let stage = Stage::of(p, flags.0, flags.1, flags.2, flags.3);
            assert_eq!((stage.key(), stage.headline(p).as_str()), (key, headline), "{flags:?}");
        };
        let half = progress(36, 72, 0);
        check(&half, (false, false, true, false), "sending", "Sending: 36 of 72 outcomes settled");
        check(
            &half,
            (false, false, false, true),
            "paused",
            "Paused: the proxy could not be reached 5 times in a row; 36 of 72 outcomes settled. Nothing is lost: \
             check that the proxy is running, then resume",
        );
        // Created and waiting for the service: the headline says what is awaited.
        let mut waiting = half.clone();
        waiting.destinations = vec![enlist_core::engine::DestinationProgress {
            label: "guardduty us-east-1".to_owned(),
            service: Service::GuardDuty,
            region: "us-east-1".to_owned(),
            unreachable: None,
            accounts: 72,
            done: 36,
            good: 36,
            to_read: 0,
            to_delete: 0,
            to_create: 0,
            to_invite: 0,
            watching: 24,
            surveyed: true,
            in_flight: 0,
            window: 1,
            interval_ms: 0,
            throttled: 0,
            faults: 0,
            retry_tokens: 0,
            labels: Vec::new(),
        }];
        check(
            &waiting,
            (false, false, true, false),
            "sending",
            "Sending: 36 of 72 outcomes settled; 24 waiting for the service to settle (an email is being verified, \
             or the account has to accept)",
        );
        // A pause is over once the run is driven again.
        check(&half, (false, false, true, true), "sending", "Sending: 36 of 72 outcomes settled");
        check(
            &half,
            (false, false, false, false),
            "stopped",
            "Stopped before it finished: 36 of 72 outcomes settled; resume to go on",
        );
        check(&progress(72, 72, 0), (true, false, false, false), "finished", "Finished: every outcome settled");
        check(
            &progress(72, 72, 1),
            (true, false, false, false),
            "failures",
            "Finished with 1 failure that another try could change",
        );
        check(
            &progress(72, 72, 1_200),
            (true, false, false, false),
            "failures",
            "Finished with 1,200 failures that another try could change",
        );
        // Cancelled: 36 settled before, 36 cut short (final, and another try goes on with them).
        check(
            &progress(72, 72, 36),
            (true, true, false, false),
            "cancelled",
            "Cancelled: 36 of 72 outcomes invited or enabled; 36 cut short or failed, to retry when you choose",
        );
        // Settled, but 2 emails failed verification: not "every outcome settled" in green.
        let short = Progress { done: 72, accounts: 72, good: 70, retry: 0, ..Progress::default() };
        check(
            &short,
            (true, false, false, false),
            "attention",
            "Finished: 70 of 72 outcomes invited or enabled; 2 need you, as another try would not change them (see the outcomes)",
        );
    }

    #[test]
    fn send_labels() {
        let check = |first, left, all, expect: &str| assert_eq!(send_label(first, left, all), expect);
        check(true, Some((12, 2)), (12, 2), "Send");
        check(false, None, (12, 2), "Sent");
        check(false, Some((12, 2)), (12, 2), "Send again");
        check(false, Some((5, 2)), (12, 2), "Send 5 new accounts");
        check(false, Some((1, 2)), (12, 2), "Send 1 new account");
        check(false, Some((12, 1)), (12, 2), "Send to 1 new destination");
        check(false, Some((12, 3)), (12, 5), "Send to 3 new destinations");
        check(false, Some((2, 1)), (12, 2), "Send 2 new accounts to 1 destination");
    }

    #[test]
    fn keeping_and_ages() {
        let day = DAY_MS;
        assert!(!expired(0, 7 * day - 1, 7));
        assert!(expired(0, 7 * day, 7));
        assert!(expired(5, 5, 0), "0 days: a finished run is not kept");
        assert!(!expired(10 * day, 0, 7), "a clock set back keeps the run");
        for (ms, words) in [
            (0, "just now"),
            (59_999, "just now"),
            (60_000, "1 minute ago"),
            (59 * 60_000, "59 minutes ago"),
            (2 * 60 * 60_000 + 5, "2 hours ago"),
            (day, "1 day ago"),
            (9 * day, "9 days ago"),
        ] {
            assert_eq!(ago(1_000, 1_000 + ms), words, "{ms}");
        }
    }

    #[test]
    fn a_row_in_words() {
        assert_eq!(
            row_in_words(
                3,
                "640000000014",
                "GuardDuty us-east-1",
                "invited",
                "created and invited",
                "waiting for the account to accept"
            ),
            "Line 3, 640000000014, GuardDuty us-east-1: invited; this run: created and invited; waiting for the account to accept"
        );
        assert_eq!(
            row_in_words(4, "64000000001", " ", "skipped", "", "E003: expected"),
            "Line 4, 64000000001: skipped; E003: expected"
        );
    }

    #[test]
    fn what_a_copy_says() {
        assert_eq!(copied(1, 0), "Copied 1 account to retry");
        assert_eq!(copied(1_200, 0), "Copied 1,200 accounts to retry");
        assert_eq!(copied(0, 1), "Copied 1 line not sent: fix it and send it again");
        assert_eq!(copied(0, 3), "Copied 3 lines not sent: fix them and send them again");
        assert_eq!(copied(2, 1), "Copied 2 accounts to retry and 1 line not sent (fix it first)");
        assert_eq!(copied(1, 4), "Copied 1 account to retry and 4 lines not sent (fix them first)");
        assert_eq!(copied(0, 0), "Nothing to copy: no account failed and every line was sent");
    }

    #[test]
    fn an_edit_replaces_only_what_differs() {
        let check = |before: &str, after: &str, expected: (usize, usize)| {
            let (prefix, suffix) = changed_range(before, after);
            assert_eq!((prefix, suffix), expected, "{before:?} → {after:?}");
            // The edit rebuilds `after` from `before`.
            let rebuilt = format!(
                "{}{}{}",
                &before[..prefix],
                &after[prefix..after.len() - suffix],
                &before[before.len() - suffix..]
            );
            assert_eq!(rebuilt, after);
        };
        check("abc", "abc", (3, 0));
        check("a1c", "a2c", (1, 1));
        check("aaa", "aa", (2, 0));
        check("aa", "aaa", (2, 0));
        check("x\ny\nx", "x\nx", (2, 1));
        check("é1é", "é2é", (2, 2));
        check("", "ab", (0, 0));
        check("11122223333,a\n", "011122223333,a\n", (0, 14));
    }

    #[test]
    fn region_list_fixes() {
        let check = |text: &str, fix: Option<&str>| assert_eq!(region_fix(text).as_deref(), fix, "{text:?}");
        check("us-east-1", None);
        check("us-east-1, eu-west-1", None);
        check("US-EAST-1", Some("us-east-1"));
        check("us-east-1;eu-west-1", Some("us-east-1, eu-west-1"));
        check("us-east-1 eu-west-1  us-east-1", Some("us-east-1, eu-west-1"));
        check(" Eu-West-1 ; ", Some("eu-west-1"));
        check("us-east-1, useast1", None);
        check("", None);
    }

    #[test]
    fn earlier_runs_cover_what_they_sent() {
        use enlist_core::engine::RunConfig;
        use enlist_core::{Invitation, Options, Plan, Policy, Target, parse};
        let target = |region: &str| {
            let detector = "12abc34d567e8fa901bc2d34e56789f0".parse().unwrap();
            Destination::Target(
                Target::guardduty(region.parse().unwrap(), detector, Invitation::new(None, false)).unwrap(),
            )
        };
        let plan = |text: &str, regions: &[&str]| {
            let destinations = regions.iter().map(|r| target(r)).collect();
            Plan::new(&parse(text, &Options::default()), destinations, Policy { skip_invalid: true }).unwrap()
        };
        let first = "111122223333,a@example.com\nbad line\n";
        let run = plan(first, &["us-east-1"]).start(RunConfig::default(), 0);
        let covered = Covered::of([&run]);
        assert!(!covered.is_empty() && Covered::default().is_empty());
        // (list, regions) → accounts and destinations left, or nothing.
        let check = |text: &str, regions: &[&str], expect: Option<(Vec<&str>, Vec<&str>)>| {
            let left = plan(text, regions).remaining(|d, a| covered.account(d, a), |s| covered.skipped(s)).map(|p| {
                let accounts = p.accounts().iter().map(|a| a.id().to_string()).collect::<Vec<_>>();
                let destinations = p.destinations().iter().map(Destination::label).collect::<Vec<_>>();
                (accounts, destinations, p.skipped().len())
            });
            let expect = expect.map(|(a, d)| {
                (a.into_iter().map(str::to_owned).collect(), d.into_iter().map(str::to_owned).collect(), 0)
            });
            assert_eq!(left, expect, "{text:?} {regions:?}");
        };
        check(first, &["us-east-1"], None);
        check(
            "111122223333,a@example.com\nbad line\n444455556666,b@example.com\n",
            &["us-east-1"],
            Some((vec!["444455556666"], vec!["guardduty us-east-1"])),
        );
        check(first, &["us-east-1", "eu-west-1"], Some((vec!["111122223333"], vec!["guardduty eu-west-1"])));
    }

    #[test]
    fn a_runs_counts_name_the_lines_it_skipped() {
        use enlist_core::engine::RunConfig;
        use enlist_core::{Invitation, Options, Plan, Policy, Target, parse};
        let detector = "12abc34d567e8fa901bc2d34e56789f0".parse().unwrap();
        let target = Target::guardduty("us-east-1".parse().unwrap(), detector, Invitation::new(None, false)).unwrap();
        let run = |text: &str| {
            Plan::new(
                &parse(text, &Options::default()),
                vec![Destination::Target(target.clone())],
                Policy { skip_invalid: true },
            )
            .unwrap()
            .start(RunConfig::default(), 0)
        };
        let labels = [("invited", 16), ("created", 0)];
        assert_eq!(run_counts(&run("111122223333,a@example.com\n"), &labels), "16 invited");
        assert_eq!(run_counts(&run("111122223333,a@example.com\nbad line\n"), &labels), "16 invited · 1 line skipped");
        assert_eq!(run_counts(&run("111122223333,a@example.com\nbad\nworse\n"), &[]), "2 lines skipped");
    }

    #[test]
    fn token_refusals_are_told_apart() {
        let denied = |message: &str| Unreachable::AccessDenied { message: message.to_owned() };
        assert!(token_refused(&denied("EnlistProxy.Unauthorized: expected a valid bearer token, found another")));
        assert!(!token_refused(&denied("AccessDeniedException: not allowed")));
        assert!(!token_refused(&Unreachable::NotEnabled));
    }
}
