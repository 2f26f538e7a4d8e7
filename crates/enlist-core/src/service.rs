//! The AWS services Enlist adds members to, and what differs between them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An AWS service with a CreateMembers operation.
///
/// What differs between the services is described here, in one place: names, quotas, whether
/// members need a separate invitation, whether emails are required and checked, and how a region
/// is found usable. The wire codecs (`wire.rs`), the email rules (`email.rs`) and the status
/// spellings (`member.rs`) hold the rest, one arm per service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// Amazon GuardDuty (`POST /detector/{id}/member`).
    GuardDuty,
    /// Amazon Detective (`POST /graph/members`).
    Detective,
    /// AWS Security Hub (`POST /members`).
    SecurityHub,
}

impl Service {
    /// Every service, in the order tables and forms show them.
    pub const ALL: [Service; 3] = [Service::GuardDuty, Service::Detective, Service::SecurityHub];

    /// The lowercase identifier used in URLs, flags, JSON and SigV4 signing: `guardduty`,
    /// `detective` or `securityhub`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Service::GuardDuty => "guardduty",
            Service::Detective => "detective",
            Service::SecurityHub => "securityhub",
        }
    }

    /// The product name people know: `GuardDuty`, `Detective` or `Security Hub`.
    pub const fn display_name(self) -> &'static str {
        match self {
            Service::GuardDuty => "GuardDuty",
            Service::Detective => "Detective",
            Service::SecurityHub => "Security Hub",
        }
    }

    /// How many members one administrator can add by invitation, per region (GuardDuty,
    /// Security Hub) or per behavior graph (Detective).
    pub const fn member_quota(self) -> usize {
        match self {
            Service::GuardDuty | Service::SecurityHub => 1_000,
            Service::Detective => 1_200,
        }
    }

    /// What the quota counts, in words: `invited members per administrator per region`.
    pub const fn quota_unit(self) -> &'static str {
        match self {
            Service::GuardDuty | Service::SecurityHub => "invited members per administrator per region",
            Service::Detective => "members per behavior graph",
        }
    }

    /// Whether a created member needs a separate InviteMembers (GuardDuty and Security Hub);
    /// Detective invites as it creates.
    pub const fn invites_separately(self) -> bool {
        matches!(self, Service::GuardDuty | Service::SecurityHub)
    }

    /// Whether every account needs an email: GuardDuty always, Detective unless the behavior graph
    /// is an organization's; Security Hub never (the email is only a contact address).
    pub const fn requires_email(self, organization_mode: bool) -> bool {
        match self {
            Service::GuardDuty => true,
            Service::Detective => !organization_mode,
            Service::SecurityHub => false,
        }
    }

    /// Whether the service verifies a member's email against the account's root email (and so
    /// a member can end in a failed verification that Enlist repairs).
    pub const fn verifies_email(self) -> bool {
        matches!(self, Service::GuardDuty | Service::Detective)
    }

    /// What a region holds for this service, in words: `detector`, `behavior graph`, `hub`.
    pub const fn resource_name(self) -> &'static str {
        match self {
            Service::GuardDuty => "detector",
            Service::Detective => "behavior graph",
            Service::SecurityHub => "hub",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// The message for an empty list of services.
pub(crate) const NO_SERVICE: &str =
    "expected one or more of `guardduty`, `detective` and `securityhub`, found an empty list";

/// The error for a service name Enlist does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownService(pub String);

impl fmt::Display for UnknownService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected `guardduty`, `detective` or `securityhub`, found `{}`", self.0)
    }
}

impl std::error::Error for UnknownService {}

impl FromStr for Service {
    type Err = UnknownService;

    fn from_str(s: &str) -> Result<Service, UnknownService> {
        let name: String = s.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '_')).collect();
        match name.to_ascii_lowercase().as_str() {
            "guardduty" | "gd" => Ok(Service::GuardDuty),
            "detective" => Ok(Service::Detective),
            "securityhub" | "sh" => Ok(Service::SecurityHub),
            _ => Err(UnknownService(s.to_owned())),
        }
    }
}

/// Read from a name as people write it (`guardduty`, `GuardDuty`, `gd`, `detective`,
/// `securityhub`, `Security Hub`, `security-hub`), with the message of [`UnknownService`] for
/// anything else.
impl<'de> Deserialize<'de> for Service {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Service, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// Which services a list is checked for and sent to. A list meant for several must satisfy each
/// one's rules. As JSON, the list of their names: `["guardduty", "detective"]` (at least one).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Services(u8);

impl Services {
    /// No service (only as a start for [`Services::with`]).
    pub const NONE: Services = Services(0);
    /// GuardDuty and Detective: what Enlist checks for when nobody says.
    pub const BOTH: Services = Services(Services::bit(Service::GuardDuty) | Services::bit(Service::Detective));
    /// Every service.
    pub const ALL: Services = Services(
        Services::bit(Service::GuardDuty) | Services::bit(Service::Detective) | Services::bit(Service::SecurityHub),
    );

    const fn bit(service: Service) -> u8 {
        1 << service as u8
    }

    /// Only `service`.
    pub const fn only(service: Service) -> Services {
        Services(Services::bit(service))
    }

    /// These and `service`.
    #[must_use]
    pub const fn with(self, service: Service) -> Services {
        Services(self.0 | Services::bit(service))
    }

    /// These, with `service` in or out.
    #[must_use]
    pub const fn set(self, service: Service, on: bool) -> Services {
        if on { self.with(service) } else { Services(self.0 & !Services::bit(service)) }
    }

    /// Whether `service` is selected.
    pub const fn contains(self, service: Service) -> bool {
        self.0 & Services::bit(service) != 0
    }

    /// Whether none is selected.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The selected services, in the order of [`Service::ALL`].
    pub fn iter(self) -> impl Iterator<Item = Service> {
        Service::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

impl fmt::Debug for Services {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// The services named, in any order and with repeats: `[GuardDuty, GuardDuty]` is GuardDuty alone.
impl FromIterator<Service> for Services {
    fn from_iter<I: IntoIterator<Item = Service>>(services: I) -> Services {
        services.into_iter().fold(Services::NONE, Services::with)
    }
}

impl Serialize for Services {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Services {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Services, D::Error> {
        let names = Vec::<Service>::deserialize(deserializer)?;
        if names.is_empty() {
            return Err(serde::de::Error::custom(NO_SERVICE));
        }
        Ok(names.into_iter().collect())
    }
}

impl Default for Services {
    fn default() -> Services {
        Services::BOTH
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_collect_from_names_in_any_order_with_repeats() {
        let collect = |list: &[Service]| list.iter().copied().collect::<Services>();
        assert_eq!(collect(&[Service::GuardDuty, Service::GuardDuty]), Services::only(Service::GuardDuty));
        assert_eq!(collect(&[Service::Detective, Service::GuardDuty]), Services::BOTH);
        assert_eq!(collect(&[]), Services::NONE);
        assert_eq!(collect(&Service::ALL), Services::ALL);
        assert_eq!(Services::ALL.set(Service::SecurityHub, false), Services::BOTH);
        assert_eq!(Services::BOTH.iter().collect::<Vec<_>>(), [Service::GuardDuty, Service::Detective]);
    }

    #[test]
    fn services_read_and_write_as_lists_of_names() {
        assert_eq!(serde_json::to_string(&Services::BOTH).unwrap(), r#"["guardduty","detective"]"#);
        let read = |json: &str| serde_json::from_str::<Services>(json).map_err(|e| e.to_string());
        assert_eq!(read(r#"["GuardDuty"]"#), Ok(Services::only(Service::GuardDuty)));
        assert!(
            read(r#"["inspector"]"#)
                .unwrap_err()
                .starts_with("expected `guardduty`, `detective` or `securityhub`, found `inspector`")
        );
        assert!(read("[]").unwrap_err().starts_with("expected one or more of `guardduty`, `detective` and"));
        assert_eq!(
            read(r#"["Security Hub", "security-hub", "securityhub"]"#),
            Ok(Services::only(Service::SecurityHub))
        );
    }
}
