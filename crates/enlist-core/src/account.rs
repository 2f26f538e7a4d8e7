//! Account IDs and accounts: the validated values everything downstream takes.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::span::Span;

/// A 12-digit AWS account ID. Leading zeros are part of the ID.
///
/// Only [`FromStr`] builds one, so holding an `AccountId` means holding exactly 12 ASCII digits.
///
/// ```
/// use enlist_core::AccountId;
/// let id: AccountId = "012345678901".parse().unwrap();
/// assert_eq!(id.to_string(), "012345678901");
/// assert!("12345678901".parse::<AccountId>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(u64);

impl AccountId {
    /// The ID as a number; `012345678901` is `12345678901`.
    pub const fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:012}", self.0)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({self})")
    }
}

/// Why a text is not an [`AccountId`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountIdError {
    found: String,
}

impl fmt::Display for AccountIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected a 12-digit account ID, found `{}`", self.found)
    }
}

impl std::error::Error for AccountIdError {}

impl FromStr for AccountId {
    type Err = AccountIdError;

    fn from_str(s: &str) -> Result<AccountId, AccountIdError> {
        parse_twelve_digits(s.as_bytes()).ok_or_else(|| AccountIdError { found: s.to_owned() })
    }
}

fn parse_twelve_digits(bytes: &[u8]) -> Option<AccountId> {
    if bytes.len() != 12 {
        return None;
    }
    let mut value = 0u64;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(b - b'0');
    }
    Some(AccountId(value))
}

impl Serialize for AccountId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<AccountId, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Text inside a buffer shared by every account of one parse: cloning an account, or putting it in
/// a batch, copies no email.
#[derive(Clone)]
pub(crate) struct SharedStr {
    pool: Arc<str>,
    start: usize,
    end: usize,
}

impl SharedStr {
    pub(crate) fn new(pool: &Arc<str>, range: std::ops::Range<usize>) -> SharedStr {
        SharedStr { pool: Arc::clone(pool), start: range.start, end: range.end }
    }

    pub(crate) fn as_str(&self) -> &str {
        self.pool.get(self.start..self.end).unwrap_or("")
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &SharedStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for SharedStr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One account read from the input: an ID, an email when the input had one, and where it came from.
///
/// Accounts come out of [`parse`](crate::parse) only; by then the ID is valid, the email passed the
/// selected services' rules, and no other account in the same result has the same ID.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    id: AccountId,
    email: Option<SharedStr>,
    span: Span,
}

impl Account {
    pub(crate) fn new(id: AccountId, email: Option<SharedStr>, span: Span) -> Account {
        Account { id, email, span }
    }

    /// The account ID.
    pub fn id(&self) -> AccountId {
        self.id
    }

    /// The email, cleaned of invisible characters and surrounding whitespace.
    pub fn email(&self) -> Option<&str> {
        self.email.as_ref().map(SharedStr::as_str)
    }

    /// The bytes of the input this account was read from (its line, or its JSON object).
    pub fn span(&self) -> Span {
        self.span
    }
}

/// What a cleaned ID field looks like, before it is accepted or rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IdShape {
    /// Exactly 12 digits.
    Valid(AccountId),
    /// Only digits, but not 12 of them.
    Digits(usize),
    /// `444455556666.0`: a spreadsheet stored the ID as a number; the digits before the point.
    Decimal(String),
    /// `4444-5555-6666` or `4444 5555 6666`, as the AWS console displays IDs; the bare digits.
    Grouped(String),
    /// `4.44456E+11`: the digits that survive, and whether they are all the digits of the ID.
    Scientific { digits: Option<String> },
    /// Anything else.
    Other,
}

impl IdShape {
    /// Whether the field is plausibly meant as an account ID (as opposed to a name or a date).
    pub(crate) fn is_id_like(&self) -> bool {
        !matches!(self, IdShape::Other)
    }
}

/// Classifies a cleaned field as an account ID shape without allocating in the common case.
pub(crate) fn id_shape(text: &str) -> IdShape {
    let bytes = text.as_bytes();
    if let Some(id) = parse_twelve_digits(bytes) {
        return IdShape::Valid(id);
    }
    if bytes.is_empty() {
        return IdShape::Other;
    }
    if bytes.iter().all(u8::is_ascii_digit) {
        return IdShape::Digits(bytes.len());
    }
    if let Some((int, frac)) = text.split_once('.')
        && !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b == b'0')
    {
        return IdShape::Decimal(int.to_owned());
    }
    if let Some(digits) = grouped_digits(bytes) {
        return IdShape::Grouped(digits);
    }
    if let Some(digits) = scientific(text) {
        return IdShape::Scientific { digits };
    }
    IdShape::Other
}

/// `4444-5555-6666` and `4444 5555 6666`: three groups of four digits with one kind of separator.
fn grouped_digits(bytes: &[u8]) -> Option<String> {
    if bytes.len() != 14 {
        return None;
    }
    let sep = bytes[4];
    if !matches!(sep, b'-' | b' ') || bytes[9] != sep {
        return None;
    }
    let mut digits = String::with_capacity(12);
    for (i, &b) in bytes.iter().enumerate() {
        if i == 4 || i == 9 {
            continue;
        }
        if !b.is_ascii_digit() {
            return None;
        }
        digits.push(char::from(b));
    }
    Some(digits)
}

/// Reads `4.44456E+11`. Returns `Some(Some(digits))` when the mantissa holds every digit of the
/// integer it denotes, `Some(None)` when digits were lost, and `None` when it is not scientific
/// notation at all.
fn scientific(text: &str) -> Option<Option<String>> {
    let (mantissa, exponent) = text.split_once(['e', 'E'])?;
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    if exponent.is_empty() || exponent.len() > 3 || !exponent.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let exponent: usize = exponent.parse().ok()?;
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > exponent {
        // The number has a fractional part: it is not an integer ID at all.
        return Some(None);
    }
    // Without trailing zeros we cannot tell significant zeros from rounding, unless the mantissa
    // already spells out every digit the exponent asks for.
    let mut digits = format!("{int}{frac}");
    let missing = exponent - frac.len();
    if missing > 0 {
        return Some(None);
    }
    let trimmed = digits.trim_start_matches('0');
    digits = if trimmed.is_empty() { "0".to_owned() } else { trimmed.to_owned() };
    Some(Some(digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_twelve_digits() {
        assert_eq!("000000000001".parse::<AccountId>().unwrap().as_u64(), 1);
        assert_eq!("999999999999".parse::<AccountId>().unwrap().to_string(), "999999999999");
        for bad in ["", "12345678901", "1234567890123", "12345678901a", " 123456789012", "１２３４５６７８９０１２"]
        {
            let err = bad.parse::<AccountId>().unwrap_err();
            assert_eq!(err.to_string(), format!("expected a 12-digit account ID, found `{bad}`"));
        }
    }

    #[test]
    fn serializes_as_a_padded_string() {
        let id: AccountId = "012345678901".parse().unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"012345678901\"");
        let back: AccountId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
        assert!(serde_json::from_str::<AccountId>("\"12\"").is_err());
    }

    #[test]
    fn shapes() {
        assert_eq!(id_shape("11112222333"), IdShape::Digits(11));
        assert_eq!(id_shape("444455556666.0"), IdShape::Decimal("444455556666".into()));
        assert_eq!(id_shape("444455556666.00"), IdShape::Decimal("444455556666".into()));
        assert_eq!(id_shape("1481835741.044"), IdShape::Other);
        assert_eq!(id_shape("4444-5555-6666"), IdShape::Grouped("444455556666".into()));
        assert_eq!(id_shape("4444 5555 6666"), IdShape::Grouped("444455556666".into()));
        assert_eq!(id_shape("4444-5555 6666"), IdShape::Other);
        assert_eq!(id_shape("4.44456E+11"), IdShape::Scientific { digits: None });
        assert_eq!(id_shape("4.44455556666E+11"), IdShape::Scientific { digits: Some("444455556666".into()) });
        assert_eq!(id_shape("1.2e1"), IdShape::Scientific { digits: Some("12".into()) });
        assert_eq!(id_shape("1.25e1"), IdShape::Scientific { digits: None });
        assert_eq!(id_shape("2020-01-01T00:00:00Z"), IdShape::Other);
        assert_eq!(id_shape("e5"), IdShape::Other);
        assert_eq!(id_shape("Prod"), IdShape::Other);
    }
}
