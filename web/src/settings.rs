//! What a host can preset in a `config.json` beside `index.html`, and which files the editor opens.
//! Pure functions, tested natively.

use enlist_core::{AccountId, Json, Service};

/// The largest file the editor opens: far more than any organization has accounts.
pub const MAX_FILE_BYTES: f64 = 64.0 * 1024.0 * 1024.0;

/// Settings a host presets; every field is optional and the user can change each one.
///
/// ```json
/// { "proxyUrl": "https://abc.lambda-url.us-east-1.on.aws", "regions": ["us-east-1", "eu-west-1"],
///   "services": ["guardduty", "detective"], "organizationMode": false,
///   "detectiveMessage": "Security is adding your account", "disableEmailNotification": false,
///   "keepRunsDays": 7 }
/// ```
///
/// `keepRunsDays`: how many days a finished run (its list and journal, emails included) stays in
/// the browser's storage; 0 keeps none once it has finished.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    pub proxy_url: Option<String>,
    pub regions: Option<Vec<String>>,
    pub services: Option<Vec<Service>>,
    pub organization_mode: Option<bool>,
    pub detective_message: Option<String>,
    pub disable_email_notification: Option<bool>,
    pub keep_runs_days: Option<u32>,
}

/// What the page reads from the proxy's `GET /v1/config`: only the administrator account, when
/// the proxy knows it (the rest is for other clients, so unknown fields are fine here).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProxyConfig {
    administrator_account_id: Option<String>,
}

impl ProxyConfig {
    /// Reads the proxy's answer.
    pub fn from_json(text: &str) -> Result<ProxyConfig, String> {
        let fail = |message: String| format!("the proxy's /v1/config: {message}");
        let members = object(Json::read(text).map_err(fail)?).map_err(fail)?;
        let mut config = ProxyConfig::default();
        for (key, value) in members {
            if key == "administratorAccountId" {
                config.administrator_account_id = string(&key, value).map_err(fail)?;
            }
        }
        Ok(config)
    }

    /// The administrator account, when the proxy gave a valid one.
    pub fn administrator(&self) -> Option<AccountId> {
        self.administrator_account_id.as_deref()?.parse().ok()
    }
}

/// The members of a JSON object.
fn object(json: Json) -> Result<Vec<(String, Json)>, String> {
    match json {
        Json::Object(members) => Ok(members),
        other => Err(format!("expected a JSON object, found {}", other.describe())),
    }
}

/// A string field (`null` is no value).
fn string(key: &str, value: Json) -> Result<Option<String>, String> {
    match value {
        Json::Null => Ok(None),
        Json::String(text) => Ok(Some(text)),
        other => Err(format!("expected a string for `{key}`, found {}", other.describe())),
    }
}

/// A field holding `true` or `false` (`null` is no value).
fn boolean(key: &str, value: Json) -> Result<Option<bool>, String> {
    match value {
        Json::Null => Ok(None),
        Json::Bool(on) => Ok(Some(on)),
        other => Err(format!("expected `true` or `false` for `{key}`, found {}", other.describe())),
    }
}

/// A list of strings (`null` is no value).
fn strings(key: &str, value: Json) -> Result<Option<Vec<String>>, String> {
    match value {
        Json::Null => Ok(None),
        Json::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Json::String(text) => Ok(text),
                other => Err(format!("expected a list of strings for `{key}`, found {} in it", other.describe())),
            })
            .collect::<Result<_, _>>()
            .map(Some),
        other => Err(format!("expected a list of strings for `{key}`, found {}", other.describe())),
    }
}

impl Settings {
    /// The fields of `config.json`, as JSON spells them.
    pub const FIELDS: [&'static str; 7] = [
        "proxyUrl",
        "regions",
        "services",
        "organizationMode",
        "detectiveMessage",
        "disableEmailNotification",
        "keepRunsDays",
    ];

    /// Reads `config.json`: every field optional, an unknown one refused with the names it could
    /// be. A token is refused: the file is served to everyone who can load the page.
    pub fn from_json(text: &str) -> Result<Settings, String> {
        Settings::read(text).map_err(|message| format!("config.json: {message}"))
    }

    /// Reads settings from JSON with `config.json`'s rules; the message does not name the file
    /// (the embeddable element takes them as an object).
    pub fn read(text: &str) -> Result<Settings, String> {
        let members = object(Json::read(text)?)?;
        if members.iter().any(|(key, _)| key.eq_ignore_ascii_case("token")) {
            return Err("expected no token (the file is public to everyone who loads this page), found one; it \
                 was not used — give each user their token instead"
                .to_owned());
        }
        let mut settings = Settings::default();
        let mut seen: Vec<String> = Vec::new();
        for (key, value) in members {
            if seen.contains(&key) {
                return Err(format!("expected each field once, found `{key}` twice"));
            }
            match key.as_str() {
                "proxyUrl" => settings.proxy_url = string(&key, value)?,
                "regions" => settings.regions = strings(&key, value)?,
                "services" => {
                    settings.services = strings(&key, value)?
                        .map(|names| names.iter().map(|n| n.parse::<Service>().map_err(|e| e.to_string())).collect())
                        .transpose()?;
                }
                "organizationMode" => settings.organization_mode = boolean(&key, value)?,
                "detectiveMessage" => settings.detective_message = string(&key, value)?,
                "disableEmailNotification" => settings.disable_email_notification = boolean(&key, value)?,
                "keepRunsDays" => {
                    settings.keep_runs_days = match value {
                        Json::Null => None,
                        Json::Number(n) if n.parse::<u32>().is_ok() => n.parse().ok(),
                        other => {
                            return Err(format!(
                                "expected a whole number of days for `keepRunsDays`, found {}",
                                other.describe()
                            ));
                        }
                    }
                }
                _ => {
                    let names: Vec<String> = Settings::FIELDS.iter().map(|f| format!("`{f}`")).collect();
                    return Err(format!("unknown field `{key}`, expected one of {}", names.join(", ")));
                }
            }
            seen.push(key);
        }
        Ok(settings)
    }
}

/// Whether a file looks like an account list, judged by its name and size before reading it.
pub fn acceptable_file(name: &str, bytes: f64) -> Result<(), String> {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "csv" | "tsv" | "txt" | "json" | "jsonl" | "yaml" | "yml" | "" => {}
        "xlsx" | "xls" | "ods" | "numbers" => {
            return Err(format!(
                "expected a .csv, .tsv, .txt, .json or .yaml file, found the spreadsheet {name}; \
                 save it as \"CSV UTF-8\" first, or copy its cells and paste them here"
            ));
        }
        _ => return Err(format!("expected a .csv, .tsv, .txt, .json or .yaml file, found {name}")),
    }
    if bytes > MAX_FILE_BYTES {
        return Err(format!("expected a list of at most {}, found {name} of {}", size(MAX_FILE_BYTES), size(bytes)));
    }
    Ok(())
}

/// A byte count for people: `812 bytes`, `14.2 KB`, `3.1 MB`.
pub fn size(bytes: f64) -> String {
    // Integer arithmetic: formatting floats would add ~20 KB to the browser build.
    let bytes = bytes.max(0.0) as u64;
    let tenths = |unit: u64| {
        let t = (bytes * 10 + unit / 2) / unit;
        format!("{}.{}", t / 10, t % 10)
    };
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if bytes < 1024 * 1024 {
        format!("{} KB", tenths(1024))
    } else {
        format!("{} MB", tenths(1024 * 1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_json() {
        let settings = Settings::from_json(
            r#"{"proxyUrl":"https://p.example","regions":["us-east-1"],"services":["guardduty","Detective"],"organizationMode":true}"#,
        )
        .unwrap();
        assert_eq!(settings.proxy_url.as_deref(), Some("https://p.example"));
        assert_eq!(settings.services, Some(vec![Service::GuardDuty, Service::Detective]));
        let all = Settings::from_json(r#"{"services":["guardduty","detective","securityhub"]}"#).unwrap();
        assert_eq!(all.services, Some(Service::ALL.to_vec()));
        assert_eq!(settings.organization_mode, Some(true));
        assert_eq!(Settings::from_json("{}").unwrap(), Settings::default());

        let typo = Settings::from_json(r#"{"proxyURL":"x"}"#).unwrap_err();
        assert!(typo.starts_with("config.json: unknown field `proxyURL`, expected one of `proxyUrl`"), "{typo}");
        let token = Settings::from_json(r#"{"Token":"abc"}"#).unwrap_err();
        assert!(token.contains("expected no token"), "{token}");
        let service = Settings::from_json(r#"{"services":["inspector"]}"#).unwrap_err();
        assert!(service.contains("inspector"), "{service}");
        assert_eq!(
            Settings::from_json("<!doctype html>").unwrap_err(),
            "config.json: expected a JSON value, found `<` at line 1, column 1"
        );
        // Wrong types say what was expected and what was found.
        let wrong = [
            (
                r#"{"organizationMode":"yes"}"#,
                "expected `true` or `false` for `organizationMode`, found the string \"yes\"",
            ),
            (r#"{"regions":"us-east-1"}"#, "expected a list of strings for `regions`, found the string \"us-east-1\""),
            (r#"{"regions":["us-east-1",2]}"#, "expected a list of strings for `regions`, found the number 2 in it"),
            (r#"{"keepRunsDays":-1}"#, "expected a whole number of days for `keepRunsDays`, found the number -1"),
            (r#"{"proxyUrl":"a","proxyUrl":"b"}"#, "expected each field once, found `proxyUrl` twice"),
            (r#"["guardduty"]"#, "expected a JSON object, found an array"),
            ("{} x", "expected the end of the JSON, found `x` at line 1, column 4"),
        ];
        for (json, message) in wrong {
            assert_eq!(Settings::from_json(json), Err(format!("config.json: {message}")), "{json}");
        }
        // `null` is no value, as an absent field.
        assert_eq!(Settings::from_json(r#"{"proxyUrl":null,"keepRunsDays":null}"#).unwrap(), Settings::default());
    }

    #[test]
    fn proxy_config() {
        let check = |json: &str, admin: Option<&str>| {
            let config = ProxyConfig::from_json(json).unwrap();
            assert_eq!(config.administrator().map(|a| a.to_string()).as_deref(), admin, "{json}");
        };
        check(r#"{"services":["guardduty"],"regions":[],"upstream":"emulator"}"#, None);
        check(r#"{"services":[],"upstream":"aws","administratorAccountId":"111122223333"}"#, Some("111122223333"));
        check(r#"{"administratorAccountId":"11112222333"}"#, None);
        check(r#"{"administratorAccountId":null}"#, None);
        assert!(ProxyConfig::from_json("<html>").unwrap_err().starts_with("the proxy's /v1/config: "));
        let keep = Settings::from_json(r#"{"keepRunsDays":2}"#).unwrap();
        assert_eq!(keep.keep_runs_days, Some(2));
    }

    #[test]
    fn files() {
        assert!(acceptable_file("accounts.CSV", 10.0).is_ok());
        assert!(acceptable_file("list", 10.0).is_ok());
        let xlsx = acceptable_file("accounts.xlsx", 10.0).unwrap_err();
        assert!(xlsx.contains("found the spreadsheet accounts.xlsx") && xlsx.contains("CSV UTF-8"), "{xlsx}");
        assert_eq!(
            acceptable_file("photo.png", 10.0).unwrap_err(),
            "expected a .csv, .tsv, .txt, .json or .yaml file, found photo.png"
        );
        assert_eq!(
            acceptable_file("big.csv", 100.0 * 1024.0 * 1024.0).unwrap_err(),
            "expected a list of at most 64.0 MB, found big.csv of 100.0 MB"
        );
        assert_eq!(size(812.0), "812 bytes");
        assert_eq!(size(14_540.0), "14.2 KB");
        assert_eq!(size(1023.0), "1023 bytes");
        assert_eq!(size(1024.0 * 1024.0 * 3.25), "3.3 MB");
    }
}
