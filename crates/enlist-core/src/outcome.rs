//! What happened to each account on each target: the states a run moves through and the
//! service's own words, classified.

use serde::{Deserialize, Serialize};

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

/// A Detective member's status.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "status", content = "value")]
pub enum DetectiveStatus {
    /// `INVITED`: waiting for the member to accept.
    Invited,
    /// `VERIFICATION_IN_PROGRESS`: Detective is checking the email.
    VerificationInProgress,
    /// `VERIFICATION_FAILED`: the email does not match the account's root email.
    VerificationFailed,
    /// `ENABLED`: contributing data.
    Enabled,
    /// `ACCEPTED_BUT_DISABLED`: accepted, but over the graph's data volume (see the reason).
    AcceptedButDisabled,
    /// A status this version does not know, as the service sent it.
    Other(String),
}

impl DetectiveStatus {
    /// Reads the wire value.
    pub fn from_wire(text: &str) -> DetectiveStatus {
        match text {
            "INVITED" => DetectiveStatus::Invited,
            "VERIFICATION_IN_PROGRESS" => DetectiveStatus::VerificationInProgress,
            "VERIFICATION_FAILED" => DetectiveStatus::VerificationFailed,
            "ENABLED" => DetectiveStatus::Enabled,
            "ACCEPTED_BUT_DISABLED" => DetectiveStatus::AcceptedButDisabled,
            other => DetectiveStatus::Other(other.to_owned()),
        }
    }

    /// Plain words for tables.
    pub fn describe(&self) -> &str {
        match self {
            DetectiveStatus::Invited => "invited",
            DetectiveStatus::VerificationInProgress => "email verification in progress",
            DetectiveStatus::VerificationFailed => "email verification failed",
            DetectiveStatus::Enabled => "enabled",
            DetectiveStatus::AcceptedButDisabled => "accepted but disabled",
            DetectiveStatus::Other(text) => text,
        }
    }
}

/// Where one account stands on one target. At any moment each account has exactly one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "outcome")]
pub enum Outcome {
    /// Not sent yet (or waiting for a retry).
    Pending,
    /// In a request that has not answered yet.
    Sending,
    /// GuardDuty accepted the account as a member.
    Created,
    /// Detective accepted the account, with its member status.
    #[serde(rename_all = "camelCase")]
    Member {
        /// The member status.
        status: DetectiveStatus,
        /// Why an accepted member is disabled (`VOLUME_TOO_HIGH`, `VOLUME_UNKNOWN`).
        disabled_reason: Option<String>,
    },
    /// "Already a member" after an attempt that timed out: most likely that attempt created it.
    ProbablyCreated {
        /// What the service said and why it is read this way.
        note: String,
    },
    /// The service did not process the account, and said why.
    Unprocessed {
        /// The classified reason.
        reason: UnprocessedReason,
        /// The service's words.
        text: String,
    },
    /// The whole request failed and will not be retried.
    Failed {
        /// The kind of failure.
        kind: FailureKind,
        /// The error code.
        code: String,
        /// The service's (or the transport's) message.
        message: String,
    },
    /// The run was cancelled before the account was sent.
    Cancelled,
}

impl Outcome {
    /// Whether the account has reached its end state.
    pub const fn is_terminal(&self) -> bool {
        !matches!(self, Outcome::Pending | Outcome::Sending)
    }

    /// Whether the account is (most likely) a member now, by this run or before it.
    pub fn is_member(&self) -> bool {
        matches!(
            self,
            Outcome::Created
                | Outcome::Member { .. }
                | Outcome::ProbablyCreated { .. }
                | Outcome::Unprocessed { reason: UnprocessedReason::AlreadyMember, .. }
        )
    }

    /// Whether the account belongs on a "retry the failures" list.
    pub fn needs_retry(&self) -> bool {
        match self {
            Outcome::Failed { .. } | Outcome::Cancelled => true,
            Outcome::Unprocessed { reason, .. } => {
                matches!(reason, UnprocessedReason::Other | UnprocessedReason::LimitReached)
            }
            Outcome::Member { status, .. } => *status == DetectiveStatus::VerificationFailed,
            _ => false,
        }
    }

    /// A stable word for filters and exports: `pending`, `created`, `invited`, `failed`, …
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Sending => "sending",
            Outcome::Created => "created",
            Outcome::Member { status, .. } => match status {
                DetectiveStatus::Invited => "invited",
                DetectiveStatus::VerificationInProgress => "verification-in-progress",
                DetectiveStatus::VerificationFailed => "verification-failed",
                DetectiveStatus::Enabled => "enabled",
                DetectiveStatus::AcceptedButDisabled => "accepted-but-disabled",
                DetectiveStatus::Other(_) => "member",
            },
            Outcome::ProbablyCreated { .. } => "probably-created",
            Outcome::Unprocessed { .. } => "unprocessed",
            Outcome::Failed { .. } => "failed",
            Outcome::Cancelled => "cancelled",
        }
    }

    /// The reason or status in plain words, for tables and exports.
    pub fn detail(&self) -> String {
        match self {
            Outcome::Pending => "waiting to be sent".to_owned(),
            Outcome::Sending => "sent, waiting for the answer".to_owned(),
            Outcome::Created => "member created; GuardDuty invites it when you run InviteMembers".to_owned(),
            Outcome::Member { status, disabled_reason } => match disabled_reason {
                Some(reason) => format!("{} ({reason})", status.describe()),
                None => status.describe().to_owned(),
            },
            Outcome::ProbablyCreated { note } => note.clone(),
            Outcome::Unprocessed { reason, text } => format!("{}: {text}", reason.describe()),
            Outcome::Failed { code, message, .. } if message.is_empty() => code.clone(),
            Outcome::Failed { code, message, .. } => format!("{code}: {message}"),
            Outcome::Cancelled => "cancelled before it was sent".to_owned(),
        }
    }
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
    fn outcomes_know_whether_they_are_done() {
        assert!(!Outcome::Pending.is_terminal() && !Outcome::Sending.is_terminal());
        assert!(Outcome::Created.is_terminal() && Outcome::Cancelled.is_terminal());
        let failed =
            Outcome::Failed { kind: FailureKind::Auth, code: "AccessDeniedException".into(), message: "no".into() };
        assert!(failed.needs_retry());
        assert_eq!(failed.detail(), "AccessDeniedException: no");
        let verification = Outcome::Member { status: DetectiveStatus::VerificationFailed, disabled_reason: None };
        assert_eq!(verification.label(), "verification-failed");
        assert!(verification.needs_retry());
        assert_eq!(DetectiveStatus::from_wire("NEW_THING"), DetectiveStatus::Other("NEW_THING".into()));
    }
}
