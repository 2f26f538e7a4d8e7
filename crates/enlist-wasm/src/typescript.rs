//! The TypeScript declarations of the core's types the API takes and returns. The core has no
//! wasm-bindgen dependency, so they are written here once, and a test checks them against what
//! the core really serializes and reads: every field of every interface, no more, no fewer.

use wasm_bindgen::prelude::*;

#[allow(dead_code)] // Read by the macro below, which rustc does not count as a use.
const DECLARATIONS: &str = r#"
/** How much a diagnostic matters. */
export type Severity = "error" | "warning" | "info";

/** Counts of a parse. */
export interface Summary {
    /** Accounts to send. */
    accounts: number;
    /** Diagnostics of severity error. */
    errors: number;
    /** Diagnostics of severity warning. */
    warnings: number;
    /** Diagnostics of severity info. */
    infos: number;
    /** Batches of at most 50. */
    batches: number;
}

/** An account to send. */
export interface ReportAccount {
    /** Twelve digits. */
    accountId: string;
    /** The email, when the list has one. */
    email: string | null;
    /** The 1-based line it came from. */
    line: number;
}

/** An account left out, and why. */
export interface ReportExcluded {
    /** Twelve digits. */
    accountId: string;
    /** The email, when the list has one. */
    email: string | null;
    /** The 1-based line it came from. */
    line: number;
    /** `administrator account`, or the account's status such as `SUSPENDED`. */
    reason: string;
}

/** A problem or a note, with where it is (columns in UTF-16 units). */
export interface ReportDiagnostic {
    severity: Severity;
    /** A stable code such as `E003`. */
    code: string;
    /** What was expected and what was found. */
    message: string;
    line: number;
    column: number;
    endLine: number;
    /** Just past the end. */
    endColumn: number;
    /** The replacement for the span, when one is obvious. */
    fix?: string;
    /** Lines the fix deletes as well: "keep this one" of a conflicting duplicate, whose `fix` leaves this line as it is. */
    removeLines?: number[];
}

/** Everything a parse found. */
export interface Report {
    /** The format the text was read as (`csv`, `tsv`, `json`, …). */
    format: string;
    accounts: ReportAccount[];
    excluded: ReportExcluded[];
    diagnostics: ReportDiagnostic[];
    /** The account IDs of each batch of at most 50. */
    batches: string[][];
    summary: Summary;
}

/** How to read a list; every field is optional, any other is an error. */
export interface ParseOptions {
    /** The services the list must satisfy (default: GuardDuty and Detective). */
    services?: ("guardduty" | "detective" | "securityhub")[];
    /** A Detective organization behavior graph: accounts need no email. */
    organizationMode?: boolean;
    /** The administrator account, left out of the list. */
    adminAccount?: string | null;
    /** Force a format (`csv`, `tsv`, `json`, …) instead of detecting it. */
    format?: string | null;
}

/** Where a list goes: a GuardDuty detector, a Detective behavior graph or a Security Hub hub in a
 * region. Security Hub's invitation takes no message. */
export type Target =
    | { service: "guardduty"; region: string; detectorId: string; message?: string; disableEmailNotification?: boolean }
    | { service: "detective"; region: string; graphArn: string; message?: string; disableEmailNotification?: boolean; organizationMode?: boolean }
    | { service: "securityhub"; region: string; hubArn: string };

/** A list and where it goes. */
export interface Plan {
    text: string;
    options?: ParseOptions;
    targets: Target[];
    /** Build requests for the valid accounts of a list that has errors. */
    skipInvalid?: boolean;
}
"#;

#[wasm_bindgen(typescript_custom_section)]
const _: &str = DECLARATIONS;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use enlist_core::{ColumnEncoding, Invitation, Options, Target, parse, report};
    use serde_json::Value;

    /// Field names of each `export interface` (and of each branch of `export type Target`).
    fn declared() -> BTreeMap<String, BTreeSet<String>> {
        let mut out = BTreeMap::new();
        let text: String =
            super::DECLARATIONS.lines().map(|l| l.split("/**").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
        for chunk in text.split("export interface ").skip(1) {
            let name = chunk.split_whitespace().next().unwrap().to_owned();
            let body = &chunk[chunk.find('{').unwrap() + 1..chunk.find("\n}").unwrap()];
            out.insert(name, fields(body));
        }
        let target = text.split("export type Target =").nth(1).unwrap();
        for (i, branch) in target.split('|').filter(|b| b.contains('{')).enumerate() {
            let body = &branch[branch.find('{').unwrap() + 1..branch.find('}').unwrap()];
            out.insert(format!("Target{i}"), fields(body));
        }
        out
    }

    fn fields(body: &str) -> BTreeSet<String> {
        body.split(';')
            .filter_map(|f| f.split(':').next())
            .map(|f| f.trim().trim_end_matches('?').to_owned())
            .filter(|f| !f.is_empty())
            .collect()
    }

    fn keys(value: &Value) -> BTreeSet<String> {
        value.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn the_report_declarations_match_what_the_core_serializes() {
        let input = "Account ID,Email\n11122223333,a@example.com\n111122223333,b@example.com\n";
        let options = Options { admin_account: Some("111122223333".parse().unwrap()), ..Options::default() };
        // A conflicting duplicate, for the fix that keeps one line and deletes the other.
        let duplicate = "333344445555,x@example.com\n333344445555,y@example.com\n";
        let parsed = parse(&format!("{input}222233334444,c@example.com\n{duplicate}"), &options);
        let json = serde_json::to_value(report(&parsed, ColumnEncoding::Utf16)).unwrap();
        let declared = declared();
        assert_eq!(keys(&json), declared["Report"]);
        assert_eq!(keys(&json["summary"]), declared["Summary"]);
        assert_eq!(keys(&json["accounts"][0]), declared["ReportAccount"]);
        assert_eq!(keys(&json["excluded"][0]), declared["ReportExcluded"]);
        let with_fix = json["diagnostics"].as_array().unwrap().iter().find(|d| d.get("removeLines").is_some()).unwrap();
        assert_eq!(keys(with_fix), declared["ReportDiagnostic"]);
        assert_eq!(with_fix["removeLines"], serde_json::json!([6]), "{with_fix}");
        assert!(["error", "warning", "info"].contains(&with_fix["severity"].as_str().unwrap()));
    }

    #[cfg(feature = "build-requests")]
    #[test]
    fn the_input_declarations_match_what_the_core_reads() {
        let declared = declared();
        assert_eq!(keys(&serde_json::to_value(Options::default()).unwrap()), declared["ParseOptions"]);
        let region = "us-east-1".parse().unwrap();
        let invitation = Invitation::new(Some("hi"), true);
        let guardduty = Target::guardduty(region, "d1".parse().unwrap(), invitation.clone()).unwrap();
        assert_eq!(keys(&serde_json::to_value(guardduty).unwrap()), declared["Target0"]);
        let arn = "arn:aws:detective:us-east-1:111122223333:graph:027c7c4610ea4aacaf0b883093cab899";
        let mut detective = serde_json::to_value(
            Target::detective("us-east-1".parse().unwrap(), arn.parse().unwrap(), invitation, false).unwrap(),
        )
        .unwrap();
        detective["organizationMode"] = Value::Bool(false);
        assert_eq!(keys(&detective), declared["Target1"]);
        let hub = "arn:aws:securityhub:us-east-1:111122223333:hub/default";
        let security_hub = Target::security_hub("us-east-1".parse().unwrap(), hub.parse().unwrap()).unwrap();
        assert_eq!(keys(&serde_json::to_value(security_hub).unwrap()), declared["Target2"]);
        // Each declared field is one the core reads: a plan with all of them is accepted.
        let plan = serde_json::json!({
            "text": "111122224444,a@example.com\n",
            "options": {"services": ["guardduty"], "organizationMode": false, "adminAccount": null, "format": "csv"},
            "targets": [detective],
            "skipInvalid": true,
        });
        assert_eq!(keys(&plan), declared["Plan"]);
        assert!(serde_json::from_value::<crate::requests::PlanInput>(plan).is_ok());
    }
}
