//! The naming rules of the lint, over every blob the service will copy (and the asset it will write):
//! `&` in names, Windows' path length, and names Windows cannot hold.

use super::{Finding, Severity};

/// Windows' `MAX_PATH` (260 characters, the terminating NUL included): the service converts on Windows
/// and warns of path lengths in its documentation ("Use Azure Blob Storage for model conversion").
const WINDOWS_MAX_PATH: usize = 259;
/// Past this many characters a blob name is warned about: the service's own working folder comes in
/// front of it (its length is not documented; this margin is inferred).
const WINDOWS_PATH_MARGIN: usize = 200;
/// Findings of one naming rule listed one by one before the rest are counted in one line.
const NAMES_LISTED: usize = 10;

/// The naming rules, over every blob the service will copy (and the asset it will write).
pub(super) fn check_names<'a>(findings: &mut Vec<Finding>, names: impl IntoIterator<Item = &'a str>) {
    let mut counts = [0usize; 3];
    const RULES: [&str; 3] = ["name-ampersand", "path-length", "name-windows"];
    for name in names {
        let mut problems: Vec<(usize, Severity, String)> = Vec::new();
        if name.contains('&') {
            problems.push((
                0,
                Severity::Warning,
                "has '&': the service failed such names with an internal error \
                 (Azure/azure-remote-rendering#15, fixed by the service in August 2020); rename it to be safe"
                    .into(),
            ));
        }
        let length = name.chars().count();
        if length > WINDOWS_MAX_PATH {
            problems.push((
                1,
                Severity::Error,
                format!("is {length} characters long: longer than Windows allows for a path (259), where the service converts"),
            ));
        } else if length > WINDOWS_PATH_MARGIN {
            problems.push((
                1,
                Severity::Warning,
                format!(
                    "is {length} characters long: with the service's own folder in front it may pass Windows' 259-character path limit"
                ),
            ));
        }
        if let Some(why) = windows_trouble(name) {
            problems.push((2, Severity::Warning, why));
        }
        for (rule, severity, message) in problems {
            counts[rule] += 1;
            if counts[rule] <= NAMES_LISTED {
                findings.push(Finding::new(severity, RULES[rule], name, "", message));
            }
        }
    }
    for (rule, count) in counts.iter().enumerate() {
        if *count > NAMES_LISTED {
            findings.push(Finding::new(
                Severity::Warning,
                RULES[rule],
                "",
                "",
                format!("{} more names break this rule", count - NAMES_LISTED),
            ));
        }
    }
}

/// Why a blob name cannot be a Windows file name, if it cannot (characters and names Windows reserves;
/// inferred to matter because the service converts on Windows).
fn windows_trouble(name: &str) -> Option<String> {
    if let Some(c) = name
        .chars()
        .find(|c| matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') || c.is_control())
    {
        return Some(format!("has {c:?}, which Windows does not allow in file names"));
    }
    for part in name.split('/') {
        if part.ends_with('.') || part.ends_with(' ') {
            return Some(format!(
                "\"{part}\" ends in a dot or space, which Windows drops from file names"
            ));
        }
        let base = part.split('.').next().unwrap_or_default().to_ascii_uppercase();
        let reserved = matches!(base.as_str(), "CON" | "PRN" | "AUX" | "NUL")
            || (base.len() == 4
                && (base.starts_with("COM") || base.starts_with("LPT"))
                && base.as_bytes()[3].is_ascii_digit()
                && base.as_bytes()[3] != b'0');
        if reserved {
            return Some(format!("\"{part}\" is a device name Windows reserves"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(findings: &[Finding]) -> Vec<(&'static str, Severity)> {
        findings.iter().map(|f| (f.rule, f.severity)).collect()
    }

    #[test]
    fn names_the_service_mishandles() {
        let mut findings = Vec::new();
        let long = format!("m/{}.png", "x".repeat(300));
        let longish = format!("m/{}.png", "x".repeat(210));
        check_names(
            &mut findings,
            [
                "m/a&b.fbx",
                "m/ok.fbx",
                long.as_str(),
                longish.as_str(),
                "m/con.png",
                "m/a?.png",
                "m/dir./x.png",
            ],
        );
        assert_eq!(
            rules(&findings),
            [
                ("name-ampersand", Severity::Warning),
                ("path-length", Severity::Error),
                ("path-length", Severity::Warning),
                ("name-windows", Severity::Warning),
                ("name-windows", Severity::Warning),
                ("name-windows", Severity::Warning),
            ]
        );
        let mut findings = Vec::new();
        let many: Vec<String> = (0..15).map(|i| format!("a&{i}")).collect();
        check_names(&mut findings, many.iter().map(String::as_str));
        assert_eq!(findings.len(), NAMES_LISTED + 1);
        assert!(findings.last().unwrap().message.starts_with("5 more"));
    }
}
