//! Email rules of GuardDuty, Detective and Security Hub, which differ (see `reference/aws-api.md`).
//!
//! GuardDuty wants 6–64 characters of 7-bit ASCII with a conservative set of characters.
//! Detective checks `^.+@(?:(?:(?!-)[A-Za-z0-9-]{1,62})?[A-Za-z0-9]\.)+[A-Za-z]{2,63}$` on at most
//! 64 characters; the lookahead is beyond the `regex` crate, so both checks are written by hand.
//! Security Hub's model has only `.*\S.*` (some character that is not white space, no length
//! limit): it keeps the email as a contact address and never verifies it.

use crate::diagnostic::quote;
use crate::service::Service;

/// Why a service would reject an email, with a replacement when one is obvious.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailProblem {
    /// What was expected and what was found.
    pub message: String,
    /// A corrected email that passes the same rules, when the mistake is a known one.
    pub fix: Option<String>,
}

/// Checks `email` against `service`'s rules.
///
/// ```
/// use enlist_core::{check_email, Service};
/// assert!(check_email("ops@example.com", Service::GuardDuty).is_ok());
/// assert!(check_email("josé@example.com", Service::GuardDuty).is_err());
/// assert!(check_email("josé@example.com", Service::Detective).is_ok());
/// ```
pub fn check_email(email: &str, service: Service) -> Result<(), EmailProblem> {
    // The single-pass checks accept exactly what the explaining checks accept; the explaining
    // checks only run to say why an email fails.
    let fast = match service {
        Service::GuardDuty => guardduty_ok(email.as_bytes()),
        Service::Detective => detective_ok(email),
        Service::SecurityHub => security_hub(email).is_ok(),
    };
    if fast {
        return Ok(());
    }
    let result = match service {
        Service::GuardDuty => guardduty(email),
        Service::Detective => detective(email),
        Service::SecurityHub => security_hub(email),
    };
    result.map_err(|message| EmailProblem {
        message: format!("{} {message}", service.display_name()),
        fix: suggest(email).filter(|fixed| fixed != email && valid(fixed, service)),
    })
}

fn valid(email: &str, service: Service) -> bool {
    match service {
        Service::GuardDuty => guardduty(email).is_ok(),
        Service::Detective => detective(email).is_ok(),
        Service::SecurityHub => security_hub(email).is_ok(),
    }
}

/// Security Hub's `NonEmptyString`: `.*\S.*`.
fn security_hub(email: &str) -> Result<(), String> {
    if email.chars().any(|c| !c.is_whitespace()) {
        Ok(())
    } else {
        Err("expects an email with at least one character that is not white space, found only white space".to_owned())
    }
}

/// A repair for the mistakes people make when copying emails around.
fn suggest(email: &str) -> Option<String> {
    let mut candidate = email.trim();
    if let Some(rest) = candidate.get(..7).filter(|p| p.eq_ignore_ascii_case("mailto:")) {
        candidate = &candidate[rest.len()..];
    }
    // `Jane Doe <jane@example.com>`, as mail clients copy addresses.
    if let (Some(open), Some(close)) = (candidate.rfind('<'), candidate.rfind('>'))
        && open < close
    {
        candidate = &candidate[open + 1..close];
    }
    let mut candidate = candidate.trim().trim_end_matches(['.', ';', ',']);
    // `(ops@example.com)`, `[ops@example.com]`, `"ops@example.com"`: wrapped as notes and
    // spreadsheets write addresses; only a matching pair is taken off.
    for (open, close) in [('(', ')'), ('[', ']'), ('"', '"'), ('\'', '\'')] {
        if let Some(inner) = candidate.strip_prefix(open).and_then(|c| c.strip_suffix(close)) {
            candidate = inner.trim();
        }
    }
    let candidate = candidate.trim_end_matches(['.', ';', ',']);
    // `ops@example .com`, `ops@exa mple.com`: a domain never holds whitespace, so a space in it
    // is a typing or line-wrapping slip.
    if let Some(at) = candidate.rfind('@')
        && candidate[at..].contains(char::is_whitespace)
    {
        let domain: String = candidate[at..].chars().filter(|c| !c.is_whitespace()).collect();
        return Some(format!("{}{domain}", &candidate[..at]));
    }
    Some(candidate.to_owned())
}

/// Bytes GuardDuty accepts before the `@`: printable ASCII but for its forbidden characters.
const GUARDDUTY_LOCAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0x21;
    while b < 0x7f {
        table[b] = !matches!(
            b as u8,
            b'"' | b'\'' | b'(' | b')' | b'<' | b'>' | b'[' | b']' | b':' | b',' | b'\\' | b'|' | b'%' | b'&' | b'@'
        );
        b += 1;
    }
    table
};

fn guardduty_ok(email: &[u8]) -> bool {
    if !(6..=64).contains(&email.len()) {
        return false;
    }
    let Some(at) = memchr::memchr(b'@', email) else { return false };
    let (local, domain) = (&email[..at], &email[at + 1..]);
    let domain_ok = |b: &u8| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'-';
    !local.is_empty()
        && local[0] != b'.'
        && local.iter().all(|&b| GUARDDUTY_LOCAL[usize::from(b)])
        && domain.iter().all(domain_ok)
        && domain.contains(&b'.')
        && !matches!(domain.first(), Some(b'.' | b'-'))
        && !matches!(domain.last(), Some(b'.' | b'-'))
}

fn detective_ok(email: &str) -> bool {
    let bytes = email.as_bytes();
    if bytes.is_empty() || (bytes.len() > 64 && email.chars().count() > 64) {
        return false;
    }
    let Some(at) = memchr::memrchr(b'@', bytes) else { return false };
    let (local, domain) = (&email[..at], &bytes[at + 1..]);
    if local.is_empty() || local.contains(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}']) {
        return false;
    }
    let Some(dot) = memchr::memrchr(b'.', domain) else { return false };
    let tld = &domain[dot + 1..];
    (2..=63).contains(&tld.len())
        && tld.iter().all(u8::is_ascii_alphabetic)
        && domain[..dot].split(|&b| b == b'.').all(|label| {
            (1..=63).contains(&label.len())
                && label.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
                && label[0] != b'-'
                && label[label.len() - 1].is_ascii_alphanumeric()
        })
}

const GUARDDUTY_FORBIDDEN_LOCAL: &[char] = &['"', '\'', '(', ')', '<', '>', '[', ']', ':', ',', '\\', '|', '%', '&'];

fn guardduty(email: &str) -> Result<(), String> {
    if let Some(c) = email.chars().find(|c| !c.is_ascii()) {
        return Err(format!(
            "accepts only 7-bit ASCII in emails, found `{c}` in `{}`",
            crate::diagnostic::quote(email)
        ));
    }
    let len = email.len();
    if !(6..=64).contains(&len) {
        return Err(format!(
            "expects an email of 6 to 64 characters, found {len} in `{}`",
            crate::diagnostic::quote(email)
        ));
    }
    let ats = email.bytes().filter(|&b| b == b'@').count();
    if ats != 1 {
        return Err(format!("expects exactly one `@` in an email, found {ats} in `{}`", quote(email)));
    }
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    if local.is_empty() {
        return Err(format!("expects a name before the `@`, found none in `{}`", quote(email)));
    }
    if local.starts_with('.') {
        return Err(format!("rejects emails whose name starts with `.`, found `{}`", quote(email)));
    }
    if let Some(c) =
        local.chars().find(|c| c.is_ascii_whitespace() || c.is_ascii_control() || GUARDDUTY_FORBIDDEN_LOCAL.contains(c))
    {
        let what =
            if c == ' ' { "spaces".to_owned() } else { format!("`{}`", crate::diagnostic::quote(&c.to_string())) };
        return Err(format!("rejects {what} before the `@`, found one in `{}`", crate::diagnostic::quote(email)));
    }
    if let Some(c) = domain.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '.' || *c == '-')) {
        return Err(format!(
            "expects only letters, digits, `.` and `-` after the `@`, found `{}` in `{}`",
            crate::diagnostic::quote(&c.to_string()),
            crate::diagnostic::quote(email)
        ));
    }
    if !domain.contains('.') {
        return Err(format!("expects a domain with a dot after the `@`, found `{}`", quote(domain)));
    }
    if domain.starts_with(['.', '-']) || domain.ends_with(['.', '-']) {
        return Err(format!(
            "expects a domain that neither starts nor ends with `.` or `-`, found `{}`",
            quote(domain)
        ));
    }
    Ok(())
}

fn detective(email: &str) -> Result<(), String> {
    let len = email.chars().count();
    if !(1..=64).contains(&len) {
        return Err(format!(
            "expects an email of 1 to 64 characters, found {len} in `{}`",
            crate::diagnostic::quote(email)
        ));
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(format!("expects an `@` in an email, found none in `{}`", crate::diagnostic::quote(email)));
    };
    if local.is_empty() {
        return Err(format!("expects a name before the `@`, found none in `{}`", quote(email)));
    }
    if let Some(c) = local.chars().find(|c| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')) {
        return Err(format!(
            "rejects line breaks in emails, found `{}` in `{}`",
            crate::diagnostic::quote(&c.to_string()),
            crate::diagnostic::quote(email)
        ));
    }
    let mut labels: Vec<&str> = domain.split('.').collect();
    let tld = labels.pop().unwrap_or("");
    if labels.is_empty() {
        return Err(format!("expects a domain with a dot after the `@`, found `{}`", crate::diagnostic::quote(domain)));
    }
    if !(2..=63).contains(&tld.len()) || !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!(
            "expects the domain to end in 2 to 63 letters (like `.com`), found `.{}` in `{}`",
            crate::diagnostic::quote(tld),
            crate::diagnostic::quote(email)
        ));
    }
    for label in labels {
        let bytes = label.as_bytes();
        let ok = (1..=63).contains(&bytes.len())
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && bytes[0] != b'-'
            && bytes[bytes.len() - 1].is_ascii_alphanumeric();
        if !ok {
            return Err(format!(
                "expects domain parts of 1 to 63 letters, digits or inner `-`, found `{}` in `{}`",
                crate::diagnostic::quote(label),
                crate::diagnostic::quote(email)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gd(email: &str) -> Result<(), String> {
        check_email(email, Service::GuardDuty).map_err(|p| p.message)
    }

    fn det(email: &str) -> Result<(), String> {
        check_email(email, Service::Detective).map_err(|p| p.message)
    }

    #[test]
    fn security_hub_takes_any_text_that_is_not_blank() {
        let sh = |email| check_email(email, Service::SecurityHub).map_err(|p| p.message);
        let long = "a".repeat(300);
        for email in ["a@example.com", "josé@example.com", "ops@example", "x", &long] {
            assert_eq!(sh(email), Ok(()), "{email}");
        }
        assert_eq!(
            sh(" \t"),
            Err("Security Hub expects an email with at least one character that is not white space, found only white space"
                .to_owned())
        );
    }

    #[test]
    fn both_accept_ordinary_emails() {
        for email in ["a@example.com", "first.last+tag@sub.example.co.uk", "ops-1@x-y.io", "UPPER@EXAMPLE.COM"] {
            assert_eq!(gd(email), Ok(()), "{email}");
            assert_eq!(det(email), Ok(()), "{email}");
        }
    }

    #[test]
    fn the_rules_differ() {
        // Detective allows any characters before the `@`; GuardDuty is stricter.
        for email in ["josé@example.com", "o'brien@example.com", "a,b@example.com", "50%@example.com", ".a@example.com"]
        {
            assert!(gd(email).is_err(), "{email}");
            assert_eq!(det(email), Ok(()), "{email}");
        }
        // Detective wants a letters-only TLD of 2+ and no `-` at label edges; GuardDuty does not check.
        for email in ["ops@example.c0m", "ops@example.c", "ops@-example.com", "ops@example-.com", "ops@10.0.0.1"] {
            assert!(det(email).is_err(), "{email}");
        }
        assert_eq!(gd("ops@10.0.0.1"), Ok(()));
        // GuardDuty's minimum length is 6.
        assert!(gd("a@b.c").unwrap_err().contains("6 to 64 characters, found 5"));
    }

    #[test]
    fn messages_say_what_was_found() {
        assert_eq!(
            gd("ops@@example.com").unwrap_err(),
            "GuardDuty expects exactly one `@` in an email, found 2 in `ops@@example.com`"
        );
        assert_eq!(
            gd("josé@example.com").unwrap_err(),
            "GuardDuty accepts only 7-bit ASCII in emails, found `é` in `josé@example.com`"
        );
        assert_eq!(
            det("ops@example").unwrap_err(),
            "Detective expects a domain with a dot after the `@`, found `example`"
        );
        let long = format!("{}@example.com", "a".repeat(60));
        assert!(det(&long).unwrap_err().contains("found 72"));
    }

    proptest::proptest! {
        #[test]
        fn fast_and_explaining_checks_agree(email in r#"[a-zA-Z0-9.@\-_+'"()<>:,%&|\[\] éü\n]{0,70}"#) {
            proptest::prop_assert_eq!(guardduty_ok(email.as_bytes()), guardduty(&email).is_ok(), "{:?}", email);
            proptest::prop_assert_eq!(detective_ok(&email), detective(&email).is_ok(), "{:?}", email);
        }

        #[test]
        fn fast_and_explaining_checks_agree_on_near_valid_emails(
            local in r#"[a-z.\-é'\n]{0,8}"#,
            labels in proptest::collection::vec(r"[a-z0-9\-]{0,5}", 0..4),
            tld in r"[a-z0-9]{0,4}",
        ) {
            let email = format!("{local}@{}{tld}", labels.iter().map(|l| format!("{l}.")).collect::<String>());
            proptest::prop_assert_eq!(guardduty_ok(email.as_bytes()), guardduty(&email).is_ok(), "{:?}", email);
            proptest::prop_assert_eq!(detective_ok(&email), detective(&email).is_ok(), "{:?}", email);
        }
    }

    #[test]
    fn suggests_fixes_for_copied_addresses() {
        let fix = |e| check_email(e, Service::GuardDuty).unwrap_err().fix;
        assert_eq!(fix("mailto:ops@example.com"), Some("ops@example.com".to_owned()));
        assert_eq!(fix("Ops Team <ops@example.com>"), Some("ops@example.com".to_owned()));
        assert_eq!(fix("ops@example.com."), Some("ops@example.com".to_owned()));
        assert_eq!(fix("ops@example"), None);
        assert_eq!(fix("ops@exa mple.com"), Some("ops@example.com".to_owned()));
        assert_eq!(fix("ops@example .com"), Some("ops@example.com".to_owned()));
        assert_eq!(fix("ops@example.\u{A0}com"), Some("ops@example.com".to_owned()));
        assert_eq!(fix("(ops@example.com)"), Some("ops@example.com".to_owned()));
        assert_eq!(fix("[ops@example.com]."), Some("ops@example.com".to_owned()));
        assert_eq!(fix("\"ops@example.com\""), Some("ops@example.com".to_owned()));
        // An unmatched bracket is not a wrapper: nothing is guessed.
        assert_eq!(fix("(ops@example.com"), None);
        // Only the domain: a space before the `@` is not a slip Enlist can undo with confidence.
        assert_eq!(fix("o ps@example.com"), None);
    }
}
