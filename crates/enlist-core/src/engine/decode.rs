//! Reads the journal's records into the engine's types with the crate's own JSON reader (the one
//! pasted lists are read with), not serde: the browser app then carries one JSON reader for both,
//! and none of serde's per-type decoders, which for the journal's tagged enums buffer every value
//! first. The journal is still written with serde; a test checks that these readers and serde's
//! agree on every record a run writes.
//!
//! Each reader takes a value of the tree and says what it expected and what it found; a field's
//! error is prefixed with its name, so a message reads as a path (`` `cells`: item 3: `p`: … ``).
//! As serde's derives do, fields the reader does not know are passed over.

use crate::account::AccountId;
use crate::outcome::UnprocessedReason;
use crate::parse::json::{Member, Node, Value};
use crate::target::{Destination, OptionsV1, TargetRepr, Unreachable};
use crate::wire::FailureKind;

use super::cell::{Cell, Did, Held, Op, Problem};
use super::pace::{Pacing, RetryPolicy};
use super::{RunConfig, Skipped, WatchPolicy};

pub(super) type Read<T> = Result<T, String>;

/// An object's members, read by name.
#[derive(Clone, Copy)]
pub(super) struct Fields<'v, 'a>(&'v [Member<'a>]);

impl<'v, 'a> Fields<'v, 'a> {
    /// The members of `value`, which must be an object.
    pub(super) fn of(value: &'v Value<'a>) -> Read<Fields<'v, 'a>> {
        match value {
            Value::Object(members) => Ok(Fields(members)),
            other => Err(format!("expected an object, found {}", other.describe())),
        }
    }

    /// The member named `name`, if the object has it.
    pub(super) fn get(self, name: &str) -> Option<&'v Value<'a>> {
        self.0.iter().find(|m| m.key == name).map(|m| &m.value.value)
    }

    /// Every member, in the order written.
    pub(super) fn iter(self) -> impl Iterator<Item = (&'v str, &'v Value<'a>)> {
        self.0.iter().map(|m| (&*m.key, &m.value.value))
    }

    /// The member `name`, read with `read`; it must be there.
    pub(super) fn need<T>(self, name: &str, read: impl FnOnce(&'v Value<'a>) -> Read<T>) -> Read<T> {
        match self.get(name) {
            Some(value) => read(value).map_err(|e| format!("`{name}`: {e}")),
            None => Err(format!("expected a `{name}`, found none")),
        }
    }

    /// The member `name`, read with `read`, or `None` when it is missing or `null`.
    pub(super) fn maybe<T>(self, name: &str, read: impl FnOnce(&'v Value<'a>) -> Read<T>) -> Read<Option<T>> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => read(value).map(Some).map_err(|e| format!("`{name}`: {e}")),
        }
    }

    /// The member `name`, read with `read`, or `T::default()` when it is missing (`null` is read,
    /// as serde's `default` does: a flag or a number is never `null`).
    pub(super) fn or_default<T: Default>(self, name: &str, read: impl FnOnce(&'v Value<'a>) -> Read<T>) -> Read<T> {
        match self.get(name) {
            None => Ok(T::default()),
            Some(value) => read(value).map_err(|e| format!("`{name}`: {e}")),
        }
    }
}

pub(super) fn text<'v>(value: &'v Value<'_>) -> Read<&'v str> {
    match value {
        Value::String(text, _) => Ok(text),
        other => Err(format!("expected a string, found {}", other.describe())),
    }
}

pub(super) fn string(value: &Value<'_>) -> Read<String> {
    text(value).map(str::to_owned)
}

pub(super) fn flag(value: &Value<'_>) -> Read<bool> {
    match value {
        Value::Bool(on) => Ok(*on),
        other => Err(format!("expected true or false, found {}", other.describe())),
    }
}

/// A whole number that fits `T` (serde's reading of the integers the journal writes).
pub(super) fn number<T: TryFrom<u64>>(value: &Value<'_>) -> Read<T> {
    let expected = || format!("expected a whole number up to {}, found {}", u64::MAX, value.describe());
    let Value::Number(digits) = value else { return Err(expected()) };
    let n: u64 = digits.parse().map_err(|_| expected())?;
    T::try_from(n).map_err(|_| format!("expected a smaller number, found {}", value.describe()))
}

pub(super) fn list<'v, 'a, T>(value: &'v Value<'a>, read: impl Fn(&'v Value<'a>) -> Read<T>) -> Read<Vec<T>> {
    items(value)?
        .iter()
        .enumerate()
        .map(|(i, node)| read(&node.value).map_err(|e| format!("item {}: {e}", i + 1)))
        .collect()
}

pub(super) fn items<'v, 'a>(value: &'v Value<'a>) -> Read<&'v [Node<'a>]> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(format!("expected an array, found {}", other.describe())),
    }
}

/// One of `names`, as the word at the same place in `values`.
fn word<T: Copy>(value: &Value<'_>, names: &[&str], values: &[T]) -> Read<T> {
    let found = text(value)?;
    match names.iter().position(|name| *name == found) {
        Some(i) => Ok(values[i]),
        None => Err(format!(
            "expected one of {}, found \"{}\"",
            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
            crate::diagnostic::quote(found)
        )),
    }
}

const OPS: [&str; 4] = ["read", "delete", "create", "invite"];
const OP_VALUES: [Op; 4] = [Op::Read, Op::Delete, Op::Create, Op::Invite];

pub(super) fn op(value: &Value<'_>) -> Read<Op> {
    word(value, &OPS, &OP_VALUES)
}

const REASONS: [&str; 5] = ["alreadyMember", "ownAccount", "memberOfAnotherAdministrator", "limitReached", "other"];
const REASON_VALUES: [UnprocessedReason; 5] = [
    UnprocessedReason::AlreadyMember,
    UnprocessedReason::OwnAccount,
    UnprocessedReason::MemberOfAnotherAdministrator,
    UnprocessedReason::LimitReached,
    UnprocessedReason::Other,
];

pub(super) fn reason(value: &Value<'_>) -> Read<UnprocessedReason> {
    word(value, &REASONS, &REASON_VALUES)
}

const FAILURES: [&str; 6] = ["throttled", "transient", "quota", "auth", "invalidRequest", "unknown"];
const FAILURE_VALUES: [FailureKind; 6] = [
    FailureKind::Throttled,
    FailureKind::Transient,
    FailureKind::Quota,
    FailureKind::Auth,
    FailureKind::InvalidRequest,
    FailureKind::Unknown,
];

fn failure(value: &Value<'_>) -> Read<FailureKind> {
    word(value, &FAILURES, &FAILURE_VALUES)
}

pub(super) fn account_id(value: &Value<'_>) -> Read<AccountId> {
    parsed(value)
}

fn problem(value: &Value<'_>) -> Read<Problem> {
    let fields = Fields::of(value)?;
    let op = fields.need("op", op)?;
    match fields.need("problem", text)? {
        "refused" => {
            Ok(Problem::Refused { op, reason: fields.need("reason", reason)?, text: fields.need("text", string)? })
        }
        "failed" => Ok(Problem::Failed {
            op,
            kind: fields.need("kind", failure)?,
            code: fields.need("code", string)?,
            message: fields.need("message", string)?,
        }),
        other => {
            Err(format!("expected the problem `refused` or `failed`, found \"{}\"", crate::diagnostic::quote(other)))
        }
    }
}

pub(super) fn cell(value: &Value<'_>) -> Read<Cell> {
    let fields = Fields::of(value)?;
    Ok(Cell {
        held: fields.or_default("h", |v| Held::from_saved(text(v)?))?,
        held_email: fields.maybe("e", string)?,
        did: fields.or_default("d", |v| Did::from_saved(text(v)?))?,
        pending: fields.maybe("q", op)?,
        problem: fields.maybe("p", problem)?,
        repair: fields.or_default("r", flag)?,
    })
}

fn unreachable(value: &Value<'_>) -> Read<Unreachable> {
    let fields = Fields::of(value)?;
    Ok(match fields.need("kind", text)? {
        "notEnabled" => Unreachable::NotEnabled,
        "noDetector" => Unreachable::NoDetector,
        "noGraph" => Unreachable::NoGraph,
        "noHub" => Unreachable::NoHub,
        "accessDenied" => Unreachable::AccessDenied { message: fields.need("message", string)? },
        "failed" => {
            Unreachable::Failed { code: fields.need("code", string)?, message: fields.need("message", string)? }
        }
        other => {
            return Err(format!(
                "expected a reason such as `noDetector` or `accessDenied`, found \"{}\"",
                crate::diagnostic::quote(other)
            ));
        }
    })
}

fn parsed<T: std::str::FromStr<Err: std::fmt::Display>>(value: &Value<'_>) -> Read<T> {
    text(value)?.parse().map_err(|e: T::Err| e.to_string())
}

/// A target: what `Target`'s serde form holds, version 1's `options` included.
pub(super) fn target(value: &Value<'_>) -> Read<crate::target::Target> {
    let fields = Fields::of(value)?;
    const KNOWN: [&str; 9] = [
        "service",
        "region",
        "detectorId",
        "graphArn",
        "hubArn",
        "organizationMode",
        "message",
        "disableEmailNotification",
        "options",
    ];
    if let Some((name, _)) = fields.iter().find(|(name, _)| !KNOWN.contains(name)) {
        return Err(format!("expected the fields of a target, found `{}`", crate::diagnostic::quote(name)));
    }
    let options = fields.maybe("options", |v| {
        let options = Fields::of(v)?;
        Ok(OptionsV1 {
            message: options.maybe("message", string)?,
            disable_email_notification: options.or_default("disableEmailNotification", flag)?,
            organization_mode: options.or_default("organizationMode", flag)?,
        })
    })?;
    TargetRepr {
        service: fields.need("service", parsed)?,
        region: fields.need("region", parsed)?,
        detector_id: fields.maybe("detectorId", parsed)?,
        graph_arn: fields.maybe("graphArn", parsed)?,
        hub_arn: fields.maybe("hubArn", parsed)?,
        organization_mode: fields.or_default("organizationMode", flag)?,
        message: fields.maybe("message", string)?,
        disable_email_notification: fields.or_default("disableEmailNotification", flag)?,
        options,
    }
    .into_target()
    .map_err(|e| e.to_string())
}

/// A destination: a target, or a service and region with why nothing can be sent there.
pub(super) fn destination(value: &Value<'_>) -> Read<Destination> {
    let fields = Fields::of(value)?;
    if fields.get("unreachable").is_none() {
        return target(value).map(Destination::Target);
    }
    Ok(Destination::Unavailable {
        service: fields.need("service", parsed)?,
        region: fields.need("region", parsed)?,
        unreachable: fields.need("unreachable", unreachable)?,
    })
}

pub(super) fn skipped(value: &Value<'_>) -> Read<Skipped> {
    let fields = Fields::of(value)?;
    Ok(Skipped {
        line: fields.need("line", number)?,
        text: fields.need("text", string)?,
        account: fields.maybe("account", string)?,
        email: fields.maybe("email", string)?,
        reason: fields.need("reason", string)?,
    })
}

/// The run's settings; what is missing keeps its default, as serde's `default` does.
pub(super) fn config(value: &Value<'_>) -> Read<RunConfig> {
    let mut config = RunConfig::default();
    for (name, value) in Fields::of(value)?.iter() {
        let field = |e: String| format!("`{name}`: {e}");
        match name {
            "retry" => config.retry = retry(value).map_err(field)?,
            "pacing" => config.pacing = pacing(value).map_err(field)?,
            "watch" => config.watch = watch(value).map_err(field)?,
            "seed" => config.seed = number(value).map_err(field)?,
            "survey" => config.survey = flag(value).map_err(field)?,
            "repairFailed" => config.repair_failed = flag(value).map_err(field)?,
            _ => {}
        }
    }
    Ok(config)
}

fn retry(value: &Value<'_>) -> Read<RetryPolicy> {
    let mut retry = RetryPolicy::default();
    for (name, value) in Fields::of(value)?.iter() {
        let field = |e: String| format!("`{name}`: {e}");
        match name {
            "maxAttempts" => retry.max_attempts = number(value).map_err(field)?,
            "maxThrottledAttempts" => retry.max_throttled_attempts = number(value).map_err(field)?,
            "baseDelayMs" => retry.base_delay_ms = number(value).map_err(field)?,
            "maxDelayMs" => retry.max_delay_ms = number(value).map_err(field)?,
            "bucketCapacity" => retry.bucket_capacity = number(value).map_err(field)?,
            "retryCost" => retry.retry_cost = number(value).map_err(field)?,
            "timeoutRetryCost" => retry.timeout_retry_cost = number(value).map_err(field)?,
            "requestTimeoutMs" => retry.request_timeout_ms = number(value).map_err(field)?,
            _ => {}
        }
    }
    Ok(retry)
}

fn pacing(value: &Value<'_>) -> Read<Pacing> {
    let mut pacing = Pacing::default();
    for (name, value) in Fields::of(value)?.iter() {
        let field = |e: String| format!("`{name}`: {e}");
        match name {
            "initial" => pacing.initial = number(value).map_err(field)?,
            "max" => pacing.max = number(value).map_err(field)?,
            "throttledIntervalMs" => pacing.throttled_interval_ms = number(value).map_err(field)?,
            "maxIntervalMs" => pacing.max_interval_ms = number(value).map_err(field)?,
            _ => {}
        }
    }
    Ok(pacing)
}

fn watch(value: &Value<'_>) -> Read<WatchPolicy> {
    let mut watch = WatchPolicy::default();
    for (name, value) in Fields::of(value)?.iter() {
        let field = |e: String| format!("`{name}`: {e}");
        match name {
            "timeoutMs" => watch.timeout_ms = number(value).map_err(field)?,
            "firstMs" => watch.first_ms = number(value).map_err(field)?,
            "maxMs" => watch.max_ms = number(value).map_err(field)?,
            _ => {}
        }
    }
    Ok(watch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T>(json: &str, reader: impl Fn(&Value<'_>) -> Read<T>) -> Read<T> {
        reader(&crate::parse::json::read_value(json).unwrap())
    }

    /// The word tables name every variant as serde writes it.
    #[test]
    fn words_are_what_serde_writes() {
        for (name, value) in OPS.iter().zip(OP_VALUES) {
            assert_eq!(serde_json::to_string(&value).unwrap(), format!("\"{name}\""));
        }
        for (name, value) in REASONS.iter().zip(REASON_VALUES) {
            assert_eq!(serde_json::to_string(&value).unwrap(), format!("\"{name}\""));
        }
        for (name, value) in FAILURES.iter().zip(FAILURE_VALUES) {
            assert_eq!(serde_json::to_string(&value).unwrap(), format!("\"{name}\""));
        }
        let unreachables = [
            Unreachable::NotEnabled,
            Unreachable::NoDetector,
            Unreachable::NoGraph,
            Unreachable::NoHub,
            Unreachable::AccessDenied { message: "no".to_owned() },
            Unreachable::Failed { code: "X".to_owned(), message: "y".to_owned() },
        ];
        for value in unreachables {
            assert_eq!(read(&serde_json::to_string(&value).unwrap(), unreachable), Ok(value));
        }
    }

    #[test]
    fn messages_say_where_what_was_expected_and_what_was_found() {
        assert_eq!(
            read(r#"{"p":{"problem":"refused","op":"create","reason":"other"}}"#, cell).unwrap_err(),
            "`p`: expected a `text`, found none"
        );
        assert_eq!(
            read(r#"{"q":"send"}"#, cell).unwrap_err(),
            "`q`: expected one of `read`, `delete`, `create`, `invite`, found \"send\""
        );
        assert_eq!(read(r#"{"d":"cx"}"#, cell).unwrap_err(), "`d`: expected the letters d, c and i, found `x`");
        assert_eq!(read(r#"{"h":5}"#, cell).unwrap_err(), "`h`: expected a string, found the number 5");
        assert_eq!(read(r#"[]"#, cell).unwrap_err(), "expected an object, found an array");
        assert_eq!(
            read(r#"{"seed":-1}"#, config).unwrap_err(),
            "`seed`: expected a whole number up to 18446744073709551615, found the number -1"
        );
        assert_eq!(
            read(r#"{"pacing":{"max":4294967296}}"#, config).unwrap_err(),
            "`pacing`: `max`: expected a smaller number, found the number 4294967296"
        );
        let target_json =
            r#"{"service":"guardduty","region":"us-east-1","detectorId":"12abc34d567e8fa901bc2d34e56789f0","extra":1}"#;
        assert_eq!(read(target_json, destination).unwrap_err(), "expected the fields of a target, found `extra`");
        let hub = r#"{"service":"guardduty","region":"us-east-1","graphArn":"arn:aws:detective:us-east-1:111122223333:graph:0123456789abcdef0123456789abcdef"}"#;
        assert!(read(hub, target).unwrap_err().starts_with("expected a GuardDuty target"));
    }

    /// A cell with nothing known writes `{}`, and `null` reads as missing.
    #[test]
    fn missing_and_null_fields_take_their_defaults() {
        assert_eq!(read("{}", cell), Ok(Cell::default()));
        assert_eq!(read(r#"{"e":null,"q":null,"p":null}"#, cell), Ok(Cell::default()));
        assert_eq!(read(r#"{"r":null}"#, cell).unwrap_err(), "`r`: expected true or false, found null");
        assert_eq!(read("{}", config), Ok(RunConfig::default()));
    }
}
