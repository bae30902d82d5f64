//! Where each setting comes from: command-line flags, then `ARR_*` environment variables, then
//! `arrconfig.json`. Each setting is taken from the highest layer that has it, independently of the others,
//! so a file can hold the account while a flag picks another endpoint.

use std::path::{Path, PathBuf};
use std::time::Duration;

use arr_session::{ApiVersion, ClientConfig, Credential, Error, Result, Secret, SessionSize};

use crate::args::{GlobalArgs, OutputFormat};
use crate::arrconfig::{ArrConfig, ConversionConfig};
use crate::durations::parse_lease;

/// RenderingSession.ps1's default lease (4:00:00) when neither a flag nor the file gives one.
pub const DEFAULT_LEASE_MINUTES: u32 = 240;

/// Reads an environment variable; blank values count as unset.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Everything a command needs besides its own arguments. `Debug` shows no secret (the core redacts them).
#[derive(Debug)]
pub struct Settings {
    pub client: ClientConfig,
    pub output: OutputFormat,
    pub timeout: Option<Duration>,
    pub poll_interval: Option<Duration>,
    /// `ARR_INPUT_SAS` / `ARR_OUTPUT_SAS`, used when `--input-sas` / `--output-sas` are not given.
    pub input_sas: Option<Secret>,
    pub output_sas: Option<Secret>,
    /// `ARR_STORAGE_KEY`, else `AZURE_STORAGE_KEY` (the az CLI's name), used without `--storage-key-file`.
    pub storage_key: Option<Secret>,
    file: ArrConfig,
}

/// Stands in for the ARR account in commands that never talk to the service (`conversion check`,
/// `storage sas`), when none is configured: the client is only their HTTP stack (proxy, TLS).
const OFFLINE_ENDPOINT: &str = "http://127.0.0.1:9";
const OFFLINE_ACCOUNT: &str = "00000000-0000-0000-0000-000000000000";

impl Settings {
    /// Resolves the global flags against `env` and the config file. `cwd` is where `./arrconfig.json` is
    /// looked for when neither `--config` nor `ARR_CONFIG` names a file.
    #[cfg(test)]
    pub fn resolve(global: &GlobalArgs, env: Lookup<'_>, cwd: &Path) -> Result<Settings> {
        Settings::resolve_for(global, env, cwd, true)
    }

    /// [`Settings::resolve`]; with `needs_service` false, an unset endpoint, account or credential is
    /// not an error (the command does not talk to the ARR service).
    pub fn resolve_for(global: &GlobalArgs, env: Lookup<'_>, cwd: &Path, needs_service: bool) -> Result<Settings> {
        let get = |name: &str| env(name).filter(|v| !v.trim().is_empty()).map(|v| v.trim().to_owned());
        let file = load_file(global, &get, cwd)?;
        let offline = |value: &str| (!needs_service).then(|| value.to_owned());

        let endpoint = first(
            global.endpoint.clone(),
            get("ARR_ENDPOINT"),
            file.remote_rendering_domain.clone(),
        )
        .or_else(|| offline(OFFLINE_ENDPOINT))
        .ok_or_else(|| {
            missing(
                "the rendering endpoint",
                "--endpoint",
                "ARR_ENDPOINT",
                "renderingSessionSettings.remoteRenderingDomain",
            )
        })?;
        let account_id = first(
            global.account_id.clone(),
            get("ARR_ACCOUNT_ID"),
            file.account_id.clone(),
        )
        .or_else(|| offline(OFFLINE_ACCOUNT))
        .ok_or_else(|| {
            missing(
                "the account id",
                "--account-id",
                "ARR_ACCOUNT_ID",
                "accountSettings.arrAccountId",
            )
        })?;
        let credential = match credential(global, &get, &file) {
            Err(_) if !needs_service => Credential::AccessToken(Secret::new("offline")),
            other => other?,
        };

        let mut client = ClientConfig::new(endpoint, account_id, credential);
        // The script's arrAccountDomain is a region or "the full url" of the STS; the core reads both.
        client.account_domain = first(
            global.account_domain.clone(),
            get("ARR_ACCOUNT_DOMAIN"),
            file.account_domain.clone(),
        );
        if let Some(url) = global.sts_endpoint.clone().or_else(|| get("ARR_STS_ENDPOINT")) {
            client.sts_endpoint = Some(url);
        }
        client.api_version = match (global.api_version, get("ARR_API_VERSION")) {
            (Some(v), _) => v,
            (None, Some(text)) => ApiVersion::parse(&text)
                .ok_or_else(|| Error::invalid_argument("ARR_API_VERSION", "must be v1 or 2021-01-01"))?,
            (None, None) => ApiVersion::default(),
        };
        client.poll_interval = global.poll_interval;
        client.user_agent_suffix = Some(concat!("arr-cli/", env!("CARGO_PKG_VERSION")).to_owned());

        Ok(Settings {
            client,
            output: global.output,
            timeout: global.timeout,
            poll_interval: global.poll_interval,
            input_sas: get("ARR_INPUT_SAS").map(Secret::new),
            output_sas: get("ARR_OUTPUT_SAS").map(Secret::new),
            storage_key: get("ARR_STORAGE_KEY")
                .or_else(|| get("AZURE_STORAGE_KEY"))
                .map(Secret::new),
            file,
        })
    }

    /// arrconfig.json's `assetConversionSettings`.
    pub fn conversion_file(&self) -> &ConversionConfig {
        &self.file.conversion
    }

    /// The storage account key: from `file` when given (trimmed), else from the environment.
    pub fn storage_key(&self, file: Option<&Path>) -> Result<Option<Secret>> {
        match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::invalid_argument(
                        "--storage-key-file",
                        format_args!("cannot read {}: {e}", path.display()),
                    )
                })?;
                let key = text.trim();
                if key.is_empty() {
                    return Err(Error::invalid_argument("--storage-key-file", "the file is empty"));
                }
                Ok(Some(Secret::new(key)))
            }
            None => Ok(self.storage_key.clone()),
        }
    }

    /// The size to create with when `--size` is not given: the file's vmSize, else Standard.
    pub fn default_size(&self) -> Result<SessionSize> {
        match &self.file.vm_size {
            Some(text) => SessionSize::parse_requested(text)
                .map_err(|_| Error::invalid_argument("renderingSessionSettings.vmSize", "must be standard or premium")),
            None => Ok(SessionSize::Standard),
        }
    }

    /// The lease to create with when `--lease` is not given: the file's maxLeaseTime, else 4 hours.
    pub fn default_lease(&self) -> Result<u32> {
        match &self.file.max_lease_time {
            Some(text) => parse_lease(text)
                .map_err(|problem| Error::invalid_argument("renderingSessionSettings.maxLeaseTime", problem)),
            None => Ok(DEFAULT_LEASE_MINUTES),
        }
    }
}

fn load_file(global: &GlobalArgs, get: &dyn Fn(&str) -> Option<String>, cwd: &Path) -> Result<ArrConfig> {
    if let Some(path) = &global.config {
        return ArrConfig::load(path, "--config");
    }
    if let Some(path) = get("ARR_CONFIG") {
        return ArrConfig::load(Path::new(&path), "ARR_CONFIG");
    }
    let local: PathBuf = cwd.join("arrconfig.json");
    if local.is_file() {
        return ArrConfig::load(&local, "./arrconfig.json");
    }
    Ok(ArrConfig::default())
}

/// The credential of the highest layer that has one. Within a layer, a key and a token together are
/// ambiguous (clap already refuses both flags).
fn credential(global: &GlobalArgs, get: &dyn Fn(&str) -> Option<String>, file: &ArrConfig) -> Result<Credential> {
    if let Some(token) = &global.access_token {
        return Ok(Credential::AccessToken(token.clone()));
    }
    if let Some(key) = &global.account_key {
        return Ok(Credential::AccountKey(key.clone()));
    }
    match (get("ARR_ACCOUNT_KEY"), get("ARR_ACCESS_TOKEN")) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid_argument(
                "ARR_ACCOUNT_KEY/ARR_ACCESS_TOKEN",
                "both are set; set only one of them",
            ))
        }
        (Some(key), None) => return Ok(Credential::AccountKey(Secret::new(key))),
        (None, Some(token)) => return Ok(Credential::AccessToken(Secret::new(token))),
        (None, None) => {}
    }
    match &file.account_key {
        Some(key) => Ok(Credential::AccountKey(key.clone())),
        None => Err(Error::invalid_argument(
            "credential",
            "no account key or access token: pass --account-key or --access-token, set ARR_ACCOUNT_KEY or \
             ARR_ACCESS_TOKEN, or fill in accountSettings.arrAccountKey in arrconfig.json",
        )),
    }
}

fn first(flag: Option<String>, env: Option<String>, file: Option<String>) -> Option<String> {
    flag.filter(|v| !v.trim().is_empty()).or(env).or(file)
}

fn missing(what: &str, flag: &str, var: &str, key: &str) -> Error {
    Error::invalid_argument(
        flag,
        format_args!("{what} is not set: pass {flag}, set {var}, or fill in {key} in arrconfig.json"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const ID: &str = "30ea64bd-100f-4bf0-adc9-29fa45d4880c";

    fn resolve(global: &GlobalArgs, vars: &[(&str, &str)]) -> Result<Settings> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let env = move |name: &str| vars.get(name).cloned();
        // A directory that has no arrconfig.json.
        Settings::resolve(global, &env, Path::new("/nonexistent-arr-cli-test-dir"))
    }

    #[test]
    fn flags_beat_the_environment() {
        let global = GlobalArgs {
            endpoint: Some("eastus".into()),
            access_token: Some(Secret::new("flag-token")),
            ..GlobalArgs::default()
        };
        let vars = [
            ("ARR_ENDPOINT", "westus2"),
            ("ARR_ACCOUNT_ID", ID),
            ("ARR_ACCOUNT_KEY", "env-key"),
        ];
        let s = resolve(&global, &vars).unwrap();
        assert_eq!(s.client.endpoint, "eastus");
        assert_eq!(s.client.account_id, ID);
        assert!(matches!(&s.client.credential, Credential::AccessToken(t) if t.expose() == "flag-token"));
    }

    #[test]
    fn regions_expand_and_urls_name_the_sts() {
        let vars = [
            ("ARR_ENDPOINT", "westus2"),
            ("ARR_ACCOUNT_ID", ID),
            ("ARR_ACCOUNT_KEY", "k"),
            ("ARR_ACCOUNT_DOMAIN", "westus2"),
        ];
        let s = resolve(&GlobalArgs::default(), &vars).unwrap();
        assert_eq!(s.client.account_domain.as_deref(), Some("westus2"));
        assert_eq!(s.client.sts_endpoint, None);
        let client = arr_session::Client::new(s.client).unwrap();
        assert_eq!(
            client.endpoint().as_str(),
            "https://remoterendering.westus2.mixedreality.azure.com/"
        );

        let global = GlobalArgs {
            account_domain: Some("https://sts.example.test".into()),
            ..GlobalArgs::default()
        };
        let s = resolve(&global, &vars).unwrap();
        assert_eq!(s.client.account_domain.as_deref(), Some("https://sts.example.test"));
        let client = arr_session::Client::new(s.client).unwrap();
        assert!(
            format!("{client:?}").contains("remoterendering"),
            "a URL domain is accepted by the core"
        );
    }

    #[test]
    fn missing_settings_name_every_way_to_set_them() {
        let err = resolve(&GlobalArgs::default(), &[]).unwrap_err();
        assert!(err.message().contains("ARR_ENDPOINT"), "{}", err.message());
        let err = resolve(&GlobalArgs::default(), &[("ARR_ENDPOINT", "x"), ("ARR_ACCOUNT_ID", ID)]).unwrap_err();
        assert!(err.message().contains("arrAccountKey"));
        let both = [
            ("ARR_ENDPOINT", "x"),
            ("ARR_ACCOUNT_ID", ID),
            ("ARR_ACCOUNT_KEY", "k"),
            ("ARR_ACCESS_TOKEN", "t"),
        ];
        assert!(resolve(&GlobalArgs::default(), &both).is_err());
        let bad_version = [
            ("ARR_ENDPOINT", "x"),
            ("ARR_ACCOUNT_ID", ID),
            ("ARR_ACCOUNT_KEY", "k"),
            ("ARR_API_VERSION", "3"),
        ];
        assert!(resolve(&GlobalArgs::default(), &bad_version)
            .unwrap_err()
            .message()
            .starts_with("ARR_API_VERSION"));
    }

    #[test]
    fn create_defaults_follow_the_script() {
        let vars = [("ARR_ENDPOINT", "x"), ("ARR_ACCOUNT_ID", ID), ("ARR_ACCOUNT_KEY", "k")];
        let mut s = resolve(&GlobalArgs::default(), &vars).unwrap();
        assert_eq!(s.default_size().unwrap().as_str(), "Standard");
        assert_eq!(s.default_lease().unwrap(), 240);
        s.file.vm_size = Some("premium".into());
        s.file.max_lease_time = Some("01:30:00".into());
        assert_eq!(s.default_size().unwrap().as_str(), "Premium");
        assert_eq!(s.default_lease().unwrap(), 90);
        s.file.max_lease_time = Some("forever".into());
        assert!(s.default_lease().unwrap_err().message().contains("maxLeaseTime"));
    }
}
