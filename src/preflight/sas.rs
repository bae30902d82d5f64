//! Container SAS tokens: signed here from a storage account key with the least permissions a conversion
//! needs, and read back (permissions, expiry, scope) to check the ones callers bring.
//!
//! Signing follows the documented service-SAS rules ("Create a service SAS", Azure Storage REST
//! reference, version 2020-12-06 and later: sixteen fields joined by newlines, HMAC-SHA256 with the
//! decoded account key). The token is returned as a [`Secret`]: never logged, never in an error.

use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::hmac;
use url::Url;

use crate::error::{Error, Result};
use crate::secret::Secret;

use super::{Finding, Severity};

/// The storage REST version tokens are signed for (`sv`), and sent as `x-ms-version`.
pub(crate) const STORAGE_VERSION: &str = "2021-08-06";

/// How long a signed token lives unless told otherwise: a day, what ARR's tools moved to so that a long
/// conversion does not outlive its SAS (Azure/azure-remote-rendering PR #49).
pub const DEFAULT_SAS_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The start time is set this far back, so that a clock a little ahead of the storage service's does not
/// make a fresh token "not yet valid".
const CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

/// A token with less time left than this draws a `sas-lifetime` warning: a day, less the margin that
/// lets a day-long token signed a few minutes earlier (by `arr storage sas`, `--sign-sas`) pass.
const SHORT_LIFETIME: Duration = Duration::from_secs(24 * 3600 - 15 * 60);

/// What a container SAS is for; each purpose gets only the permissions the service needs.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SasPurpose {
    /// The input container: read and list (`rl`), what the service documents for `storageContainerReadListSas`.
    Input,
    /// The output container: write (`w`) for the service, and read (`r`) so that the result and info files
    /// can be read back with the same token after the conversion.
    Output,
}

impl SasPurpose {
    /// The permissions (`sp`) a token for this purpose gets, in the documented order.
    pub fn permissions(self) -> &'static str {
        match self {
            SasPurpose::Input => "rl",
            SasPurpose::Output => "rw",
        }
    }
}

/// A container SAS to sign: `ContainerSas::new(url, SasPurpose::Input).sign(&key)`.
#[derive(Clone, Debug)]
pub struct ContainerSas {
    container_uri: String,
    permissions: String,
    valid_for: Duration,
    account_name: Option<String>,
}

impl ContainerSas {
    /// A token for the container at `container_uri` (`https://acct.blob.core.windows.net/input`, or
    /// Azurite's path-style `http://127.0.0.1:10000/devstoreaccount1/input`), with `purpose`'s
    /// permissions, valid for [`DEFAULT_SAS_LIFETIME`].
    pub fn new(container_uri: impl Into<String>, purpose: SasPurpose) -> ContainerSas {
        ContainerSas {
            container_uri: container_uri.into(),
            permissions: purpose.permissions().to_owned(),
            valid_for: DEFAULT_SAS_LIFETIME,
            account_name: None,
        }
    }

    /// A token described as the C ABI and the bindings pass it: `{"purpose": "input"|"output",
    /// "permissions"?: "r", "validForSeconds"?: 86400, "accountName"?: "..."}`. Unknown keys are refused.
    pub fn from_json(container_uri: impl Into<String>, text: &str) -> Result<ContainerSas> {
        let mut map = crate::json_fields::object(text, "sasOptions")?;
        let mut fields = crate::json_fields::Fields::new(&mut map, "");
        let purpose = match fields.required_string("purpose")?.as_str() {
            "input" => SasPurpose::Input,
            "output" => SasPurpose::Output,
            _ => return Err(Error::invalid_argument("purpose", "must be \"input\" or \"output\"")),
        };
        let mut sas = ContainerSas::new(container_uri, purpose);
        if let Some(permissions) = fields.optional_string("permissions")? {
            sas = sas.permissions(permissions);
        }
        if let Some(seconds) = fields.optional_u64("validForSeconds", 1, 365 * 86_400)? {
            sas = sas.valid_for(Duration::from_secs(seconds));
        }
        if let Some(name) = fields.optional_string("accountName")? {
            sas = sas.account_name(name);
        }
        fields.reject_unknown()?;
        Ok(sas)
    }

    /// Other permissions than the purpose's (letters of `racwdl`), e.g. `r` for a read-only token.
    pub fn permissions(mut self, permissions: impl Into<String>) -> ContainerSas {
        self.permissions = permissions.into();
        self
    }

    /// How long the token is valid from now (at most 365 days).
    pub fn valid_for(mut self, valid_for: Duration) -> ContainerSas {
        self.valid_for = valid_for;
        self
    }

    /// The storage account's name, when the URL does not show it (a custom domain).
    pub fn account_name(mut self, name: impl Into<String>) -> ContainerSas {
        self.account_name = Some(name.into());
        self
    }

    /// Signs the token with the account key (base64, as the portal shows it). Returns the query string
    /// with its leading `?`, the form the conversion settings take.
    pub fn sign(&self, account_key: &Secret) -> Result<Secret> {
        self.sign_at(account_key, SystemTime::now())
    }

    pub(crate) fn sign_at(&self, account_key: &Secret, now: SystemTime) -> Result<Secret> {
        let (account, container, https) = self.resource()?;
        let permissions = ordered_permissions(&self.permissions)?;
        if self.valid_for.is_zero() || self.valid_for > Duration::from_secs(365 * 24 * 3600) {
            return Err(Error::invalid_argument(
                "validFor",
                "must be more than 0 and at most 365 days",
            ));
        }
        let key = STANDARD.decode(account_key.expose().trim()).map_err(|_| {
            Error::invalid_argument(
                "storageAccountKey",
                "is not base64 (copy it from the storage account's access keys)",
            )
        })?;
        let start = arr_wire_time::timestamp::format_utc_seconds(now - CLOCK_SKEW);
        let expiry = arr_wire_time::timestamp::format_utc_seconds(now + self.valid_for);
        let protocol = if https { "https" } else { "" };
        let resource = format!("/blob/{account}/{container}");
        // sp, st, se, canonicalized resource, si, sip, spr, sv, sr, snapshot time, encryption scope,
        // rscc, rscd, rsce, rscl, rsct.
        let to_sign = [
            permissions.as_str(),
            &start,
            &expiry,
            &resource,
            "",
            "",
            protocol,
            STORAGE_VERSION,
            "c",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
        .join("\n");
        let key = hmac::Key::new(hmac::HMAC_SHA256, &key);
        let signature = STANDARD.encode(hmac::sign(&key, to_sign.as_bytes()).as_ref());
        let mut query = url::form_urlencoded::Serializer::new(String::from("?"));
        query
            .append_pair("sv", STORAGE_VERSION)
            .append_pair("sr", "c")
            .append_pair("st", &start)
            .append_pair("se", &expiry)
            .append_pair("sp", &permissions);
        if https {
            query.append_pair("spr", "https");
        }
        query.append_pair("sig", &signature);
        Ok(Secret::new(query.finish().replacen("?&", "?", 1)))
    }

    /// `(account, container, https)` from the URL (or the given account name).
    fn resource(&self) -> Result<(String, String, bool)> {
        let field = "storageContainerUri";
        let url = Url::parse(self.container_uri.trim())
            .map_err(|e| Error::invalid_argument(field, format_args!("not a URL: {e}")))?;
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            other => {
                return Err(Error::invalid_argument(
                    field,
                    format_args!("unsupported scheme {other:?}"),
                ))
            }
        };
        let segments: Vec<&str> = url
            .path_segments()
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        let (account, container) = match (segments.as_slice(), &self.account_name) {
            ([container], Some(account)) | ([_, container], Some(account)) => (account.clone(), container.to_string()),
            ([container], None) => {
                let host = url.host_str().unwrap_or_default();
                let account = host.split('.').next().unwrap_or_default();
                if account.is_empty() || matches!(url.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_))) {
                    return Err(Error::invalid_argument(
                        field,
                        "the URL does not name the storage account: use https://<account>.blob.core.windows.net/<container>, \
                         http://host:port/<account>/<container>, or give the account name",
                    ));
                }
                (account.to_owned(), container.to_string())
            }
            // Path-style (Azurite, IP endpoints): /<account>/<container>.
            ([account, container], None) => (account.to_string(), container.to_string()),
            _ => {
                return Err(Error::invalid_argument(
                    field,
                    "must be a container URL (https://<account>.blob.core.windows.net/<container>), with no blob path",
                ))
            }
        };
        Ok((account, container, https))
    }
}

/// The permissions in the order the service requires (`racwdl`); other letters are refused.
fn ordered_permissions(given: &str) -> Result<String> {
    const ORDER: &str = "racwdl";
    if given.is_empty() || given.chars().any(|c| !ORDER.contains(c)) {
        return Err(Error::invalid_argument(
            "permissions",
            format_args!("must be letters of {ORDER} (read, add, create, write, delete, list), not {given:?}"),
        ));
    }
    Ok(ORDER.chars().filter(|c| given.contains(*c)).collect())
}

/// What a SAS says about itself (the signature is not checked: only the storage service can).
#[derive(Debug, Default)]
pub(crate) struct SasFields {
    pub permissions: Option<String>,
    pub start: Option<String>,
    pub expiry: Option<String>,
    pub resource: Option<String>,
    pub signed: bool,
}

pub(crate) fn parse_sas(sas: &str) -> SasFields {
    let mut fields = SasFields::default();
    for (key, value) in url::form_urlencoded::parse(sas.trim().trim_start_matches('?').as_bytes()) {
        match key.as_ref() {
            "sp" => fields.permissions = Some(value.into_owned()),
            "st" => fields.start = Some(value.into_owned()),
            "se" => fields.expiry = Some(value.into_owned()),
            "sr" => fields.resource = Some(value.into_owned()),
            "sig" => fields.signed = !value.is_empty(),
            _ => {}
        }
    }
    fields
}

/// A SAS time: `2024-05-02T10:00:00Z`, with fractions, or a bare date (midnight UTC).
fn sas_time(text: &str) -> Option<SystemTime> {
    arr_wire_time::timestamp::parse_rfc3339(text)
        .or_else(|| arr_wire_time::timestamp::parse_rfc3339(&format!("{text}T00:00:00Z")))
}

/// Checks the SAS of one side of a conversion (`field` is `storageContainerReadListSas` or
/// `storageContainerWriteSas`): it can do what the service needs, no more, and lives long enough.
pub(crate) fn check_sas(field: &str, sas: &str, purpose: SasPurpose, now: SystemTime) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut push = |severity, rule, message: String| findings.push(Finding::new(severity, rule, field, "", message));
    let fields = parse_sas(sas);
    if !fields.signed {
        push(
            Severity::Error,
            "sas-form",
            "has no signature (sig=): not a SAS query string like ?sv=...&sp=...&sig=...".into(),
        );
        return findings;
    }
    if fields.resource.as_deref() == Some("b") {
        push(
            Severity::Error,
            "sas-scope",
            "is a blob SAS (sr=b): the service needs a container SAS (sr=c) to reach every file".into(),
        );
    }
    let granted = fields.permissions.unwrap_or_default();
    let (needed, fine): (&str, &str) = match purpose {
        SasPurpose::Input => ("rl", "rl"),
        SasPurpose::Output => ("w", "rwc"),
    };
    let missing: String = needed.chars().filter(|c| !granted.contains(*c)).collect();
    if !missing.is_empty() {
        push(
            Severity::Error,
            "sas-permissions",
            format!(
                "grants sp={granted} but the service needs {needed}: missing {}",
                describe_permissions(&missing)
            ),
        );
    }
    let extra: String = granted.chars().filter(|c| !fine.contains(*c)).collect();
    if !extra.is_empty() {
        push(
            Severity::Warning,
            "sas-over-grant",
            format!(
                "grants {} as well, which the service does not need (sign it with sp={}: arr storage sas)",
                describe_permissions(&extra),
                purpose.permissions()
            ),
        );
    }
    if purpose == SasPurpose::Output && !granted.contains('r') && missing.is_empty() {
        push(
            Severity::Info,
            "sas-no-read",
            "grants no read (r): the result and info files cannot be read back with it after the conversion".into(),
        );
    }
    match fields.expiry.as_deref().map(|se| (se, sas_time(se))) {
        Some((_, Some(expiry))) if expiry <= now => {
            push(Severity::Error, "sas-expired", "has expired: sign a new one".into())
        }
        Some((_, Some(expiry))) if expiry < now + SHORT_LIFETIME => {
            let left = expiry.duration_since(now).unwrap_or_default();
            push(
                Severity::Warning,
                "sas-lifetime",
                format!(
                    "expires in {} h {} min: a long conversion can outlast it (ARR's tools sign SAS for a day)",
                    left.as_secs() / 3600,
                    left.as_secs() / 60 % 60
                ),
            )
        }
        Some((se, None)) => push(
            Severity::Warning,
            "sas-form",
            format!("has an expiry (se) that is not a time: {se:?}"),
        ),
        _ => {}
    }
    if let Some(start) = fields.start.as_deref().and_then(sas_time) {
        if start > now + Duration::from_secs(5 * 60) {
            push(
                Severity::Warning,
                "sas-start",
                "is not valid yet (its start time st is in the future)".into(),
            );
        }
    }
    findings
}

fn describe_permissions(letters: &str) -> String {
    letters
        .chars()
        .map(|c| match c {
            'r' => "read (r)".to_owned(),
            'a' => "add (a)".to_owned(),
            'c' => "create (c)".to_owned(),
            'w' => "write (w)".to_owned(),
            'd' => "delete (d)".to_owned(),
            'l' => "list (l)".to_owned(),
            'x' => "delete versions (x)".to_owned(),
            other => format!("'{other}'"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    // Azurite's documented development account key.
    const KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    #[test]
    fn signs_the_documented_string_for_a_path_style_container() {
        let now = UNIX_EPOCH + Duration::from_secs(1_795_855_641);
        let sas = ContainerSas::new("http://127.0.0.1:10000/devstoreaccount1/input", SasPurpose::Input)
            .sign_at(&Secret::new(KEY), now)
            .unwrap();
        let text = sas.expose();
        assert!(
            text.starts_with("?sv=2021-08-06&sr=c&st=2026-11-28T08%3A32%3A21Z&se=2026-11-29T08%3A47%3A21Z&sp=rl&sig="),
            "{text}"
        );
        assert!(!text.contains("spr="), "{text}");
        assert_eq!(format!("{sas:?}"), "<redacted>");
        // The signature, worked out from the documented string-to-sign by hand for this instant.
        let to_sign = "rl\n2026-11-28T08:32:21Z\n2026-11-29T08:47:21Z\n/blob/devstoreaccount1/input\n\n\n\n2021-08-06\nc\n\n\n\n\n\n\n";
        let key = hmac::Key::new(hmac::HMAC_SHA256, &STANDARD.decode(KEY).unwrap());
        let sig = STANDARD.encode(hmac::sign(&key, to_sign.as_bytes()).as_ref());
        let fields: Vec<(String, String)> = url::form_urlencoded::parse(&text.as_bytes()[1..])
            .into_owned()
            .collect();
        assert!(fields.contains(&("sig".into(), sig)));
    }

    #[test]
    fn host_style_urls_name_the_account_and_https_is_required() {
        let sas = ContainerSas::new("https://contoso.blob.core.windows.net/arroutput", SasPurpose::Output)
            .sign(&Secret::new(KEY))
            .unwrap();
        let fields = parse_sas(sas.expose());
        assert_eq!(fields.permissions.as_deref(), Some("rw"));
        assert_eq!(fields.resource.as_deref(), Some("c"));
        assert!(sas.expose().contains("&spr=https&"));
    }

    #[test]
    fn bad_keys_urls_and_permissions_are_refused_without_echoing_the_key() {
        let e = ContainerSas::new("http://127.0.0.1:10000/devstoreaccount1/in", SasPurpose::Input)
            .sign(&Secret::new("not base64 SECRET!"))
            .unwrap_err();
        assert_eq!(e.argument(), Some("storageAccountKey"));
        assert!(!e.to_string().contains("SECRET"));
        let e = ContainerSas::new("http://127.0.0.1:10000/in", SasPurpose::Input)
            .sign(&Secret::new(KEY))
            .unwrap_err();
        assert_eq!(e.argument(), Some("storageContainerUri"));
        let e = ContainerSas::new("https://a.blob.core.windows.net/c", SasPurpose::Input)
            .permissions("rz")
            .sign(&Secret::new(KEY))
            .unwrap_err();
        assert_eq!(e.argument(), Some("permissions"));
        assert!(
            ContainerSas::new("https://a.blob.core.windows.net/c", SasPurpose::Input)
                .permissions("lr")
                .sign(&Secret::new(KEY))
                .unwrap()
                .expose()
                .contains("sp=rl")
        );
    }

    #[test]
    fn options_from_json_name_their_keys() {
        let sas = ContainerSas::from_json(
            "https://a.blob.core.windows.net/c",
            r#"{"purpose":"output","permissions":"w","validForSeconds":3600}"#,
        )
        .unwrap();
        assert_eq!(
            parse_sas(sas.sign(&Secret::new(KEY)).unwrap().expose())
                .permissions
                .as_deref(),
            Some("w")
        );
        let e = ContainerSas::from_json("https://a.blob.core.windows.net/c", r#"{"purpose":"both"}"#).unwrap_err();
        assert_eq!(e.argument(), Some("purpose"));
        let e =
            ContainerSas::from_json("https://a.blob.core.windows.net/c", r#"{"purpose":"input","ttl":1}"#).unwrap_err();
        assert_eq!(e.argument(), Some("ttl"));
        let lint = crate::LintOptions::from_json(r#"{"storageAccountKey":"k","scanBytes":4096}"#).unwrap();
        assert_eq!(
            (lint.storage_account_key.unwrap().expose(), lint.scan_bytes),
            ("k", 4096)
        );
        assert!(crate::ResultsOptions::from_json(r#"{"outputSas":5}"#).is_err());
        assert!(crate::ResultsOptions::from_json(r#"{"outputSas":"?sig=x"}"#)
            .unwrap()
            .output_sas
            .is_some());
    }

    #[test]
    fn a_token_signed_with_the_defaults_draws_no_finding_when_checked_soon_after() {
        // Signed at a fractional second (the expiry is written in whole seconds) and checked a few
        // minutes later, as `conversion create --sign-sas` does.
        let signed = UNIX_EPOCH + Duration::from_millis(1_800_000_000_700);
        for purpose in [SasPurpose::Input, SasPurpose::Output] {
            let sas = ContainerSas::new("http://127.0.0.1:10000/devstoreaccount1/c", purpose)
                .sign_at(&Secret::new(KEY), signed)
                .unwrap();
            for later in [0, 5 * 60] {
                let findings = check_sas("sas", sas.expose(), purpose, signed + Duration::from_secs(later));
                assert!(findings.is_empty(), "{purpose:?} +{later} s: {findings:?}");
            }
        }
    }

    #[test]
    fn brought_tokens_are_checked_for_what_the_service_needs() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let rules = |sas: &str, purpose| -> Vec<&'static str> {
            check_sas("sas", sas, purpose, now).iter().map(|f| f.rule).collect()
        };
        let week = "se=2027-01-22T00:00:00Z";
        assert!(rules(&format!("?sv=1&sr=c&sp=rl&{week}&sig=x"), SasPurpose::Input).is_empty());
        assert!(rules(&format!("?sv=1&sr=c&sp=rw&{week}&sig=x"), SasPurpose::Output).is_empty());
        assert_eq!(
            rules(&format!("?sp=r&{week}&sig=x"), SasPurpose::Input),
            ["sas-permissions"]
        );
        assert_eq!(
            rules(&format!("?sp=rwdl&{week}&sig=x"), SasPurpose::Input),
            ["sas-over-grant"]
        );
        assert_eq!(
            rules(&format!("?sp=r&{week}&sig=x"), SasPurpose::Output),
            ["sas-permissions"]
        );
        assert_eq!(
            rules(&format!("?sp=w&{week}&sig=x"), SasPurpose::Output),
            ["sas-no-read"]
        );
        assert_eq!(
            rules(&format!("?sr=b&sp=rl&{week}&sig=x"), SasPurpose::Input),
            ["sas-scope"]
        );
        assert_eq!(rules("?sp=rl&se=2020-01-01&sig=x", SasPurpose::Input), ["sas-expired"]);
        assert_eq!(
            rules("?sp=rl&se=2027-01-15T10%3A00%3A00Z&sig=x", SasPurpose::Input),
            ["sas-lifetime"]
        );
        assert_eq!(rules(&format!("?sp=rl&{week}"), SasPurpose::Input), ["sas-form"]);
        assert_eq!(
            rules(
                &format!("?sp=rl&{week}&st=2027-01-20T00:00:00Z&sig=x"),
                SasPurpose::Input
            ),
            ["sas-start"]
        );
    }
}
