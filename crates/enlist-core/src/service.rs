//! The two AWS services Enlist adds members to, and what differs between them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An AWS service with a CreateMembers operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// Amazon GuardDuty (`POST /detector/{id}/member`).
    GuardDuty,
    /// Amazon Detective (`POST /graph/members`).
    Detective,
}

impl Service {
    /// Both services, GuardDuty first.
    pub const ALL: [Service; 2] = [Service::GuardDuty, Service::Detective];

    /// The lowercase identifier used in URLs, flags and JSON: `guardduty` or `detective`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Service::GuardDuty => "guardduty",
            Service::Detective => "detective",
        }
    }

    /// The product name people know: `GuardDuty` or `Detective`.
    pub const fn display_name(self) -> &'static str {
        match self {
            Service::GuardDuty => "GuardDuty",
            Service::Detective => "Detective",
        }
    }

    /// How many members one administrator can add, per region (GuardDuty, by invitation) or per
    /// behavior graph (Detective).
    pub const fn member_quota(self) -> usize {
        match self {
            Service::GuardDuty => 1_000,
            Service::Detective => 1_200,
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// The error for a service name that is neither `guardduty` nor `detective`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownService(pub String);

impl fmt::Display for UnknownService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected `guardduty` or `detective`, found `{}`", self.0)
    }
}

impl std::error::Error for UnknownService {}

impl FromStr for Service {
    type Err = UnknownService;

    fn from_str(s: &str) -> Result<Service, UnknownService> {
        match s.trim().to_ascii_lowercase().as_str() {
            "guardduty" | "gd" => Ok(Service::GuardDuty),
            "detective" => Ok(Service::Detective),
            _ => Err(UnknownService(s.to_owned())),
        }
    }
}

/// Read from a name as people write it (`guardduty`, `GuardDuty`, `gd`, `detective`), with the
/// message of [`UnknownService`] for anything else.
impl<'de> Deserialize<'de> for Service {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Service, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// Which services a list is checked for. A list meant for both must satisfy both sets of rules.
/// As JSON, the list of their names: `["guardduty", "detective"]` (at least one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Services {
    /// Check against GuardDuty's rules.
    pub guardduty: bool,
    /// Check against Detective's rules.
    pub detective: bool,
}

impl Services {
    /// GuardDuty and Detective.
    pub const BOTH: Services = Services { guardduty: true, detective: true };

    /// Only `service`.
    pub const fn only(service: Service) -> Services {
        match service {
            Service::GuardDuty => Services { guardduty: true, detective: false },
            Service::Detective => Services { guardduty: false, detective: true },
        }
    }

    /// Whether `service` is selected.
    pub const fn contains(self, service: Service) -> bool {
        match service {
            Service::GuardDuty => self.guardduty,
            Service::Detective => self.detective,
        }
    }

    /// The selected services, GuardDuty first.
    pub fn iter(self) -> impl Iterator<Item = Service> {
        Service::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

/// The services named, in any order and with repeats: `[GuardDuty, GuardDuty]` is GuardDuty alone.
impl FromIterator<Service> for Services {
    fn from_iter<I: IntoIterator<Item = Service>>(services: I) -> Services {
        let mut chosen = Services { guardduty: false, detective: false };
        for service in services {
            match service {
                Service::GuardDuty => chosen.guardduty = true,
                Service::Detective => chosen.detective = true,
            }
        }
        chosen
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
            return Err(serde::de::Error::custom("expected `guardduty`, `detective` or both, found an empty list"));
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
        assert_eq!(collect(&[]), Services { guardduty: false, detective: false });
    }

    #[test]
    fn services_read_and_write_as_lists_of_names() {
        assert_eq!(serde_json::to_string(&Services::BOTH).unwrap(), r#"["guardduty","detective"]"#);
        let read = |json: &str| serde_json::from_str::<Services>(json).map_err(|e| e.to_string());
        assert_eq!(read(r#"["GuardDuty"]"#), Ok(Services::only(Service::GuardDuty)));
        assert!(
            read(r#"["inspector"]"#).unwrap_err().starts_with("expected `guardduty` or `detective`, found `inspector`")
        );
        assert!(read("[]").unwrap_err().starts_with("expected `guardduty`, `detective` or both, found an empty list"));
    }
}
