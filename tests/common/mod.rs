//! Shared set-up for the integration tests: an in-process emulator on a free loopback port and a client
//! configured for it. Every test starts its own emulator, so tests run in parallel safely.
#![allow(dead_code)]

use std::time::Duration;

use arr_emulator::azurite::Azurite;
use arr_emulator::{Emulator, EmulatorConfig, FaultKind, ScriptedFault, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use arr_session::{
    ApiVersion, AssetConversion, Client, ClientConfig, CreateSessionOptions, Credential, RetryPolicy, SessionSize,
    WaitOptions,
};

/// An emulator whose sessions become Ready after 200 ms.
pub fn quick() -> EmulatorConfig {
    EmulatorConfig {
        start_delay: Duration::from_millis(200),
        ..EmulatorConfig::default()
    }
}

/// Conversions that take a few hundred milliseconds: 5 s NotStarted and 60 s Running at 600x.
pub fn fast_conversions() -> EmulatorConfig {
    EmulatorConfig {
        time_scale: 600.0,
        ..quick()
    }
}

/// A wait for a conversion of [`fast_conversions`]: polled often, bounded generously.
pub fn conversion_wait() -> WaitOptions<AssetConversion> {
    WaitOptions::with_timeout(Duration::from_secs(60)).poll_interval(Duration::from_millis(50))
}

/// Azurite on a free loopback port, for as long as the value lives.
pub fn azurite() -> Azurite {
    Azurite::start().expect("Azurite (npm package azurite) is installed by the test command")
}

/// An emulator of [`fast_conversions`] whose linked storage account is the given Azurite.
pub async fn with_storage(azurite: &Azurite) -> Emulator {
    start(EmulatorConfig {
        storage: Some(azurite.connection_string()),
        ..fast_conversions()
    })
    .await
}

pub async fn start(config: EmulatorConfig) -> Emulator {
    Emulator::start(config).await.expect("the emulator starts")
}

/// A client for the emulator's development account, with fast retries and polls so tests stay quick.
pub fn config_for(emulator: &Emulator, api: ApiVersion) -> ClientConfig {
    let mut config = ClientConfig::new(
        emulator.base_url(),
        DEV_ACCOUNT_ID,
        Credential::AccountKey(DEV_ACCOUNT_KEY.into()),
    );
    config.sts_endpoint = Some(emulator.base_url());
    config.api_version = api;
    config.retry = RetryPolicy::new(3, Duration::from_millis(10), Duration::from_secs(2));
    config.poll_interval = Some(Duration::from_millis(50));
    config.request_timeout = Duration::from_secs(10);
    config.extra_root_ca_pem = emulator.cert_pem();
    config
}

pub fn client_for(emulator: &Emulator, api: ApiVersion) -> Client {
    Client::new(config_for(emulator, api)).expect("valid config")
}

pub fn standard(minutes: u32) -> CreateSessionOptions {
    CreateSessionOptions::new(SessionSize::Standard, minutes)
}

/// A session id unique within the process.
pub fn unique_id(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A scripted fault for the next `times` requests to `route`.
pub fn fault(route: &str, kind: FaultKind, times: u32) -> ScriptedFault {
    ScriptedFault {
        route: Some(route.to_owned()),
        kind,
        times,
    }
}
