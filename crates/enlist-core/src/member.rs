//! What a service holds for a member account: its relationship status in words common to
//! GuardDuty and Detective, whether it has settled, and what to do about it when it is not good.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::service::Service;

/// A member's status as GuardDuty (`relationshipStatus`) or Detective (`Status`) reports it.
///
/// The two services spell the same states differently (`Invited` and `INVITED`); this is the
/// state in common, with the service's own text kept for anything Enlist does not know.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MemberStatus {
    /// GuardDuty `Created`: a member, not invited yet.
    Created,
    /// GuardDuty `EmailVerificationInProgress`, Detective `VERIFICATION_IN_PROGRESS`.
    VerifyingEmail,
    /// GuardDuty `EmailVerificationFailed`, Detective `VERIFICATION_FAILED`: the email is not the
    /// account's root email.
    VerificationFailed,
    /// GuardDuty `Invited`, Detective `INVITED`: waiting for the member to accept.
    Invited,
    /// GuardDuty `Enabled`, Detective `ENABLED`: a member that contributes data.
    Enabled,
    /// Detective `ACCEPTED_BUT_DISABLED`: accepted, but the graph cannot take its data; the reason
    /// (`VOLUME_TOO_HIGH`, `VOLUME_UNKNOWN`) when Detective gave one.
    AcceptedButDisabled(Option<String>),
    /// GuardDuty `Disabled`: the administrator disabled the member.
    Disabled,
    /// GuardDuty `Removed`: the member was disassociated.
    Removed,
    /// GuardDuty and Security Hub `Resigned`: the member left.
    Resigned,
    /// Security Hub `Deleted`: the member association was deleted.
    Deleted,
    /// Security Hub `AccountSuspended`: AWS suspended the member account.
    AccountSuspended,
    /// A status this version of Enlist does not know, as the service wrote it.
    Other(String),
}

impl MemberStatus {
    /// Reads a status as either service writes it. `disabled_reason` is Detective's
    /// `DisabledReason`, kept for `ACCEPTED_BUT_DISABLED`.
    pub fn from_wire(text: &str, disabled_reason: Option<&str>) -> MemberStatus {
        match text {
            "Created" => MemberStatus::Created,
            "EmailVerificationInProgress" | "VERIFICATION_IN_PROGRESS" => MemberStatus::VerifyingEmail,
            "EmailVerificationFailed" | "VERIFICATION_FAILED" => MemberStatus::VerificationFailed,
            "Invited" | "INVITED" => MemberStatus::Invited,
            "Enabled" | "ENABLED" => MemberStatus::Enabled,
            "ACCEPTED_BUT_DISABLED" => MemberStatus::AcceptedButDisabled(disabled_reason.map(str::to_owned)),
            "Disabled" => MemberStatus::Disabled,
            "Removed" => MemberStatus::Removed,
            "Resigned" => MemberStatus::Resigned,
            "Deleted" => MemberStatus::Deleted,
            "AccountSuspended" => MemberStatus::AccountSuspended,
            other => MemberStatus::Other(other.to_owned()),
        }
    }

    /// The status as `service` writes it.
    pub fn wire(&self, service: Service) -> &str {
        let detective = service == Service::Detective;
        match self {
            MemberStatus::Created => "Created",
            MemberStatus::VerifyingEmail if detective => "VERIFICATION_IN_PROGRESS",
            MemberStatus::VerifyingEmail => "EmailVerificationInProgress",
            MemberStatus::VerificationFailed if detective => "VERIFICATION_FAILED",
            MemberStatus::VerificationFailed => "EmailVerificationFailed",
            MemberStatus::Invited if detective => "INVITED",
            MemberStatus::Invited => "Invited",
            MemberStatus::Enabled if detective => "ENABLED",
            MemberStatus::Enabled => "Enabled",
            MemberStatus::AcceptedButDisabled(_) => "ACCEPTED_BUT_DISABLED",
            MemberStatus::Disabled => "Disabled",
            MemberStatus::Removed => "Removed",
            MemberStatus::Resigned => "Resigned",
            MemberStatus::Deleted => "Deleted",
            MemberStatus::AccountSuspended => "AccountSuspended",
            MemberStatus::Other(text) => text,
        }
    }

    /// Whether the status will not change without someone acting: the member accepted, was
    /// invited, failed verification, or left. `Created` and email verification in progress have
    /// not settled. A status Enlist does not know counts as settled: waiting would not tell more.
    pub const fn is_settled(&self) -> bool {
        !matches!(self, MemberStatus::Created | MemberStatus::VerifyingEmail)
    }

    /// Whether the account ended where the user wanted it: invited or enabled.
    pub const fn is_good(&self) -> bool {
        matches!(self, MemberStatus::Invited | MemberStatus::Enabled)
    }

    /// A stable word for filters and exports: `enabled`, `invited`, `verification-failed`, …
    pub const fn label(&self) -> &'static str {
        match self {
            MemberStatus::Created => "created",
            MemberStatus::VerifyingEmail => "verifying-email",
            MemberStatus::VerificationFailed => "verification-failed",
            MemberStatus::Invited => "invited",
            MemberStatus::Enabled => "enabled",
            MemberStatus::AcceptedButDisabled(_) => "accepted-but-disabled",
            MemberStatus::Disabled => "disabled",
            MemberStatus::Removed => "removed",
            MemberStatus::Resigned => "resigned",
            MemberStatus::Deleted => "deleted",
            MemberStatus::AccountSuspended => "account-suspended",
            MemberStatus::Other(_) => "member",
        }
    }

    /// The status in plain words.
    pub fn describe(&self) -> String {
        match self {
            MemberStatus::Created => "created, not invited yet".to_owned(),
            MemberStatus::VerifyingEmail => "email verification in progress".to_owned(),
            MemberStatus::VerificationFailed => "email verification failed".to_owned(),
            MemberStatus::Invited => "invited: waiting for the account to accept".to_owned(),
            MemberStatus::Enabled => "enabled".to_owned(),
            MemberStatus::AcceptedButDisabled(Some(reason)) => format!("accepted but disabled ({reason})"),
            MemberStatus::AcceptedButDisabled(None) => "accepted but disabled".to_owned(),
            MemberStatus::Disabled => "disabled by the administrator".to_owned(),
            MemberStatus::Removed => "removed (disassociated)".to_owned(),
            MemberStatus::Resigned => "resigned: the account left".to_owned(),
            MemberStatus::Deleted => "deleted: the member association was removed".to_owned(),
            MemberStatus::AccountSuspended => "the account is suspended".to_owned(),
            MemberStatus::Other(text) => format!("status {text}"),
        }
    }

    /// What to do next when the status is settled but not good, in plain words.
    pub fn advice(&self) -> Option<&'static str> {
        match self {
            MemberStatus::VerificationFailed => Some(
                "the email is not the account's root email: correct it and repair the member (Fix email on the page, --repair-failed with enlist submit)",
            ),
            MemberStatus::AcceptedButDisabled(_) => Some(
                "the behavior graph cannot take this account's data volume; see the Detective console's member details",
            ),
            MemberStatus::Disabled => Some("the administrator disabled this member; enable it in the console"),
            MemberStatus::Removed | MemberStatus::Resigned | MemberStatus::Deleted => {
                Some("the account is no longer associated; invite it again from the console")
            }
            MemberStatus::AccountSuspended => {
                Some("AWS suspended the account; it can be a member again once the account is reinstated")
            }
            MemberStatus::Other(_) => Some("a status Enlist does not know; check the member in the console"),
            _ => None,
        }
    }
}

impl fmt::Display for MemberStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Journals and exports keep the status as its label, with the service's text after a `:` where
/// the label alone would lose it (`member:NEW_STATE`, `accepted-but-disabled:VOLUME_TOO_HIGH`).
impl Serialize for MemberStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MemberStatus::Other(text) => serializer.serialize_str(&format!("member:{text}")),
            MemberStatus::AcceptedButDisabled(Some(reason)) => {
                serializer.serialize_str(&format!("accepted-but-disabled:{reason}"))
            }
            other => serializer.serialize_str(other.label()),
        }
    }
}

impl<'de> Deserialize<'de> for MemberStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<MemberStatus, D::Error> {
        let text = String::deserialize(deserializer)?;
        MemberStatus::from_saved(&text).map_err(serde::de::Error::custom)
    }
}

impl MemberStatus {
    /// Reads what [`Serialize`] writes: the label, and `:` with the reason or the service's word
    /// where it keeps one.
    pub(crate) fn from_saved(text: &str) -> Result<MemberStatus, String> {
        let (label, rest) = match text.split_once(':') {
            Some((label, rest)) => (label, Some(rest)),
            None => (text, None),
        };
        Ok(match label {
            "created" => MemberStatus::Created,
            "verifying-email" => MemberStatus::VerifyingEmail,
            "verification-failed" => MemberStatus::VerificationFailed,
            "invited" => MemberStatus::Invited,
            "enabled" => MemberStatus::Enabled,
            "accepted-but-disabled" => MemberStatus::AcceptedButDisabled(rest.map(str::to_owned)),
            "disabled" => MemberStatus::Disabled,
            "removed" => MemberStatus::Removed,
            "resigned" => MemberStatus::Resigned,
            "deleted" => MemberStatus::Deleted,
            "account-suspended" => MemberStatus::AccountSuspended,
            "member" => MemberStatus::Other(rest.unwrap_or("").to_owned()),
            _ => {
                return Err(format!(
                    "expected a member status such as `enabled`, found `{}`",
                    crate::diagnostic::quote(text)
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_read_the_same_and_write_back_per_service() {
        let cases = [
            ("Invited", "INVITED", MemberStatus::Invited),
            ("Enabled", "ENABLED", MemberStatus::Enabled),
            ("EmailVerificationFailed", "VERIFICATION_FAILED", MemberStatus::VerificationFailed),
            ("EmailVerificationInProgress", "VERIFICATION_IN_PROGRESS", MemberStatus::VerifyingEmail),
        ];
        for (guardduty, detective, status) in cases {
            assert_eq!(MemberStatus::from_wire(guardduty, None), status);
            assert_eq!(MemberStatus::from_wire(detective, None), status);
            assert_eq!(status.wire(Service::GuardDuty), guardduty);
            assert_eq!(status.wire(Service::Detective), detective);
        }
        assert_eq!(MemberStatus::from_wire("Paused", None), MemberStatus::Other("Paused".into()));
        // Security Hub writes GuardDuty's spelling, and two statuses of its own.
        for (wire, status) in [
            ("Created", MemberStatus::Created),
            ("Invited", MemberStatus::Invited),
            ("Enabled", MemberStatus::Enabled),
            ("Removed", MemberStatus::Removed),
            ("Resigned", MemberStatus::Resigned),
            ("Deleted", MemberStatus::Deleted),
            ("AccountSuspended", MemberStatus::AccountSuspended),
        ] {
            assert_eq!(MemberStatus::from_wire(wire, None), status);
            assert_eq!(status.wire(Service::SecurityHub), wire);
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(serde_json::from_str::<MemberStatus>(&json).unwrap(), status, "{json}");
            assert!(status.is_good() || status == MemberStatus::Created || status.advice().is_some(), "{wire}");
        }
    }

    #[test]
    fn settled_and_good() {
        let settled: Vec<&str> =
            ["Created", "EmailVerificationInProgress", "Invited", "Enabled", "EmailVerificationFailed", "Resigned"]
                .into_iter()
                .filter(|w| MemberStatus::from_wire(w, None).is_settled())
                .collect();
        assert_eq!(settled, ["Invited", "Enabled", "EmailVerificationFailed", "Resigned"]);
        assert!(MemberStatus::Invited.is_good() && MemberStatus::Enabled.is_good());
        assert!(!MemberStatus::VerificationFailed.is_good() && !MemberStatus::Removed.is_good());
        assert!(MemberStatus::VerificationFailed.advice().is_some() && MemberStatus::Enabled.advice().is_none());
    }

    #[test]
    fn serializes_as_labels_and_keeps_what_the_label_would_lose() {
        for status in [
            MemberStatus::Enabled,
            MemberStatus::Other("NEW_THING".into()),
            MemberStatus::AcceptedButDisabled(Some("VOLUME_TOO_HIGH".into())),
            MemberStatus::AcceptedButDisabled(None),
        ] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(serde_json::from_str::<MemberStatus>(&json).unwrap(), status, "{json}");
        }
        assert_eq!(serde_json::to_string(&MemberStatus::VerifyingEmail).unwrap(), "\"verifying-email\"");
        let error = serde_json::from_str::<MemberStatus>("\"happy\"").unwrap_err().to_string();
        assert!(error.starts_with("expected a member status such as `enabled`, found `happy`"), "{error}");
    }
}
