//! Where a batch goes: a service, a region and a detector or behavior graph, with Detective's
//! invitation options. Every identifier is validated when it is built, so a `Target` is always
//! one AWS would accept the shape of.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::account::AccountId;
use crate::service::Service;

/// Why an identifier was refused, saying what was expected and what was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidIdentifier {
    message: String,
}

impl InvalidIdentifier {
    fn new(message: String) -> InvalidIdentifier {
        InvalidIdentifier { message }
    }
}

impl fmt::Display for InvalidIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InvalidIdentifier {}

macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// An AWS region name such as `us-east-1` or `us-gov-west-1`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(String);
string_newtype!(Region);

impl FromStr for Region {
    type Err = InvalidIdentifier;

    fn from_str(s: &str) -> Result<Region, InvalidIdentifier> {
        let parts: Vec<&str> = s.split('-').collect();
        let ok = parts.len() >= 3
            && s.len() <= 25
            && parts[0].len() == 2
            && parts[..parts.len() - 1].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
            && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
            && !parts[parts.len() - 1].is_empty();
        if ok {
            Ok(Region(s.to_owned()))
        } else {
            Err(InvalidIdentifier::new(format!(
                "expected a region such as `us-east-1`, found `{}`",
                crate::diagnostic::quote(s)
            )))
        }
    }
}

/// A GuardDuty detector ID (1 to 300 characters; AWS issues 32 hexadecimal digits).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DetectorId(String);
string_newtype!(DetectorId);

impl FromStr for DetectorId {
    type Err = InvalidIdentifier;

    fn from_str(s: &str) -> Result<DetectorId, InvalidIdentifier> {
        if (1..=300).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            Ok(DetectorId(s.to_owned()))
        } else {
            Err(InvalidIdentifier::new(format!(
                "expected a detector ID of 1 to 300 letters and digits (such as `12abc34d567e8fa901bc2d34e56789f0`), found `{}`",
                crate::diagnostic::quote(s)
            )))
        }
    }
}

/// A Detective behavior graph ARN:
/// `arn:aws:detective:us-east-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GraphArn(String);
string_newtype!(GraphArn);

impl GraphArn {
    /// The administrator account that owns the graph.
    pub fn account(&self) -> Option<AccountId> {
        self.0.split(':').nth(4)?.parse().ok()
    }

    /// The region in the ARN.
    pub fn region(&self) -> Option<Region> {
        self.0.split(':').nth(3)?.parse().ok()
    }
}

impl FromStr for GraphArn {
    type Err = InvalidIdentifier;

    /// Checks `^arn:aws[-\w]{0,10}?:detective:[-\w]{2,20}?:\d{12}?:graph:[a-f0-9]{32}$`.
    fn from_str(s: &str) -> Result<GraphArn, InvalidIdentifier> {
        let word = |part: &str, min: usize, max: usize| {
            (min..=max).contains(&part.len())
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        };
        let parts: Vec<&str> = s.split(':').collect();
        let ok = parts.len() == 7
            && parts[0] == "arn"
            && parts[1].strip_prefix("aws").is_some_and(|rest| word(rest, 0, 10))
            && parts[2] == "detective"
            && word(parts[3], 2, 20)
            && parts[4].len() == 12
            && parts[4].bytes().all(|b| b.is_ascii_digit())
            && parts[5] == "graph"
            && parts[6].len() == 32
            && parts[6].bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ok {
            Ok(GraphArn(s.to_owned()))
        } else {
            Err(InvalidIdentifier::new(format!(
                "expected a behavior graph ARN such as `arn:aws:detective:us-east-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899` (32 lowercase hexadecimal digits at the end), found `{}`",
                crate::diagnostic::quote(s)
            )))
        }
    }
}

/// Detective's invitation options.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DetectiveOptions {
    /// The invitation message (1 to 1,000 characters); `None` sends Detective's default.
    pub message: Option<String>,
    /// Send no invitation email.
    pub disable_email_notification: bool,
    /// The graph is an organization behavior graph: accounts are sent without emails.
    pub organization_mode: bool,
}

impl DetectiveOptions {
    /// Checks the message length Detective accepts.
    pub fn validate(&self) -> Result<(), InvalidIdentifier> {
        match &self.message {
            Some(m) if !(1..=1000).contains(&m.chars().count()) => Err(InvalidIdentifier::new(format!(
                "expected an invitation message of 1 to 1,000 characters, found {}",
                m.chars().count()
            ))),
            _ => Ok(()),
        }
    }
}

/// One destination for the accounts: a GuardDuty detector or a Detective behavior graph, in a region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "service")]
pub enum Target {
    /// GuardDuty `CreateMembers` on a detector.
    #[serde(rename = "guardduty", rename_all = "camelCase")]
    GuardDuty {
        /// The region of the detector.
        region: Region,
        /// The administrator's detector in that region.
        detector_id: DetectorId,
    },
    /// Detective `CreateMembers` on a behavior graph.
    #[serde(rename = "detective", rename_all = "camelCase")]
    Detective {
        /// The region of the graph.
        region: Region,
        /// The behavior graph.
        graph_arn: GraphArn,
        /// Message, email notification and organization mode.
        #[serde(default)]
        options: DetectiveOptions,
    },
}

impl Target {
    /// The service this target belongs to.
    pub fn service(&self) -> Service {
        match self {
            Target::GuardDuty { .. } => Service::GuardDuty,
            Target::Detective { .. } => Service::Detective,
        }
    }

    /// The region this target is in.
    pub fn region(&self) -> &Region {
        match self {
            Target::GuardDuty { region, .. } | Target::Detective { region, .. } => region,
        }
    }

    /// A short label for tables and logs: `guardduty us-east-1`.
    pub fn label(&self) -> String {
        format!("{} {}", self.service().as_str(), self.region())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        for ok in ["us-east-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "il-central-1", "us-isob-east-1"] {
            assert!(ok.parse::<Region>().is_ok(), "{ok}");
        }
        for bad in ["", "us-east", "US-EAST-1", "us_east_1", "useast1", "us-east-1a", "us--1"] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
    }

    #[test]
    fn graph_arns() {
        let arn: GraphArn =
            "arn:aws:detective:us-east-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899".parse().unwrap();
        assert_eq!(arn.account().unwrap().to_string(), "111122223333");
        assert_eq!(arn.region().unwrap().as_str(), "us-east-1");
        assert!(
            "arn:aws-us-gov:detective:us-gov-west-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899"
                .parse::<GraphArn>()
                .is_ok()
        );
        // The AWS CLI documentation's example has only 24 hex digits and fails the service's pattern.
        assert!("arn:aws:detective:us-east-1:111122223333:graph:123412341234123412341234".parse::<GraphArn>().is_err());
        assert!(
            "arn:aws:detective:us-east-1:111122223333:graph:027C7C4610EA4AACAF0B883093CAB899"
                .parse::<GraphArn>()
                .is_err()
        );
        assert!(
            "arn:aws:guardduty:us-east-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899"
                .parse::<GraphArn>()
                .is_err()
        );
    }

    #[test]
    fn detectors_and_messages() {
        assert!("12abc34d567e8fa901bc2d34e56789f0".parse::<DetectorId>().is_ok());
        assert!("".parse::<DetectorId>().is_err());
        assert!("../member".parse::<DetectorId>().is_err());
        assert!("a".repeat(301).parse::<DetectorId>().is_err());
        let long = DetectiveOptions { message: Some("x".repeat(1001)), ..DetectiveOptions::default() };
        assert_eq!(
            long.validate().unwrap_err().to_string(),
            "expected an invitation message of 1 to 1,000 characters, found 1001"
        );
    }

    #[test]
    fn targets_serialize_with_their_service() {
        let target = Target::GuardDuty { region: "eu-west-1".parse().unwrap(), detector_id: "abc".parse().unwrap() };
        let json = serde_json::to_string(&target).unwrap();
        assert_eq!(json, r#"{"service":"guardduty","region":"eu-west-1","detectorId":"abc"}"#);
        assert_eq!(serde_json::from_str::<Target>(&json).unwrap(), target);
        assert!(
            serde_json::from_str::<Target>(r#"{"service":"guardduty","region":"nowhere","detectorId":"abc"}"#).is_err()
        );
    }
}
