//! What happened to each account on each target, as people read it: the service's own words
//! classified, and the outcome a results row shows (derived from the run's facts).

use serde::{Deserialize, Serialize};

use crate::diagnostic::thousands;
use crate::engine::{Did, Held, Op, Problem};
use crate::member::MemberStatus;
use crate::service::Service;
use crate::target::Unreachable;
use crate::wire::FailureKind;

/// Why CreateMembers did not process an account, read from the service's text. GuardDuty's wording
/// drifts ("master" became "administrator"), so the classification matches on substrings and the
/// raw text is always kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UnprocessedReason {
    /// Already a member (or already invited) of this administrator.
    AlreadyMember,
    /// The administrator's own account.
    OwnAccount,
    /// A member of another administrator.
    MemberOfAnotherAdministrator,
    /// The administrator has as many members as it may.
    LimitReached,
    /// Anything else; see the text.
    Other,
}

impl UnprocessedReason {
    /// Plain words for tables.
    pub const fn describe(self) -> &'static str {
        match self {
            UnprocessedReason::AlreadyMember => "already a member",
            UnprocessedReason::OwnAccount => "the administrator's own account",
            UnprocessedReason::MemberOfAnotherAdministrator => "a member of another administrator",
            UnprocessedReason::LimitReached => "member limit reached",
            UnprocessedReason::Other => "not processed",
        }
    }
}

/// Classifies a GuardDuty `result` or Detective `Reason` text.
///
/// ```
/// use enlist_core::{classify_unprocessed, UnprocessedReason};
/// assert_eq!(classify_unprocessed("The request is rejected because the current account cannot become a member of itself."), UnprocessedReason::OwnAccount);
/// assert_eq!(classify_unprocessed("The account is already a member of another master account."), UnprocessedReason::MemberOfAnotherAdministrator);
/// ```
pub fn classify_unprocessed(text: &str) -> UnprocessedReason {
    let text = text.to_ascii_lowercase();
    let has = |needle: &str| text.contains(needle);
    if has("member of itself") || has("own account") || has("is the administrator") || has("same as the administrator")
    {
        UnprocessedReason::OwnAccount
    } else if has("another master") || has("another administrator") || has("different administrator") {
        UnprocessedReason::MemberOfAnotherAdministrator
    } else if has("cannot create more members") || has("maximum number") || has("limit") || has("quota") {
        UnprocessedReason::LimitReached
    } else if has("already a member") || has("already associated") || has("already invited") || has("already exists") {
        UnprocessedReason::AlreadyMember
    } else {
        UnprocessedReason::Other
    }
}

/// Where an account's outcome stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "stage", content = "op")]
pub enum Stage {
    /// Work remains; this request comes next.
    Pending(Op),
    /// In this request now.
    Sending(Op),
    /// A member whose status has not settled: read again later.
    Watching,
    /// Final.
    Done,
    /// Final because the run was cancelled first.
    Cancelled,
    /// Final: the run stopped watching before the status settled.
    WatchEnded,
    /// Nothing could be sent to this service in this region.
    Unavailable(Unreachable),
}

/// One account on one target, as the results show it: what the service holds, what this run
/// did, what went wrong, and where the run stands with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// What the service holds, as last read or answered.
    pub held: Held,
    /// What this run did.
    pub did: Did,
    /// What went wrong, if anything.
    pub problem: Option<Problem>,
    /// Where the run stands with it.
    pub stage: Stage,
}

impl Outcome {
    /// Whether the run is done with it.
    pub fn is_final(&self) -> bool {
        !matches!(self.stage, Stage::Pending(_) | Stage::Sending(_) | Stage::Watching)
    }

    /// Whether it ended where the user wanted it: a member, invited or enabled.
    pub fn is_good(&self) -> bool {
        self.stage == Stage::Done && self.held.status().is_some_and(MemberStatus::is_good)
    }

    /// A stable word for filters and exports: the member status (`enabled`, `invited`,
    /// `verification-failed`, …), or `not-added`, `failed`, `unknown`, `not-a-member`,
    /// `cancelled`, `unavailable`, `pending`, `sending`.
    pub fn label(&self) -> &'static str {
        match (&self.stage, &self.held) {
            (Stage::Unavailable(_), _) => "unavailable",
            (Stage::Pending(_), Held::Member(status)) if status.is_settled() => status.label(),
            (Stage::Pending(_), _) => "pending",
            (Stage::Sending(_), _) => "sending",
            (_, Held::Member(status)) => status.label(),
            (Stage::Cancelled, _) => "cancelled",
            (_, Held::Absent) => match &self.problem {
                Some(Problem::Refused { .. }) => "not-added",
                Some(Problem::Failed { .. }) => "failed",
                None => "not-a-member",
            },
            (_, Held::Unknown) => "unknown",
        }
    }

    /// What this run did, in words: `created and invited by this run`, `already a member`, or
    /// nothing.
    pub fn action(&self) -> &'static str {
        self.did.describe(matches!(self.held, Held::Member(_)))
    }

    /// The outcome in plain words: what the service holds, what went wrong, and what to do.
    pub fn detail(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        match &self.stage {
            Stage::Unavailable(unreachable) => return unreachable.describe(),
            Stage::Pending(op) => parts.push(format!("{} next", op.progressive())),
            Stage::Sending(op) => parts.push(format!("{} now", op.progressive())),
            Stage::Watching => parts.push("waiting for the status to settle".to_owned()),
            _ => {}
        }
        match &self.held {
            Held::Member(status) => parts.push(status.describe()),
            Held::Absent if self.problem.is_none() && self.is_final() && self.stage != Stage::Cancelled => {
                parts.push("not a member (nothing was changed)".to_owned());
            }
            Held::Absent if self.problem.as_ref().is_some_and(|p| matches!(p, Problem::Failed { .. })) => {
                parts.push("not a member (read back)".to_owned());
            }
            _ => {}
        }
        if let Some(problem) = &self.problem {
            parts.push(problem.describe());
        }
        match (&self.stage, &self.held) {
            (Stage::Cancelled, _) => parts.push("cancelled before it was done".to_owned()),
            (Stage::WatchEnded, _) => {
                parts.push("Enlist stopped watching before it settled; run again to check".to_owned());
            }
            (Stage::Done, Held::Unknown) if self.problem.is_none() => parts.push("not known".to_owned()),
            (Stage::Done, Held::Member(status)) => {
                if let Some(advice) = status.advice() {
                    parts.push(advice.to_owned());
                }
            }
            _ => {}
        }
        parts.join("; ")
    }

    /// Whether another try could change it: a request that failed, an account that could not be
    /// read back, a cancel or a watch that ended early. Refusals (another administrator, the
    /// member limit, the own account) and settled statuses could not.
    pub fn needs_retry(&self) -> bool {
        match self.stage {
            Stage::Cancelled | Stage::WatchEnded => true,
            Stage::Done => match &self.problem {
                Some(Problem::Failed { kind, .. }) => *kind != FailureKind::Quota,
                Some(Problem::Refused { .. }) => false,
                None => self.held.is_unknown(),
            },
            _ => false,
        }
    }

    /// The error code of a failure.
    pub fn error_code(&self) -> Option<&str> {
        match &self.problem {
            Some(Problem::Failed { code, .. }) => Some(code),
            _ => None,
        }
    }
}

/// A label in plain words: `verification-failed` → `email verification failed`.
pub fn label_words(label: &str) -> String {
    match label {
        "verification-failed" => "email verification failed".to_owned(),
        "verifying-email" => "email verification in progress".to_owned(),
        "created" => "created, not invited yet".to_owned(),
        other => other.replace('-', " "),
    }
}

/// Counts by label as people read them, most frequent first:
/// `1,180 invited · 15 enabled · 5 email verification failed`.
pub fn describe_counts(labels: &[(&str, usize)]) -> String {
    let mut labels: Vec<(&str, usize)> = labels.iter().copied().filter(|(_, n)| *n > 0).collect();
    labels.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    labels.iter().map(|(label, n)| format!("{} {}", thousands(*n), label_words(label))).collect::<Vec<_>>().join(" · ")
}

/// What a run will do, from what a survey read: `120 to create and invite · 15 already members
/// (12 enabled, 3 invited) · 2 to invite · 1 email verification failed`.
pub fn describe_survey(service: Service, labels: &[(&str, usize)]) -> String {
    let count = |label: &str| labels.iter().filter(|(l, _)| *l == label).map(|(_, n)| n).sum::<usize>();
    let mut parts = Vec::new();
    let absent = count("not-a-member");
    if absent > 0 {
        let verb = if service.invites_separately() {
            "to create and invite"
        } else {
            "to create (Detective invites as it creates)"
        };
        parts.push(format!("{} {verb}", thousands(absent)));
    }
    let created = count("created");
    if created > 0 && service.invites_separately() {
        parts.push(format!("{} created before, to invite", thousands(created)));
    }
    let members: Vec<(&str, usize)> = labels
        .iter()
        .copied()
        .filter(|(l, n)| {
            *n > 0 && !matches!(*l, "not-a-member" | "created" | "verification-failed" | "unknown" | "unavailable")
        })
        .collect();
    let total: usize = members.iter().map(|(_, n)| n).sum();
    if total > 0 {
        parts.push(format!(
            "{} already members ({})",
            thousands(total),
            describe_counts(&members).replace(" · ", ", ")
        ));
    }
    let failed = count("verification-failed");
    if failed > 0 {
        parts.push(format!("{} email verification failed (correct the emails to repair them)", thousands(failed)));
    }
    let unknown = count("unknown");
    if unknown > 0 {
        parts.push(format!("{} could not be read", thousands(unknown)));
    }
    if parts.is_empty() { "nothing to do".to_owned() } else { parts.join(" · ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_texts_seen_in_the_wild() {
        let cases = [
            (
                "The request is rejected because the current account cannot become a member of itself.",
                UnprocessedReason::OwnAccount,
            ),
            (
                "The request is rejected because the input account is already a member or associated member of the current account.",
                UnprocessedReason::AlreadyMember,
            ),
            (
                "The request is rejected because the input account is already a member of another master account.",
                UnprocessedReason::MemberOfAnotherAdministrator,
            ),
            (
                "The request is rejected because the input account is already a member of another administrator account.",
                UnprocessedReason::MemberOfAnotherAdministrator,
            ),
            (
                "The request is rejected because the current account cannot create more members.",
                UnprocessedReason::LimitReached,
            ),
            (
                "The request is rejected because the current account has reached the maximum number of allowed members.",
                UnprocessedReason::LimitReached,
            ),
            ("Account 111122223333 is already invited", UnprocessedReason::AlreadyMember),
            ("Something new", UnprocessedReason::Other),
        ];
        for (text, reason) in cases {
            assert_eq!(classify_unprocessed(text), reason, "{text}");
        }
    }

    #[test]
    fn counts_in_words() {
        let labels = [("invited", 1_180), ("verification-failed", 5), ("enabled", 15), ("failed", 0)];
        assert_eq!(describe_counts(&labels), "1,180 invited · 15 enabled · 5 email verification failed");
        let survey =
            [("not-a-member", 120), ("enabled", 12), ("invited", 3), ("created", 2), ("verification-failed", 1)];
        assert_eq!(
            describe_survey(Service::GuardDuty, &survey),
            "120 to create and invite · 2 created before, to invite · 15 already members (12 enabled, 3 invited) · 1 email verification failed (correct the emails to repair them)"
        );
        assert_eq!(describe_survey(Service::Detective, &[]), "nothing to do");
    }

    #[test]
    fn outcomes_in_words() {
        let member = |status: MemberStatus, did: Did| Outcome {
            held: Held::Member(status),
            did,
            problem: None,
            stage: Stage::Done,
        };
        let created = Did { created: true, invited: true, deleted: false };
        let invited = member(MemberStatus::Invited, created);
        assert_eq!((invited.label(), invited.action()), ("invited", "created and invited by this run"));
        assert!(invited.is_good() && !invited.needs_retry());
        let already = member(MemberStatus::Enabled, Did::default());
        assert_eq!(
            (already.label(), already.action(), already.detail().as_str()),
            ("enabled", "already a member", "enabled")
        );
        let failed = member(MemberStatus::VerificationFailed, created);
        assert!(!failed.is_good());
        assert!(failed.detail().contains("correct it and repair the member"), "{}", failed.detail());
        let refused = Outcome {
            held: Held::Absent,
            did: Did::default(),
            problem: Some(Problem::Refused {
                op: Op::Create,
                reason: UnprocessedReason::LimitReached,
                text: "cannot create more members".into(),
            }),
            stage: Stage::Done,
        };
        assert_eq!(refused.label(), "not-added");
        assert!(!refused.needs_retry(), "the member limit will not go away by trying again");
        let lost = Outcome {
            held: Held::Absent,
            did: Did::default(),
            problem: Some(Problem::Failed {
                op: Op::Create,
                kind: FailureKind::Transient,
                code: "500".into(),
                message: "boom".into(),
            }),
            stage: Stage::Done,
        };
        assert_eq!(
            (lost.label(), lost.detail().as_str()),
            ("failed", "not a member (read back); could not create it: 500: boom")
        );
        assert!(lost.needs_retry());
        let unknown = Outcome {
            problem: Some(Problem::Failed {
                op: Op::Read,
                kind: FailureKind::Throttled,
                code: "Throttling".into(),
                message: String::new(),
            }),
            held: Held::Unknown,
            ..lost.clone()
        };
        assert_eq!(unknown.label(), "unknown");
        let pending =
            Outcome { stage: Stage::Pending(Op::Create), held: Held::Absent, problem: None, did: Did::default() };
        assert_eq!((pending.label(), pending.detail().as_str()), ("pending", "creating next"));
    }
}
