//! What the run knows of one account on one target — what the service holds, what this run did,
//! what went wrong — and the one rule that decides what to do next from it. A journal keeps
//! exactly these facts; everything else of a run is rebuilt from them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::member::MemberStatus;
use crate::outcome::UnprocessedReason;
use crate::service::Service;
use crate::wire::FailureKind;

/// A kind of request the run makes for an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Op {
    /// GetMembers: what the service holds.
    Read,
    /// DeleteMembers, only to create a member whose email verification failed again.
    Delete,
    /// CreateMembers.
    Create,
    /// GuardDuty InviteMembers.
    Invite,
}

impl Op {
    /// Whether the request changes what the service holds.
    pub const fn changes_members(self) -> bool {
        !matches!(self, Op::Read)
    }

    /// A word for progress lines: `reading`, `creating`, …
    pub const fn progressive(self) -> &'static str {
        match self {
            Op::Read => "reading",
            Op::Delete => "deleting",
            Op::Create => "creating",
            Op::Invite => "inviting",
        }
    }
}

/// What the service holds for the account, as last read or answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Held {
    /// Not known: never read, or a request that may have changed it got no clear answer.
    #[default]
    Unknown,
    /// Not a member.
    Absent,
    /// A member with this status.
    Member(MemberStatus),
}

impl Held {
    /// Whether nothing is known.
    pub fn is_unknown(&self) -> bool {
        *self == Held::Unknown
    }

    /// The member status, if the account is a member.
    pub fn status(&self) -> Option<&MemberStatus> {
        match self {
            Held::Member(status) => Some(status),
            _ => None,
        }
    }
}

/// Journals keep `?` (unknown), `-` (absent) or the member status.
impl Serialize for Held {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Held::Unknown => serializer.serialize_str("?"),
            Held::Absent => serializer.serialize_str("-"),
            Held::Member(status) => status.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Held {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Held, D::Error> {
        let text = String::deserialize(deserializer)?;
        Held::from_saved(&text).map_err(serde::de::Error::custom)
    }
}

impl Held {
    /// Reads what [`Serialize`] writes.
    pub(crate) fn from_saved(text: &str) -> Result<Held, String> {
        match text {
            "?" => Ok(Held::Unknown),
            "-" => Ok(Held::Absent),
            _ => MemberStatus::from_saved(text).map(Held::Member),
        }
    }
}

/// What this run did to the account (each at most once per account, except after a repair).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Did {
    /// Deleted it (its email verification had failed) to create it again.
    pub deleted: bool,
    /// Created it as a member.
    pub created: bool,
    /// Sent it an invitation.
    pub invited: bool,
}

impl Did {
    /// Whether the run changed nothing.
    pub fn nothing(self) -> bool {
        self == Did::default()
    }

    /// The actions in plain words: `created and invited by this run`, `already a member`, …
    pub fn describe(self, member: bool) -> &'static str {
        match (self.deleted, self.created, self.invited) {
            (true, true, true) => "deleted, created again and invited by this run",
            (true, true, false) => "deleted and created again by this run",
            (true, false, _) => "deleted by this run",
            (false, true, true) => "created and invited by this run",
            (false, true, false) => "created by this run",
            (false, false, true) => "invited by this run",
            (false, false, false) if member => "already a member",
            (false, false, false) => "",
        }
    }
}

/// Journals keep the letters of what was done: `d`, `c`, `i`.
impl Serialize for Did {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = String::new();
        for (done, letter) in [(self.deleted, 'd'), (self.created, 'c'), (self.invited, 'i')] {
            if done {
                text.push(letter);
            }
        }
        serializer.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for Did {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Did, D::Error> {
        let text = String::deserialize(deserializer)?;
        Did::from_saved(&text).map_err(serde::de::Error::custom)
    }
}

impl Did {
    /// Reads what [`Serialize`] writes.
    pub(crate) fn from_saved(text: &str) -> Result<Did, String> {
        if let Some(other) = text.chars().find(|c| !matches!(c, 'd' | 'c' | 'i')) {
            return Err(format!(
                "expected the letters d, c and i, found `{}`",
                crate::diagnostic::quote(&other.to_string())
            ));
        }
        Ok(Did { deleted: text.contains('d'), created: text.contains('c'), invited: text.contains('i') })
    }
}

/// What went wrong for the account, kept until a later answer settles it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "problem")]
pub enum Problem {
    /// The service answered the request and did not process the account, saying why.
    #[serde(rename_all = "camelCase")]
    Refused {
        /// The request.
        op: Op,
        /// The reason, classified.
        reason: UnprocessedReason,
        /// The service's words.
        text: String,
    },
    /// The request failed for good (not retryable, or out of attempts).
    #[serde(rename_all = "camelCase")]
    Failed {
        /// The request.
        op: Op,
        /// The kind of failure.
        kind: FailureKind,
        /// The error code.
        code: String,
        /// The service's (or the transport's) words.
        message: String,
    },
}

impl Problem {
    /// The request the problem came from.
    pub fn op(&self) -> Op {
        match self {
            Problem::Refused { op, .. } | Problem::Failed { op, .. } => *op,
        }
    }

    /// The problem in plain words.
    pub fn describe(&self) -> String {
        match self {
            Problem::Refused { op, reason, text } => {
                let what = match op {
                    Op::Create => "not added",
                    Op::Invite => "not invited",
                    Op::Delete => "not deleted",
                    Op::Read => "not read",
                };
                format!("{what}: {}: {text}", reason.describe())
            }
            Problem::Failed { op, code, message, .. } => {
                let what = match op {
                    Op::Read => "could not read it back",
                    Op::Create => "could not create it",
                    Op::Invite => "could not invite it",
                    Op::Delete => "could not delete it",
                };
                if message.is_empty() { format!("{what}: {code}") } else { format!("{what}: {code}: {message}") }
            }
        }
    }
}

/// One account on one target: the durable facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// What the service holds.
    #[serde(rename = "h", default, skip_serializing_if = "Held::is_unknown")]
    pub held: Held,
    /// The email the service holds, kept when its verification failed (a repair needs a new one).
    #[serde(rename = "e", default, skip_serializing_if = "Option::is_none")]
    pub held_email: Option<String>,
    /// What this run did.
    #[serde(rename = "d", default, skip_serializing_if = "is_nothing")]
    pub did: Did,
    /// A request that may have changed the account without a clear answer; a read settles it.
    #[serde(rename = "q", default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Op>,
    /// What went wrong.
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
    /// The user asked to delete and create it again with the email in the list.
    #[serde(rename = "r", default, skip_serializing_if = "std::ops::Not::not")]
    pub repair: bool,
}

fn is_nothing(did: &Did) -> bool {
    did.nothing()
}

/// What the run does next for an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Next {
    /// Read what the service holds, now.
    Read,
    /// Delete, to create again with the email in the list.
    Delete,
    /// Create.
    Create,
    /// Invite (GuardDuty).
    Invite,
    /// Read again later: the status has not settled.
    Watch,
    /// Nothing: the account has its final outcome.
    Done,
}

/// What the rule needs besides the cell.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Context<'a> {
    pub(crate) service: Service,
    /// The run may change what the service holds (not a survey).
    pub(crate) act: bool,
    /// Every verification failure whose email differs from the list's may be repaired.
    pub(crate) repair_all: bool,
    /// The account's email in the list.
    pub(crate) list_email: Option<&'a str>,
    /// The run was cancelled, or its unit gave up.
    pub(crate) stopped: bool,
    /// The unit watched as long as it may.
    pub(crate) watch_ended: bool,
}

/// The rule: read what is not known, repair what the user allowed, create what is absent, invite
/// what was created, watch what has not settled — unless a problem says it cannot be done.
pub(crate) fn next(cell: &Cell, context: &Context<'_>) -> Next {
    if context.stopped {
        return Next::Done;
    }
    let failed = |op: Op| cell.problem.as_ref().is_some_and(|p| p.op() == op);
    match &cell.held {
        Held::Unknown if failed(Op::Read) => Next::Done,
        Held::Unknown => Next::Read,
        Held::Absent if cell.problem.is_some() || !context.act => Next::Done,
        Held::Absent => Next::Create,
        Held::Member(MemberStatus::VerificationFailed) => {
            let differs = match (&cell.held_email, context.list_email) {
                (Some(held), Some(list)) => !held.eq_ignore_ascii_case(list),
                // The service did not say which email failed: a repair is the user's call.
                (None, Some(_)) => true,
                (_, None) => false,
            };
            if context.act
                && context.service.verifies_email()
                && (cell.repair || context.repair_all)
                && differs
                && cell.problem.is_none()
            {
                Next::Delete
            } else {
                Next::Done
            }
        }
        Held::Member(MemberStatus::Created)
            if context.act && context.service.invites_separately() && !cell.did.invited && cell.problem.is_none() =>
        {
            Next::Invite
        }
        Held::Member(status)
            if !status.is_settled() && context.act && !context.watch_ended && cell.problem.is_none() =>
        {
            Next::Watch
        }
        Held::Member(_) => Next::Done,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(service: Service) -> Context<'static> {
        Context {
            service,
            act: true,
            repair_all: false,
            list_email: Some("new@example.com"),
            stopped: false,
            watch_ended: false,
        }
    }

    fn cell(held: Held) -> Cell {
        Cell { held, ..Cell::default() }
    }

    fn failed(op: Op) -> Option<Problem> {
        Some(Problem::Failed { op, kind: FailureKind::Transient, code: "500".into(), message: String::new() })
    }

    /// Every row of the rule, as data.
    #[test]
    fn the_rule() {
        let gd = context(Service::GuardDuty);
        let det = context(Service::Detective);
        let member = |s: MemberStatus| Held::Member(s);
        let cases: Vec<(&str, Cell, Context<'_>, Next)> = vec![
            ("never read", cell(Held::Unknown), gd, Next::Read),
            ("read failed for good", Cell { problem: failed(Op::Read), ..cell(Held::Unknown) }, gd, Next::Done),
            (
                "a create without an answer is read back",
                Cell { problem: failed(Op::Create), pending: Some(Op::Create), ..cell(Held::Unknown) },
                gd,
                Next::Read,
            ),
            ("absent: create", cell(Held::Absent), gd, Next::Create),
            ("absent, survey only", cell(Held::Absent), Context { act: false, ..gd }, Next::Done),
            (
                "absent after a failure: done",
                Cell { problem: failed(Op::Create), ..cell(Held::Absent) },
                gd,
                Next::Done,
            ),
            ("GuardDuty created: invite", cell(member(MemberStatus::Created)), gd, Next::Invite),
            (
                "invited, still created: watch",
                Cell { did: Did { invited: true, ..Did::default() }, ..cell(member(MemberStatus::Created)) },
                gd,
                Next::Watch,
            ),
            ("verifying: watch", cell(member(MemberStatus::VerifyingEmail)), det, Next::Watch),
            (
                "verifying, watch over",
                cell(member(MemberStatus::VerifyingEmail)),
                Context { watch_ended: true, ..det },
                Next::Done,
            ),
            ("settled", cell(member(MemberStatus::Invited)), gd, Next::Done),
            ("failed verification, no repair asked", cell(member(MemberStatus::VerificationFailed)), gd, Next::Done),
            (
                "failed verification, repair asked, new email",
                Cell {
                    repair: true,
                    held_email: Some("old@example.com".into()),
                    ..cell(member(MemberStatus::VerificationFailed))
                },
                det,
                Next::Delete,
            ),
            (
                "repair for all, same email (any case): nothing to gain",
                Cell { held_email: Some("NEW@example.com".into()), ..cell(member(MemberStatus::VerificationFailed)) },
                Context { repair_all: true, ..gd },
                Next::Done,
            ),
            ("cancelled", cell(Held::Absent), Context { stopped: true, ..gd }, Next::Done),
        ];
        for (name, cell, context, expected) in cases {
            assert_eq!(next(&cell, &context), expected, "{name}");
        }
    }

    #[test]
    fn cells_journal_compactly_and_read_back() {
        let cell = Cell {
            held: Held::Member(MemberStatus::Invited),
            did: Did { created: true, invited: true, deleted: false },
            ..Cell::default()
        };
        let json = serde_json::to_string(&cell).unwrap();
        assert_eq!(json, r#"{"h":"invited","d":"ci"}"#);
        assert_eq!(serde_json::from_str::<Cell>(&json).unwrap(), cell);
        assert_eq!(serde_json::to_string(&Cell::default()).unwrap(), "{}");
        let absent = Cell { held: Held::Absent, problem: failed(Op::Create), ..Cell::default() };
        assert_eq!(serde_json::from_str::<Cell>(&serde_json::to_string(&absent).unwrap()).unwrap(), absent);
        assert!(serde_json::from_str::<Cell>(r#"{"d":"cx"}"#).is_err());
    }
}
