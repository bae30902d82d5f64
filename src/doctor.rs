//! The doctor: checks that say what is wrong before a user files an issue. The classic mistakes in the
//! settings (account domain and endpoint swapped, `sts.` or a port in the domain), the proxy in effect,
//! DNS, TCP, TLS and an HTTP answer from each host, the clock against the service's `Date`, the STS
//! exchange, and for a Ready session whether its handshake and inspector ports accept a connection from
//! here (firewalls that block 49152-65534 were a common cause of "cannot connect").
//!
//! Each check ends ok, warning or failure, with the fix in one line. Nothing here changes anything.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Url;
use serde::Serialize;

use crate::client::Client;
use crate::config::ClientConfig;
use crate::error::ErrorKind;
use crate::proxy::ProxySetting;
use crate::session::Session;
use crate::transport::Transport;

/// A clock this far from the service's is reported as a warning.
pub const CLOCK_SKEW_WARNING: Duration = Duration::from_secs(60);
/// A clock this far off is a failure: tokens are judged by their times (inferred bound: the 5 minutes
/// token validators commonly allow).
pub const CLOCK_SKEW_FAILURE: Duration = Duration::from_secs(300);

/// How a check ended; ordered from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CheckResult {
    /// Nothing wrong.
    Ok,
    /// May be wrong, or could not be checked.
    Warning,
    /// Wrong: calls will fail.
    Failure,
}

/// One check's outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// What was checked: `settings`, `proxy`, `dns`, `tcp`, `https`, `clock`, `sts`, `session`,
    /// `handshakePort`, `inspectorPort`.
    pub name: String,
    /// How it ended.
    pub result: CheckResult,
    /// What was found.
    pub message: String,
    /// What to do about it, in one line (for warnings and failures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// Every check, in the order run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DoctorReport {
    /// The checks.
    pub checks: Vec<Check>,
}

impl DoctorReport {
    /// The worst result of any check (`Ok` for none).
    pub fn worst(&self) -> CheckResult {
        self.checks.iter().map(|c| c.result).max().unwrap_or(CheckResult::Ok)
    }

    fn push(&mut self, name: &str, result: CheckResult, message: impl Into<String>, fix: Option<&str>) {
        self.checks.push(Check {
            name: name.to_owned(),
            result,
            message: message.into(),
            fix: fix.map(str::to_owned),
        });
    }

    fn ok(&mut self, name: &str, message: impl Into<String>) {
        self.push(name, CheckResult::Ok, message, None);
    }
}

/// What to look at besides the settings.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct DoctorOptions {
    /// A session whose handshake and inspector ports are tried (it should be Ready).
    pub session_id: Option<String>,
    /// Time allowed for each DNS look-up and TCP connection.
    pub connect_timeout: Duration,
}

impl Default for DoctorOptions {
    fn default() -> DoctorOptions {
        DoctorOptions {
            session_id: None,
            connect_timeout: Duration::from_secs(5),
        }
    }
}

impl DoctorOptions {
    /// Also try the ports of this session.
    pub fn session(mut self, id: impl Into<String>) -> DoctorOptions {
        self.session_id = Some(id.into());
        self
    }

    /// Reads the JSON form the C ABI and the bindings pass: `{"sessionId"?: "...", "connectTimeoutMs"?:
    /// 5000}`; the error names the key.
    pub fn from_json(text: &str) -> crate::error::Result<DoctorOptions> {
        let mut map = crate::json_fields::object(text, "doctorOptions")?;
        let mut fields = crate::json_fields::Fields::new(&mut map, "");
        let mut options = DoctorOptions {
            session_id: fields.optional_string("sessionId")?,
            ..DoctorOptions::default()
        };
        if let Some(timeout) = fields.optional_millis("connectTimeoutMs")? {
            options.connect_timeout = timeout;
        }
        fields.reject_unknown()?;
        Ok(options)
    }
}

/// Runs every check for `config` (a configuration that [`Client::new`] refuses is reported, not
/// returned as an error: that is what the doctor is for).
pub async fn diagnose(config: &ClientConfig, options: &DoctorOptions) -> DoctorReport {
    let mut report = DoctorReport::default();
    settings_mistakes(config, &mut report);
    let client = match Client::new(config.clone()) {
        Ok(client) => client,
        Err(e) => {
            report.push(
                "settings",
                CheckResult::Failure,
                e.message().to_owned(),
                Some("correct the setting the message names"),
            );
            return report;
        }
    };
    let proxied = proxy_in_effect(config, &mut report);
    let Ok(endpoints) = config.resolve() else {
        return report;
    };
    let transport = match Transport::new(config, true) {
        Ok(transport) => transport,
        Err(e) => {
            report.push(
                "https",
                CheckResult::Failure,
                e.message().to_owned(),
                Some("correct the TLS settings"),
            );
            return report;
        }
    };
    let mut hosts = vec![endpoints.rendering.clone()];
    if let Some(sts) = &endpoints.sts {
        if sts.origin() != endpoints.rendering.origin() {
            hosts.push(sts.clone());
        }
    }
    let mut service_date = None;
    for url in &hosts {
        if let Some(date) = reach(url, &transport, proxied, options, &mut report).await {
            service_date.get_or_insert(date);
        }
    }
    clock(service_date.as_deref(), &mut report);
    sts(&client, &mut report).await;
    if let Some(id) = &options.session_id {
        session_ports(&client, id, options, &mut report).await;
    }
    client.close().await;
    report
}

impl Client {
    /// [`diagnose`] for this client's configuration.
    pub async fn diagnose(&self, options: &DoctorOptions) -> DoctorReport {
        diagnose(self.config(), options).await
    }
}

/// The settings mistakes people made most: a domain that is really the STS's host, one with a port, and
/// the account domain and rendering endpoint given the wrong way round.
fn settings_mistakes(config: &ClientConfig, report: &mut DoctorReport) {
    let before = report.checks.len();
    let endpoint_host = host_of(&config.endpoint);
    if endpoint_host.starts_with("sts.") {
        report.push(
            "settings",
            CheckResult::Failure,
            format!("the endpoint {endpoint_host} is an STS host, not the rendering endpoint"),
            Some("set endpoint to the region (westus2) or https://remoterendering.<region>.mixedreality.azure.com, and accountDomain to the account's domain"),
        );
    }
    if let Some(domain) = config.account_domain.as_deref().filter(|d| !d.contains("://")) {
        let domain = domain.trim();
        let host = host_of(domain);
        if host.starts_with("remoterendering.") {
            report.push(
                "settings",
                CheckResult::Failure,
                format!("the account domain {domain} is a rendering endpoint: endpoint and account domain look swapped"),
                Some("set accountDomain to the account's domain from the portal (e.g. westus2.mixedreality.azure.com) and endpoint to the rendering endpoint"),
            );
        }
        if host.starts_with("sts.") {
            report.push(
                "settings",
                CheckResult::Failure,
                format!("the account domain {domain} starts with sts.; the library adds it (https://sts.{domain} would be asked)"),
                Some("drop the leading sts. from accountDomain"),
            );
        }
        if domain
            .rsplit_once(':')
            .is_some_and(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        {
            report.push(
                "settings",
                CheckResult::Failure,
                format!("the account domain {domain} has a port; a domain is a host name only"),
                Some("drop the :port from accountDomain"),
            );
        }
    }
    if report.checks.len() == before {
        report.ok("settings", "no known mistake in endpoint and account domain");
    }
}

/// The host part of a URL, domain or region, lower-cased.
fn host_of(value: &str) -> String {
    let value = value.trim();
    let rest = value.split_once("://").map_or(value, |(_, rest)| rest);
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    host.to_ascii_lowercase()
}

/// Reports the proxy requests go through; returns whether there is one (then direct DNS and TCP
/// failures are only warnings: the proxy resolves and connects).
fn proxy_in_effect(config: &ClientConfig, report: &mut DoctorReport) -> bool {
    let environment = || {
        [
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
            "HTTP_PROXY",
            "http_proxy",
        ]
        .iter()
        .find_map(|name| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(|v| (*name, v))
        })
    };
    match &config.proxy {
        ProxySetting::None => {
            report.ok("proxy", "none: requests connect directly (proxy set to none)");
            false
        }
        ProxySetting::Url(_) => {
            report.ok(
                "proxy",
                format!("requests go through the configured proxy {:?}", config.proxy),
            );
            true
        }
        ProxySetting::System => match environment() {
            Some((name, value)) => {
                let shown = format!("{:?}", ProxySetting::Url(value));
                let no_proxy = std::env::var("NO_PROXY")
                    .or_else(|_| std::env::var("no_proxy"))
                    .unwrap_or_default();
                report.ok(
                    "proxy",
                    format!("requests go through {shown} from {name}; NO_PROXY={no_proxy:?}"),
                );
                true
            }
            None => {
                report.ok("proxy", "none in the environment: requests connect directly");
                false
            }
        },
    }
}

/// DNS, TCP and one HTTP(S) answer from `url`'s host; returns the answer's `Date`.
async fn reach(
    url: &Url,
    transport: &Transport,
    proxied: bool,
    options: &DoctorOptions,
    report: &mut DoctorReport,
) -> Option<String> {
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    // Through a proxy, the proxy resolves and connects: failing to do it from here is not the problem.
    let direct_failure = if proxied {
        CheckResult::Warning
    } else {
        CheckResult::Failure
    };
    match resolve(&host, port, options.connect_timeout).await {
        Ok(addresses) => {
            let shown: Vec<String> = addresses.iter().map(|a| a.ip().to_string()).collect();
            report.ok("dns", format!("{host} resolves to {}", shown.join(", ")));
            match connect_any(addresses, options.connect_timeout).await {
                Ok(address) => report.ok("tcp", format!("{host}:{port} accepts connections ({address})")),
                Err(e) => report.push(
                    "tcp",
                    direct_failure,
                    format!("nothing accepts connections at {host}:{port}: {e}"),
                    Some("check the endpoint's port, and that a firewall lets this machine connect to it"),
                ),
            }
        }
        Err(e) => report.push(
            "dns",
            direct_failure,
            format!("{host} does not resolve: {e}"),
            Some("check the spelling of the endpoint or account domain (a region is e.g. westus2)"),
        ),
    }
    let scheme = url.scheme().to_ascii_uppercase();
    match transport.probe(url.clone()).await {
        Ok((status, date)) => {
            report.ok("https", format!("{url} answered over {scheme} (HTTP {status})"));
            date
        }
        Err(e) => {
            let tls = url.scheme() == "https" && is_tls_failure(&e);
            let fix = if tls {
                "the certificate is not trusted: a proxy that inspects TLS needs its root in extraRootCaPem"
            } else {
                "check the endpoint, the proxy setting and the network between here and the service"
            };
            report.push(
                "https",
                CheckResult::Failure,
                format!("{url}: {}", e.message()),
                Some(fix),
            );
            None
        }
    }
}

fn is_tls_failure(error: &crate::error::Error) -> bool {
    let text = error.message().to_ascii_lowercase();
    ["certificate", "tls", "handshake", "unknownissuer"]
        .iter()
        .any(|w| text.contains(w))
}

async fn resolve(host: &str, port: u16, timeout: Duration) -> std::io::Result<Vec<SocketAddr>> {
    let target = (host.to_owned(), port);
    let lookup = tokio::task::spawn_blocking(move || target.to_socket_addrs().map(Iterator::collect::<Vec<_>>));
    match tokio::time::timeout(timeout, lookup).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(std::io::Error::other(join.to_string())),
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the look-up timed out",
        )),
    }
}

/// Connects to the first address that accepts, each within `timeout`.
async fn connect_any(addresses: Vec<SocketAddr>, timeout: Duration) -> std::io::Result<SocketAddr> {
    let attempt = tokio::task::spawn_blocking(move || {
        let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
        for address in addresses {
            match TcpStream::connect_timeout(&address, timeout) {
                Ok(_) => return Ok(address),
                Err(e) => last = e,
            }
        }
        Err(last)
    });
    attempt.await.map_err(|join| std::io::Error::other(join.to_string()))?
}

/// The local clock against the service's `Date`.
fn clock(date: Option<&str>, report: &mut DoctorReport) {
    let Some(date) = date else {
        report.push(
            "clock",
            CheckResult::Warning,
            "no answer carried a Date header; the clock could not be compared",
            Some("run the doctor again once the service answers"),
        );
        return;
    };
    let Some(service) = parse_http_date(date) else {
        report.push(
            "clock",
            CheckResult::Warning,
            format!("the service's Date {date:?} could not be read"),
            None,
        );
        return;
    };
    let local = SystemTime::now();
    let (skew, ahead) = match local.duration_since(service) {
        Ok(d) => (d, "ahead of"),
        Err(e) => (e.duration(), "behind"),
    };
    let message = format!(
        "this machine's clock is {}s {ahead} the service's ({date})",
        skew.as_secs()
    );
    let fix = Some("synchronise the clock (NTP: timedatectl set-ntp true, or w32tm /resync on Windows)");
    if skew >= CLOCK_SKEW_FAILURE {
        report.push("clock", CheckResult::Failure, message, fix);
    } else if skew >= CLOCK_SKEW_WARNING {
        report.push("clock", CheckResult::Warning, message, fix);
    } else {
        report.ok("clock", message);
    }
}

/// An IMF-fixdate (`Tue, 24 Mar 2020 09:09:00 GMT`), the form HTTP servers send.
pub(crate) fn parse_http_date(text: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let day: i64 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<i64> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else { return None };
    // Days from the civil date (proleptic Gregorian), the well-known era-based method.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + m * 60 + s;
    u64::try_from(secs).ok().map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

/// The account key (or token) against the STS.
async fn sts(client: &Client, report: &mut DoctorReport) {
    match client.access_token().await {
        Ok(_) => report.ok("sts", "the STS exchanged the credential for an access token"),
        Err(e) => {
            let fix = match e.kind() {
                ErrorKind::Unauthorized | ErrorKind::Forbidden => {
                    "check accountId and accountKey (the key of this account, from the portal's Access Keys)"
                }
                ErrorKind::Network | ErrorKind::Timeout => {
                    "check accountDomain: the STS is https://sts.<accountDomain>"
                }
                _ => "see the message; include its MS-CV when asking support",
            };
            report.push("sts", CheckResult::Failure, e.to_string(), Some(fix));
        }
    }
}

/// Whether a Ready session's handshake and inspector ports accept a TCP connection from here.
async fn session_ports(client: &Client, id: &str, options: &DoctorOptions, report: &mut DoctorReport) {
    let session = match client.get_session(id).await {
        Ok(response) => response.into_value(),
        Err(e) => {
            report.push(
                "session",
                CheckResult::Failure,
                e.to_string(),
                Some("check the session id"),
            );
            return;
        }
    };
    report
        .checks
        .extend(session_port_checks(&session, options).await.checks);
}

/// Whether `session` is Ready and its handshake and inspector ports accept a TCP connection from here
/// (the session's part of [`diagnose`], for a session the app already has).
pub async fn session_port_checks(session: &Session, options: &DoctorOptions) -> DoctorReport {
    let mut report = DoctorReport::default();
    let id = &session.id;
    let (true, Some(host)) = (session.status.is_ready(), session.hostname.clone()) else {
        report.push(
            "session",
            CheckResult::Warning,
            format!(
                "session {id} is {}, not Ready: its ports cannot be tried",
                session.status
            ),
            Some("wait until it is Ready (arr session get --wait), then run the doctor again"),
        );
        return report;
    };
    report.ok("session", format!("session {id} is Ready at {host}"));
    for (name, port) in [
        ("handshakePort", session.handshake_port),
        ("inspectorPort", session.arr_inspector_port),
    ] {
        let Some(port) = port else {
            report.push(
                name,
                CheckResult::Warning,
                format!("the session reports no {name}"),
                None,
            );
            continue;
        };
        let reached = match resolve(&host, port, options.connect_timeout).await {
            Ok(addresses) => connect_any(addresses, options.connect_timeout).await.map(|_| ()),
            Err(e) => Err(e),
        };
        match reached {
            Ok(()) => report.ok(name, format!("{host}:{port} accepts TCP connections")),
            Err(e) => report.push(
                name,
                CheckResult::Failure,
                format!("{host}:{port} does not accept a TCP connection from here: {e}"),
                Some("allow outbound TCP to ports 49152-65534 in the firewall (renderers connect there)"),
            ),
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_are_read() {
        let t = parse_http_date("Tue, 24 Mar 2020 09:09:00 GMT").unwrap();
        assert_eq!(t.duration_since(UNIX_EPOCH).unwrap().as_secs(), 1_585_040_940);
        assert!(parse_http_date("24 Mar 2020").is_none());
    }

    #[test]
    fn classic_mistakes_are_named() {
        let mut config = ClientConfig::new(
            "sts.westus2.mixedreality.azure.com",
            "30ea64bd-100f-4bf0-adc9-29fa45d4880c",
            crate::Credential::AccountKey(crate::Secret::new("k")),
        );
        config.account_domain = Some("remoterendering.westus2.mixedreality.azure.com".into());
        let mut report = DoctorReport::default();
        settings_mistakes(&config, &mut report);
        assert_eq!(report.checks.len(), 2, "{report:?}");
        config.endpoint = "westus2".into();
        config.account_domain = Some("sts.westus2.mixedreality.azure.com:443".into());
        let mut report = DoctorReport::default();
        settings_mistakes(&config, &mut report);
        let messages: Vec<&str> = report.checks.iter().map(|c| c.message.as_str()).collect();
        assert!(messages.iter().any(|m| m.contains("starts with sts.")), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("has a port")), "{messages:?}");
        assert_eq!(report.worst(), CheckResult::Failure);
    }
}
