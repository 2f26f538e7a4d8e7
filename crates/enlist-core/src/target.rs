//! Where accounts go: a GuardDuty detector, a Detective behavior graph or a Security Hub hub in a
//! region, with the invitation options. Every identifier is validated when it is built, and a [`Target`] can only
//! be built through a constructor that checks everything at once (a graph in another region or
//! partition, an invitation message Detective would refuse), so every frontend applies the same
//! rules.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::account::AccountId;
use crate::service::Service;

/// Why an identifier or a target was refused, saying what was expected and what was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidIdentifier {
    message: String,
}

impl InvalidIdentifier {
    pub(crate) fn new(message: String) -> InvalidIdentifier {
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

/// The regions of each AWS partition and the DNS suffix of its endpoints, from botocore's
/// `endpoints.json` (1.43). A region not listed here is still a valid name (AWS opens new ones);
/// the proxy signs for it only when it is configured explicitly.
const PARTITIONS: &[(&str, &str, &[&str])] = &[
    (
        "aws",
        "amazonaws.com",
        &[
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
    ),
    ("aws-cn", "amazonaws.com.cn", &["cn-north-1", "cn-northwest-1"]),
    ("aws-us-gov", "amazonaws.com", &["us-gov-east-1", "us-gov-west-1"]),
    ("aws-iso", "c2s.ic.gov", &["us-iso-east-1", "us-iso-west-1"]),
    ("aws-iso-b", "sc2s.sgov.gov", &["us-isob-east-1", "us-isob-west-1"]),
    ("aws-iso-e", "cloud.adc-e.uk", &["eu-isoe-west-1"]),
    ("aws-iso-f", "csp.hci.ic.gov", &["us-isof-east-1", "us-isof-south-1"]),
    ("aws-eusc", "amazonaws.eu", &["eusc-de-east-1"]),
];

impl Region {
    /// The partition the region belongs to: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, …
    pub fn partition(&self) -> &'static str {
        let name = self.0.as_str();
        if name.starts_with("cn-") {
            "aws-cn"
        } else if name.starts_with("us-gov-") {
            "aws-us-gov"
        } else if name.starts_with("us-isob-") {
            "aws-iso-b"
        } else if name.starts_with("us-iso-") {
            "aws-iso"
        } else if name.starts_with("eu-isoe-") {
            "aws-iso-e"
        } else if name.starts_with("us-isof-") {
            "aws-iso-f"
        } else if name.starts_with("eusc-") {
            "aws-eusc"
        } else {
            "aws"
        }
    }

    /// The DNS suffix of the partition's endpoints (`amazonaws.com`, `amazonaws.com.cn`, …).
    pub fn dns_suffix(&self) -> &'static str {
        let partition = self.partition();
        PARTITIONS.iter().find(|(name, _, _)| *name == partition).map_or("amazonaws.com", |(_, suffix, _)| suffix)
    }

    /// Whether the region is in the table of AWS regions this version knows (a region opened since
    /// is a valid name but not known).
    pub fn is_known(&self) -> bool {
        PARTITIONS.iter().any(|(_, _, regions)| regions.contains(&self.0.as_str()))
    }

    /// Every region this version knows, partition by partition.
    pub fn known() -> impl Iterator<Item = Region> {
        PARTITIONS.iter().flat_map(|(_, _, regions)| regions.iter().map(|r| Region((*r).to_owned())))
    }
}

impl FromStr for Region {
    type Err = InvalidIdentifier;

    fn from_str(s: &str) -> Result<Region, InvalidIdentifier> {
        let parts: Vec<&str> = s.split('-').collect();
        let ok = parts.len() >= 3
            && s.len() <= 25
            && (parts[0].len() == 2 || parts[0] == "eusc")
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
        arn_account(&self.0)
    }

    /// The region in the ARN.
    pub fn region(&self) -> Option<Region> {
        arn_region(&self.0)
    }

    /// The partition in the ARN (`aws`, `aws-us-gov`, …).
    pub fn partition(&self) -> &str {
        arn_partition(&self.0)
    }
}

/// The account field of an ARN (`arn:partition:service:region:account:…`).
fn arn_account(arn: &str) -> Option<AccountId> {
    arn.split(':').nth(4)?.parse().ok()
}

/// The region field of an ARN.
fn arn_region(arn: &str) -> Option<Region> {
    arn.split(':').nth(3)?.parse().ok()
}

/// The partition field of an ARN.
fn arn_partition(arn: &str) -> &str {
    arn.split(':').nth(1).unwrap_or("")
}

/// `min` to `max` of `[-\w]` (ASCII letters, digits, `_`, `-`).
fn arn_word(part: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether `parts` (an ARN split at `:`) start `arn:aws…:{service}:{region}:{12 digits}`, as the
/// services' patterns have it: `^arn:aws[-\w]{0,10}?:{service}:[-\w]{2,20}?:\d{12}?`.
fn arn_head(parts: &[&str], service: &str) -> bool {
    parts.len() > 5
        && parts[0] == "arn"
        && parts[1].strip_prefix("aws").is_some_and(|rest| arn_word(rest, 0, 10))
        && parts[2] == service
        && arn_word(parts[3], 2, 20)
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
}

/// An ARN given for `region` must name that region (when it names one) and its partition. `what`
/// is the thing (`a behavior graph`), `arn_name` the ARN (`a behavior graph ARN`).
fn check_place(region: &Region, arn: &str, what: &str, arn_name: &str) -> Result<(), InvalidIdentifier> {
    if let Some(arn_region) = arn_region(arn)
        && arn_region != *region
    {
        return Err(InvalidIdentifier::new(format!(
            "expected {what} in {region}, found one in {arn_region} (`{arn}`)"
        )));
    }
    if arn_partition(arn) != region.partition() {
        return Err(InvalidIdentifier::new(format!(
            "expected {arn_name} of partition `{}` for {region}, found `{}`",
            region.partition(),
            arn_partition(arn)
        )));
    }
    Ok(())
}

impl FromStr for GraphArn {
    type Err = InvalidIdentifier;

    /// Checks `^arn:aws[-\w]{0,10}?:detective:[-\w]{2,20}?:\d{12}?:graph:[a-f0-9]{32}$`.
    fn from_str(s: &str) -> Result<GraphArn, InvalidIdentifier> {
        let parts: Vec<&str> = s.split(':').collect();
        let ok = parts.len() == 7
            && arn_head(&parts, "detective")
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

/// A Security Hub hub ARN: `arn:aws:securityhub:us-east-1:111122223333:hub/default`. Security
/// Hub's member operations take no identifier (the hub is the caller's in the region); discovery
/// reads it with DescribeHub, and it names the region and the administrator.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HubArn(String);
string_newtype!(HubArn);

impl HubArn {
    /// The hub of `account` in `region`, as DescribeHub names it.
    pub fn of(region: &Region, account: AccountId) -> HubArn {
        HubArn(format!("arn:{}:securityhub:{region}:{account}:hub/default", region.partition()))
    }

    /// The administrator account that owns the hub.
    pub fn account(&self) -> Option<AccountId> {
        arn_account(&self.0)
    }

    /// The region in the ARN.
    pub fn region(&self) -> Option<Region> {
        arn_region(&self.0)
    }

    /// The partition in the ARN (`aws`, `aws-us-gov`, …).
    pub fn partition(&self) -> &str {
        arn_partition(&self.0)
    }
}

impl FromStr for HubArn {
    type Err = InvalidIdentifier;

    /// Checks `arn:{partition}:securityhub:{region}:{12 digits}:hub/{name}`.
    fn from_str(s: &str) -> Result<HubArn, InvalidIdentifier> {
        let parts: Vec<&str> = s.split(':').collect();
        let ok = parts.len() == 6
            && arn_head(&parts, "securityhub")
            && parts[5].strip_prefix("hub/").is_some_and(|name| arn_word(name, 1, 128));
        if ok {
            Ok(HubArn(s.to_owned()))
        } else {
            Err(InvalidIdentifier::new(format!(
                "expected a Security Hub ARN such as `arn:aws:securityhub:us-east-1:111122223333:hub/default`, found `{}`",
                crate::diagnostic::quote(s)
            )))
        }
    }
}

/// The longest invitation message Detective takes, in characters.
pub const MAX_MESSAGE: usize = 1_000;

/// What the invitation says: GuardDuty InviteMembers and Detective CreateMembers take the same two
/// options. Organization accounts get no invitation, so a Detective target in organization mode
/// drops both.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Invitation {
    /// The message in the invitation email; `None` sends the service's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Send no invitation email (the account still has to accept).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_email_notification: bool,
}

impl Invitation {
    /// An invitation with `message` (blank means none) and the email setting.
    pub fn new(message: Option<&str>, disable_email_notification: bool) -> Invitation {
        let message = message.map(str::trim).filter(|m| !m.is_empty()).map(str::to_owned);
        Invitation { message, disable_email_notification }
    }

    /// Checks what `service` accepts: Detective takes a message of 1 to 1,000 characters.
    pub fn check(&self, service: Service) -> Result<(), InvalidIdentifier> {
        match &self.message {
            Some(m) if service == Service::Detective && !(1..=MAX_MESSAGE).contains(&m.chars().count()) => {
                Err(InvalidIdentifier::new(format!(
                    "expected an invitation message of 1 to 1,000 characters for Detective, found {}",
                    crate::diagnostic::thousands(m.chars().count())
                )))
            }
            Some(m) if m.is_empty() => {
                Err(InvalidIdentifier::new("expected an invitation message with text, found an empty one".to_owned()))
            }
            _ => Ok(()),
        }
    }
}

/// The detector, graph or hub of a target.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Resource {
    Detector(DetectorId),
    Graph { arn: GraphArn, organization: bool },
    Hub(HubArn),
}

/// One destination for the accounts: a GuardDuty detector, a Detective behavior graph or a
/// Security Hub hub, in a region, with the invitation. Built only by [`Target::guardduty`],
/// [`Target::detective`] and [`Target::security_hub`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    region: Region,
    resource: Resource,
    invitation: Invitation,
}

impl Target {
    /// A GuardDuty detector in `region`; accounts get `invitation` when they are invited.
    pub fn guardduty(
        region: Region,
        detector_id: DetectorId,
        invitation: Invitation,
    ) -> Result<Target, InvalidIdentifier> {
        invitation.check(Service::GuardDuty)?;
        Ok(Target { region, resource: Resource::Detector(detector_id), invitation })
    }

    /// A Detective behavior graph in `region`. The ARN must name that region and its partition.
    /// An organization behavior graph enables organization accounts without an invitation, so its
    /// accounts are sent without emails and the invitation is dropped.
    pub fn detective(
        region: Region,
        graph_arn: GraphArn,
        invitation: Invitation,
        organization: bool,
    ) -> Result<Target, InvalidIdentifier> {
        check_place(&region, graph_arn.as_str(), "a behavior graph", "a behavior graph ARN")?;
        let invitation = if organization { Invitation::default() } else { invitation };
        invitation.check(Service::Detective)?;
        Ok(Target { region, resource: Resource::Graph { arn: graph_arn, organization }, invitation })
    }

    /// Security Hub's hub in `region`. The ARN must name that region and its partition. Security
    /// Hub's InviteMembers takes neither a message nor an email setting, so the invitation is
    /// dropped.
    pub fn security_hub(region: Region, hub_arn: HubArn) -> Result<Target, InvalidIdentifier> {
        check_place(&region, hub_arn.as_str(), "a Security Hub hub", "a Security Hub ARN")?;
        Ok(Target { region, resource: Resource::Hub(hub_arn), invitation: Invitation::default() })
    }

    /// The service this target belongs to.
    pub fn service(&self) -> Service {
        match self.resource {
            Resource::Detector(_) => Service::GuardDuty,
            Resource::Graph { .. } => Service::Detective,
            Resource::Hub(_) => Service::SecurityHub,
        }
    }

    /// The region this target is in.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The GuardDuty detector, for a GuardDuty target.
    pub fn detector_id(&self) -> Option<&DetectorId> {
        match &self.resource {
            Resource::Detector(id) => Some(id),
            _ => None,
        }
    }

    /// The behavior graph, for a Detective target.
    pub fn graph_arn(&self) -> Option<&GraphArn> {
        match &self.resource {
            Resource::Graph { arn, .. } => Some(arn),
            _ => None,
        }
    }

    /// The hub, for a Security Hub target.
    pub fn hub_arn(&self) -> Option<&HubArn> {
        match &self.resource {
            Resource::Hub(arn) => Some(arn),
            _ => None,
        }
    }

    /// The detector ID, the graph ARN or the hub ARN, as text.
    pub fn resource_id(&self) -> &str {
        match &self.resource {
            Resource::Detector(id) => id.as_str(),
            Resource::Graph { arn, .. } => arn.as_str(),
            Resource::Hub(arn) => arn.as_str(),
        }
    }

    /// Whether this is an organization behavior graph (accounts sent without emails).
    pub fn organization_mode(&self) -> bool {
        matches!(self.resource, Resource::Graph { organization: true, .. })
    }

    /// The invitation (empty for an organization behavior graph).
    pub fn invitation(&self) -> &Invitation {
        &self.invitation
    }

    /// Whether the accounts need an email to be sent here.
    pub fn needs_email(&self) -> bool {
        self.service().requires_email(self.organization_mode())
    }

    /// The administrator account, when the target names it (a graph or hub ARN does).
    pub fn administrator(&self) -> Option<AccountId> {
        match &self.resource {
            Resource::Graph { arn, .. } => arn.account(),
            Resource::Hub(arn) => arn.account(),
            Resource::Detector(_) => None,
        }
    }

    /// A short label for tables and logs: `guardduty us-east-1`.
    pub fn label(&self) -> String {
        format!("{} {}", self.service().as_str(), self.region)
    }
}

/// A target as JSON: `{"service":"guardduty","region":…,"detectorId":…}` or
/// `{"service":"detective","region":…,"graphArn":…,"organizationMode":…}`, each with the
/// invitation's `message` and `disableEmailNotification`. Journals of version 1 kept Detective's
/// options in an `options` object; that shape is read too.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TargetRepr {
    pub(crate) service: Service,
    pub(crate) region: Region,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) detector_id: Option<DetectorId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) graph_arn: Option<GraphArn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) hub_arn: Option<HubArn>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) organization_mode: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) message: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) disable_email_notification: bool,
    #[serde(default, skip_serializing)]
    pub(crate) options: Option<OptionsV1>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[derive(Default)]
pub(crate) struct OptionsV1 {
    pub(crate) message: Option<String>,
    pub(crate) disable_email_notification: bool,
    pub(crate) organization_mode: bool,
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        TargetRepr {
            service: self.service(),
            region: self.region.clone(),
            detector_id: self.detector_id().cloned(),
            graph_arn: self.graph_arn().cloned(),
            hub_arn: self.hub_arn().cloned(),
            organization_mode: self.organization_mode(),
            message: self.invitation.message.clone(),
            disable_email_notification: self.invitation.disable_email_notification,
            options: None,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Target, D::Error> {
        TargetRepr::deserialize(deserializer)?.into_target().map_err(serde::de::Error::custom)
    }
}

impl TargetRepr {
    /// The target these fields name, or why they name none.
    pub(crate) fn into_target(self) -> Result<Target, InvalidIdentifier> {
        let mut repr = self;
        if let Some(v1) = repr.options.take() {
            repr.message = repr.message.or(v1.message);
            repr.disable_email_notification |= v1.disable_email_notification;
            repr.organization_mode |= v1.organization_mode;
        }
        let invitation =
            Invitation { message: repr.message, disable_email_notification: repr.disable_email_notification };
        match (repr.service, repr.detector_id, repr.graph_arn, repr.hub_arn) {
            (Service::GuardDuty, Some(detector), None, None) => Target::guardduty(repr.region, detector, invitation),
            (Service::Detective, None, Some(arn), None) => {
                Target::detective(repr.region, arn, invitation, repr.organization_mode)
            }
            (Service::SecurityHub, None, None, Some(arn)) => {
                if invitation != Invitation::default() || repr.organization_mode {
                    Err(InvalidIdentifier::new(
                        "expected a Security Hub target without `message`, `disableEmailNotification` or `organizationMode` (its InviteMembers takes none of them)".to_owned(),
                    ))
                } else {
                    Target::security_hub(repr.region, arn)
                }
            }
            (Service::GuardDuty, ..) => Err(InvalidIdentifier::new(
                "expected a GuardDuty target with a `detectorId` and no `graphArn` or `hubArn`".to_owned(),
            )),
            (Service::Detective, ..) => Err(InvalidIdentifier::new(
                "expected a Detective target with a `graphArn` and no `detectorId` or `hubArn`".to_owned(),
            )),
            (Service::SecurityHub, ..) => Err(InvalidIdentifier::new(
                "expected a Security Hub target with a `hubArn` and no `detectorId` or `graphArn`".to_owned(),
            )),
        }
    }
}

/// Why a service cannot be used in a region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Unreachable {
    /// The region answers as not enabled for the account (an opt-in region), or does not
    /// recognize the credentials there.
    NotEnabled,
    /// GuardDuty has no detector in the region.
    NoDetector,
    /// Detective has no behavior graph in the region.
    NoGraph,
    /// Security Hub is not enabled in the region for this account (DescribeHub answered
    /// `InvalidAccessException`).
    NoHub,
    /// The credentials may not call the service there.
    AccessDenied {
        /// The service's words.
        message: String,
    },
    /// Discovery failed another way.
    Failed {
        /// The error code.
        code: String,
        /// The message.
        message: String,
    },
}

impl Unreachable {
    /// The reason in plain words, with what to do.
    pub fn describe(&self) -> String {
        match self {
            Unreachable::NotEnabled => {
                "the region is not enabled for this account (an opt-in region?), or the credentials are not valid there; enable it or remove it".to_owned()
            }
            Unreachable::NoDetector => {
                "no GuardDuty detector in this region; enable GuardDuty here first, or give its detector ID".to_owned()
            }
            Unreachable::NoGraph => {
                "no Detective behavior graph in this region; enable Detective here first, or give its ARN".to_owned()
            }
            Unreachable::NoHub => {
                "Security Hub is not enabled in this region for this account; enable it in the Security Hub console (or with `aws securityhub enable-security-hub`) and find hubs again".to_owned()
            }
            Unreachable::AccessDenied { message } => {
                format!("the credentials may not use the service in this region: {message}")
            }
            Unreachable::Failed { code, message } if message.is_empty() => format!("discovery failed: {code}"),
            Unreachable::Failed { code, message } => format!("discovery failed: {code}: {message}"),
        }
    }
}

/// A service in a region: a [`Target`] to send to, or why there is none. A run carries both, so a
/// region that cannot be used is reported on every account's row instead of stopping the others.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Destination {
    /// Accounts are sent here.
    Target(Target),
    /// Nothing can be sent here.
    Unavailable {
        /// The service.
        service: Service,
        /// The region.
        region: Region,
        /// Why.
        unreachable: Unreachable,
    },
}

impl Destination {
    /// The service.
    pub fn service(&self) -> Service {
        match self {
            Destination::Target(target) => target.service(),
            Destination::Unavailable { service, .. } => *service,
        }
    }

    /// The region.
    pub fn region(&self) -> &Region {
        match self {
            Destination::Target(target) => target.region(),
            Destination::Unavailable { region, .. } => region,
        }
    }

    /// The target, when there is one.
    pub fn target(&self) -> Option<&Target> {
        match self {
            Destination::Target(target) => Some(target),
            Destination::Unavailable { .. } => None,
        }
    }

    /// `guardduty us-east-1`.
    pub fn label(&self) -> String {
        format!("{} {}", self.service().as_str(), self.region())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:detective:us-east-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899";

    fn region(name: &str) -> Region {
        name.parse().unwrap()
    }

    #[test]
    fn regions_and_partitions() {
        for ok in ["us-east-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5", "il-central-1", "us-isob-east-1"] {
            assert!(ok.parse::<Region>().is_ok(), "{ok}");
        }
        for bad in ["", "us-east", "US-EAST-1", "us_east_1", "useast1", "us-east-1a", "us--1"] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
        let partitions: Vec<&str> = ["eu-west-1", "cn-northwest-1", "us-gov-east-1", "us-iso-east-1", "us-isob-east-1"]
            .iter()
            .map(|r| region(r).partition())
            .collect();
        assert_eq!(partitions, ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"]);
    }

    #[test]
    fn the_region_table() {
        for (name, suffix) in [
            ("us-east-1", "amazonaws.com"),
            ("cn-north-1", "amazonaws.com.cn"),
            ("us-gov-west-1", "amazonaws.com"),
            ("us-iso-east-1", "c2s.ic.gov"),
            ("us-isob-east-1", "sc2s.sgov.gov"),
            ("eu-isoe-west-1", "cloud.adc-e.uk"),
            ("us-isof-south-1", "csp.hci.ic.gov"),
            ("eusc-de-east-1", "amazonaws.eu"),
        ] {
            let region = region(name);
            assert!(region.is_known(), "{name}");
            assert_eq!(region.dns_suffix(), suffix, "{name}");
        }
        // Valid names that no partition has (yet): parsed, but not known.
        for name in ["zz-evil-1", "us-isob-east-9", "us-east-7"] {
            assert!(!region(name).is_known(), "{name}");
        }
        assert_eq!(Region::known().count(), 46);
        assert!(Region::known().all(|r| r.as_str().parse::<Region>().as_ref() == Ok(&r)));
    }

    #[test]
    fn graph_arns() {
        let arn: GraphArn = ARN.parse().unwrap();
        assert_eq!(arn.account().unwrap().to_string(), "111122223333");
        assert_eq!(arn.region().unwrap().as_str(), "us-east-1");
        assert_eq!(arn.partition(), "aws");
        assert!(
            "arn:aws-us-gov:detective:us-gov-west-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899"
                .parse::<GraphArn>()
                .is_ok()
        );
        // The AWS CLI documentation's example has only 24 hex digits and fails the service's pattern.
        assert!("arn:aws:detective:us-east-1:111122223333:graph:123412341234123412341234".parse::<GraphArn>().is_err());
        assert!(ARN.to_uppercase().parse::<GraphArn>().is_err());
        assert!(ARN.replace("detective", "guardduty").parse::<GraphArn>().is_err());
    }

    #[test]
    fn detectors() {
        assert!("12abc34d567e8fa901bc2d34e56789f0".parse::<DetectorId>().is_ok());
        assert!("".parse::<DetectorId>().is_err());
        assert!("../member".parse::<DetectorId>().is_err());
        assert!("a".repeat(301).parse::<DetectorId>().is_err());
    }

    /// One table for every rule a target's constructor holds.
    #[test]
    fn targets_check_everything_at_construction() {
        let long = "x".repeat(1_001);
        let gov_arn = "arn:aws-us-gov:detective:us-east-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899";
        type Case<'a> = (&'a str, &'a str, Option<&'a str>, bool, Result<(), &'a str>);
        let cases: &[Case<'_>] = &[
            ("us-east-1", ARN, Some("welcome"), false, Ok(())),
            ("eu-west-1", ARN, None, false, Err("expected a behavior graph in eu-west-1, found one in us-east-1")),
            (
                "us-east-1",
                gov_arn,
                None,
                false,
                Err("expected a behavior graph ARN of partition `aws` for us-east-1, found `aws-us-gov`"),
            ),
            (
                "us-east-1",
                ARN,
                Some(&long),
                false,
                Err("expected an invitation message of 1 to 1,000 characters for Detective, found 1,001"),
            ),
            // An organization graph sends no invitation, so its message is dropped, not checked.
            ("us-east-1", ARN, Some(&long), true, Ok(())),
        ];
        for (name, arn, message, organization, expected) in cases {
            let result =
                Target::detective(region(name), arn.parse().unwrap(), Invitation::new(*message, true), *organization);
            match (result, expected) {
                (Ok(target), Ok(())) => {
                    assert_eq!(target.organization_mode(), *organization);
                    if *organization {
                        assert_eq!(
                            target.invitation(),
                            &Invitation::default(),
                            "organization mode drops the invitation"
                        );
                        assert!(!target.needs_email());
                    }
                }
                (Err(error), Err(message)) => assert!(error.to_string().starts_with(message), "{error}"),
                (result, expected) => panic!("{name} {arn}: {result:?}, expected {expected:?}"),
            }
        }
        // GuardDuty takes longer messages; an empty one is none.
        let target =
            Target::guardduty(region("us-east-1"), "d1".parse().unwrap(), Invitation::new(Some(&long), false)).unwrap();
        assert_eq!(target.invitation().message.as_deref().map(str::len), Some(1_001));
        assert_eq!(Invitation::new(Some("  "), false).message, None);
    }

    #[test]
    fn targets_serialize_with_their_service_and_read_version_1() {
        let target = Target::guardduty(region("eu-west-1"), "abc".parse().unwrap(), Invitation::default()).unwrap();
        let json = serde_json::to_string(&target).unwrap();
        assert_eq!(json, r#"{"service":"guardduty","region":"eu-west-1","detectorId":"abc"}"#);
        assert_eq!(serde_json::from_str::<Target>(&json).unwrap(), target);
        let detective =
            Target::detective(region("us-east-1"), ARN.parse().unwrap(), Invitation::new(Some("hi"), true), false)
                .unwrap();
        let json = serde_json::to_string(&detective).unwrap();
        assert_eq!(serde_json::from_str::<Target>(&json).unwrap(), detective);
        let v1 = format!(
            r#"{{"service":"detective","region":"us-east-1","graphArn":"{ARN}","options":{{"message":"hi","disableEmailNotification":true,"organizationMode":false}}}}"#
        );
        assert_eq!(serde_json::from_str::<Target>(&v1).unwrap(), detective);
        for bad in [
            r#"{"service":"guardduty","region":"nowhere","detectorId":"abc"}"#.to_owned(),
            format!(r#"{{"service":"detective","region":"eu-west-1","graphArn":"{ARN}"}}"#),
            r#"{"service":"guardduty","region":"us-east-1"}"#.to_owned(),
        ] {
            assert!(serde_json::from_str::<Target>(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn security_hub_targets_name_their_hub_and_take_no_invitation() {
        const HUB: &str = "arn:aws:securityhub:eu-west-1:111122223333:hub/default";
        let hub = Target::security_hub(region("eu-west-1"), HUB.parse().unwrap()).unwrap();
        let json = serde_json::to_string(&hub).unwrap();
        assert_eq!(json, format!(r#"{{"service":"securityhub","region":"eu-west-1","hubArn":"{HUB}"}}"#));
        assert_eq!(serde_json::from_str::<Target>(&json).unwrap(), hub);
        assert_eq!(hub.administrator(), Some("111122223333".parse().unwrap()));
        assert!(!hub.needs_email() && hub.invitation().message.is_none());
        assert_eq!(HubArn::of(&region("cn-north-1"), "111122223333".parse().unwrap()).partition(), "aws-cn");
        let elsewhere = Target::security_hub(region("us-east-1"), HUB.parse().unwrap()).unwrap_err().to_string();
        assert_eq!(elsewhere, format!("expected a Security Hub hub in us-east-1, found one in eu-west-1 (`{HUB}`)"));
        for bad in [
            "arn:aws:securityhub:eu-west-1:1111:hub/default",
            "arn:aws:guardduty:eu-west-1:111122223333:hub/default",
            "hub/default",
        ] {
            let error = bad.parse::<HubArn>().unwrap_err().to_string();
            assert!(error.starts_with("expected a Security Hub ARN such as"), "{error}");
        }
        let with_message =
            format!(r#"{{"service":"securityhub","region":"eu-west-1","hubArn":"{HUB}","message":"hi"}}"#);
        let error = serde_json::from_str::<Target>(&with_message).unwrap_err().to_string();
        assert!(error.starts_with("expected a Security Hub target without `message`"), "{error}");
    }
}
