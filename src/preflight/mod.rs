//! Conversions that fail early and explain themselves: the settings files checked locally against the
//! service's published rules ([`check_settings`]), the input linted from the storage listing the
//! conversion will use ([`crate::Client::lint_conversion_input`]), the service's result and info files
//! read back after a conversion ends ([`crate::Client::conversion_results`]), and container SAS tokens
//! signed with the least permissions the service needs ([`ContainerSas`]).
//!
//! Every problem is a [`Finding`]: a severity, a stable rule id, the file and the JSON Pointer inside
//! it, and a message saying what to change. The rules and their sources are listed in
//! `docs/conversion-preflight.md`.

mod blob;
mod check;
mod lint;
mod lint_model;
mod lint_names;
mod lint_settings;
mod references;
mod results;
mod rules;
mod sas;

use serde::Serialize;

pub use check::{check_settings, SettingsFileKind};
pub use lint::{InputLint, LintOptions, DEFAULT_SCAN_BYTES};
pub use results::{ConversionResults, ResultMessage, ResultsOptions};
pub use sas::{ContainerSas, SasPurpose, DEFAULT_SAS_LIFETIME};

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The conversion would fail, or produce something other than asked (e.g. without a texture).
    Error,
    /// Likely a mistake, or something the service handled badly at some point; the conversion may work.
    Warning,
    /// Worth knowing (what will be downloaded, what was not looked at).
    Info,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One problem found before (or instead of) the service finding it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// A stable id of the rule, e.g. `enum`, `axis-repeat`, `reference-absolute` (listed in the docs).
    pub rule: &'static str,
    /// The file it is about: a local path as given, or a blob name in the input container.
    pub file: String,
    /// Where in the file, as a JSON Pointer (`/axis/0`); empty for the file as a whole.
    pub path: String,
    /// What is wrong and what to do, in words.
    pub message: String,
}

impl Finding {
    pub(crate) fn new(
        severity: Severity,
        rule: &'static str,
        file: &str,
        path: &str,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            severity,
            rule,
            file: file.to_owned(),
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Finding {
    /// `error   box.ConversionSettings.json /axis/0 [enum]: ...`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:<7} {}", self.severity.as_str(), self.file)?;
        if !self.path.is_empty() {
            write!(f, " {}", self.path)?;
        }
        write!(f, " [{}]: {}", self.rule, self.message)
    }
}

/// Whether any finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// The unescaped text of the first `<name>` or `<name attr=...>` element; `None` if absent or empty-tagged.
pub(crate) fn xml_element(xml: &str, name: &str) -> Option<String> {
    let mut rest = xml;
    loop {
        let at = rest.find(&format!("<{name}"))?;
        let after = &rest[at + name.len() + 1..];
        match after.chars().next() {
            Some('>') => {
                let body = &after[1..];
                let end = body.find(&format!("</{name}>"))?;
                return Some(xml_unescape(&body[..end]));
            }
            Some(' ') => {
                let close = after.find('>')?;
                if after[..close].ends_with('/') {
                    return Some(String::new());
                }
                let body = &after[close + 1..];
                let end = body.find(&format!("</{name}>"))?;
                return Some(xml_unescape(&body[..end]));
            }
            Some('/') => return Some(String::new()),
            _ => rest = after,
        }
    }
}

/// Decodes the five XML entities and numeric character references (Blob Storage's listings and errors).
pub(crate) fn xml_unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A JSON Pointer segment: `~` and `/` escaped (RFC 6901).
pub(crate) fn pointer(parent: &str, segment: &str) -> String {
    format!("{parent}/{}", segment.replace('~', "~0").replace('/', "~1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_entities_and_pointers() {
        assert_eq!(
            xml_unescape("a&amp;b &lt;c&gt; &#38;&#x26; &bogus; &"),
            "a&b <c> && &bogus; &"
        );
        assert_eq!(pointer("/vertex", "a/b~c"), "/vertex/a~1b~0c");
        let f = Finding::new(Severity::Error, "enum", "x.json", "/axis/0", "bad");
        assert_eq!(f.to_string(), "error   x.json /axis/0 [enum]: bad");
    }
}
