//! Settings from flags, ARR_* variables and arrconfig.json in RenderingSession.ps1's format.

mod common;

use common::{create, Emu, ACCOUNT_ID, ACCOUNT_KEY, API_VERSIONS};

/// arrconfig.json as the ARR scripts ship it, with the given account and rendering values; `None` keeps
/// the template's placeholder.
fn arrconfig(
    id: Option<&str>,
    key: Option<&str>,
    domain: Option<&str>,
    rendering: Option<&str>,
    size: Option<&str>,
    lease: Option<&str>,
) -> String {
    let or = |value: Option<&str>, placeholder: &str| value.unwrap_or(placeholder).to_owned();
    let json = serde_json::json!({
        "accountSettings": {
            "arrAccountId": or(id, "<fill in the account ID from the Azure Portal>"),
            "arrAccountKey": or(key, "<fill in the account key from the Azure Portal>"),
            "arrAccountDomain": or(domain, "<select from available regions: australiaeast, eastus, eastus2, japaneast, northeurope, southcentralus, southeastasia, uksouth, westeurope, westus2 or specify the full url>"),
        },
        "renderingSessionSettings": {
            "remoteRenderingDomain": or(rendering, "<select from available regions: australiaeast, eastus, eastus2, japaneast, northeurope, southcentralus, southeastasia, uksouth, westeurope, westus2 or specify the full url>"),
            "vmSize": or(size, "<standard or premium>"),
            "maxLeaseTime": or(lease, "<hh:mm:ss>"),
        },
        "assetConversionSettings": {
            "resourceGroup": "<resource group which contains the storage account you created, only needed when uploading or generating SAS>",
            "storageAccountName": "<name of the storage account you created>",
            "localAssetDirectoryPath": "<fill in a path to a local directory containing your asset>"
        }
    });
    // PowerShell saves files with a byte-order mark.
    format!("\u{feff}{}", serde_json::to_string_pretty(&json).unwrap())
}

fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

#[test]
fn arrconfig_in_the_script_format_with_placeholders() {
    for version in API_VERSIONS {
        let emu = Emu::start();
        // The account domain as "the full url" is the STS; vmSize and maxLeaseTime left as placeholders.
        let path = emu.write(
            "arrconfig.json",
            &arrconfig(
                Some(ACCOUNT_ID),
                Some(ACCOUNT_KEY),
                Some(&emu.url),
                Some(&emu.url),
                None,
                None,
            ),
        );
        let config = path.to_str().unwrap();
        let id = create(emu.bare().args(["--config", config, "--api-version", version]), &[]);
        let snapshot = emu.sessions().into_iter().find(|s| s.id == id).unwrap();
        assert_eq!(
            (snapshot.size.as_str(), snapshot.max_lease_time_minutes),
            ("Standard", 240),
            "script defaults"
        );

        // Filled in, vmSize and maxLeaseTime become create defaults; flags still win.
        let path = emu.write(
            "filled.json",
            &arrconfig(
                Some(ACCOUNT_ID),
                Some(ACCOUNT_KEY),
                Some(&emu.url),
                Some(&emu.url),
                Some("premium"),
                Some("01:30:00"),
            ),
        );
        let config = path.to_str().unwrap();
        let id = create(emu.bare().args(["--config", config, "--api-version", version]), &[]);
        let snapshot = emu.sessions().into_iter().find(|s| s.id == id).unwrap();
        assert_eq!(
            (snapshot.size.as_str(), snapshot.max_lease_time_minutes),
            ("Premium", 90),
            "{version}"
        );
        let id = create(
            emu.bare().args(["--config", config, "--api-version", version]),
            &["--size", "standard", "--lease", "20m"],
        );
        let snapshot = emu.sessions().into_iter().find(|s| s.id == id).unwrap();
        assert_eq!(
            (snapshot.size.as_str(), snapshot.max_lease_time_minutes),
            ("Standard", 20)
        );
        let run = emu
            .bare()
            .args([
                "--config",
                config,
                "--api-version",
                version,
                "-o",
                "json",
                "session",
                "list",
            ])
            .run();
        assert_eq!(run.ok().json().as_array().unwrap().len(), 3);
        assert!(!run.all_output().contains(ACCOUNT_KEY));
    }
}

#[test]
fn untouched_template_is_a_usage_error_naming_what_to_fill_in() {
    let emu = Emu::start();
    let path = emu.write("arrconfig.json", &arrconfig(None, None, None, None, None, None));
    let run = emu
        .bare()
        .args(["--config", path.to_str().unwrap(), "session", "list"])
        .run();
    run.code(2);
    assert!(run.stderr.contains("remoteRenderingDomain"), "{}", run.stderr);
    // With the endpoint and account from the environment, the missing key is named next.
    let run = emu
        .bare()
        .env("ARR_ENDPOINT", &emu.url)
        .env("ARR_ACCOUNT_ID", ACCOUNT_ID)
        .args(["--config", path.to_str().unwrap(), "session", "list"])
        .run();
    run.code(2);
    assert!(
        run.stderr.contains("arrAccountKey") && run.stderr.contains("ARR_ACCOUNT_KEY"),
        "{}",
        run.stderr
    );
    // A bad value in the file is named by its key; a missing file by the flag.
    let bad = emu.write(
        "bad.json",
        &arrconfig(
            Some(ACCOUNT_ID),
            Some(ACCOUNT_KEY),
            Some(&emu.url),
            Some(&emu.url),
            Some("huge"),
            None,
        ),
    );
    let run = emu
        .bare()
        .args(["--config", bad.to_str().unwrap(), "session", "create"])
        .run();
    run.code(2);
    assert!(run.stderr.contains("vmSize"), "{}", run.stderr);
    let run = emu
        .bare()
        .args(["--config", "does-not-exist.json", "session", "list"])
        .run();
    run.code(2);
    assert!(run.stderr.contains("--config"), "{}", run.stderr);
    let broken = emu.write("broken.json", "{ \"accountSettings\": ");
    let run = emu
        .bare()
        .args(["--config", broken.to_str().unwrap(), "session", "list"])
        .run();
    run.code(2);
    assert!(run.stderr.contains("not valid JSON"), "{}", run.stderr);
}

#[test]
fn flags_beat_environment_beat_file() {
    let emu = Emu::start();
    let wrong_key = "d3Jvbmcta2V5";
    // File: everything right except the key, and a rendering endpoint nobody listens on.
    let path = emu.write(
        "arrconfig.json",
        &arrconfig(
            Some(ACCOUNT_ID),
            Some(wrong_key),
            Some(&emu.url),
            Some(&closed_port_url()),
            None,
            None,
        ),
    );
    let config = path.to_str().unwrap();
    let list = |key_env: Option<&str>, key_flag: Option<&str>, endpoint_env: Option<&str>| {
        let mut arr = emu.bare();
        arr.args(["--config", config]);
        if let Some(key) = key_env {
            arr.env("ARR_ACCOUNT_KEY", key);
        }
        if let Some(endpoint) = endpoint_env {
            arr.env("ARR_ENDPOINT", endpoint);
        }
        if let Some(key) = key_flag {
            arr.args(["--account-key", key]);
        }
        arr.args(["session", "list"]).run()
    };
    // The file's key is wrong: auth fails at the STS (the STS URL comes from the file too).
    list(None, None, Some(&emu.url)).code(3);
    // The environment beats the file (key and endpoint).
    list(Some(ACCOUNT_KEY), None, Some(&emu.url)).ok();
    // Without ARR_ENDPOINT the file's dead endpoint is used.
    list(Some(ACCOUNT_KEY), None, None).code(5);
    // A wrong key in the environment beats a right one in the file...
    let right = emu.write(
        "right.json",
        &arrconfig(
            Some(ACCOUNT_ID),
            Some(ACCOUNT_KEY),
            Some(&emu.url),
            Some(&emu.url),
            None,
            None,
        ),
    );
    let run = emu
        .bare()
        .env("ARR_ACCOUNT_KEY", wrong_key)
        .args(["--config", right.to_str().unwrap(), "session", "list"])
        .run();
    run.code(3);
    // ...and a flag beats the environment.
    list(Some(wrong_key), Some(ACCOUNT_KEY), Some(&emu.url)).ok();
    let run = emu
        .bare()
        .env("ARR_ENDPOINT", &closed_port_url())
        .args([
            "--config",
            right.to_str().unwrap(),
            "--endpoint",
            &emu.url,
            "session",
            "list",
        ])
        .run();
    run.ok();
}

#[test]
fn config_file_is_found_through_arr_config_and_the_working_directory() {
    let emu = Emu::start();
    let good = arrconfig(
        Some(ACCOUNT_ID),
        Some(ACCOUNT_KEY),
        Some(&emu.url),
        Some(&emu.url),
        Some("premium"),
        Some("0:45:00"),
    );
    let elsewhere = emu.dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let named = emu.write("named.json", &good);

    // ARR_CONFIG names the file.
    let id = create(
        emu.bare().cwd(&elsewhere).env("ARR_CONFIG", named.to_str().unwrap()),
        &[],
    );
    assert_eq!(
        emu.sessions()
            .into_iter()
            .find(|s| s.id == id)
            .unwrap()
            .max_lease_time_minutes,
        45
    );
    // ./arrconfig.json is read when nothing names a file.
    std::fs::write(elsewhere.join("arrconfig.json"), &good).unwrap();
    let id = create(emu.bare().cwd(&elsewhere), &[]);
    assert_eq!(emu.sessions().into_iter().find(|s| s.id == id).unwrap().size, "Premium");
    // --config beats ARR_CONFIG, which beats ./arrconfig.json.
    let template = emu.write("template.json", &arrconfig(None, None, None, None, None, None));
    emu.bare()
        .cwd(&elsewhere)
        .env("ARR_CONFIG", template.to_str().unwrap())
        .args(["session", "list"])
        .run()
        .code(2);
    emu.bare()
        .cwd(&elsewhere)
        .env("ARR_CONFIG", template.to_str().unwrap())
        .args(["--config", named.to_str().unwrap(), "session", "list"])
        .run()
        .ok();
}

#[test]
fn environment_alone_is_enough_in_both_api_versions() {
    let emu = Emu::start();
    for version in API_VERSIONS {
        // ARR_ACCOUNT_DOMAIN given as a URL is the STS, like the script's arrAccountDomain.
        let with_env = |arr: &mut common::Arr| {
            arr.env("ARR_ENDPOINT", &emu.url)
                .env("ARR_ACCOUNT_ID", ACCOUNT_ID)
                .env("ARR_ACCOUNT_KEY", ACCOUNT_KEY)
                .env("ARR_ACCOUNT_DOMAIN", &emu.url)
                .env("ARR_API_VERSION", version);
        };
        let mut arr = emu.bare();
        with_env(&mut arr);
        let id = create(&mut arr, &["--lease", "15"]);
        let mut arr = emu.bare();
        with_env(&mut arr);
        let run = arr
            .args(["-o", "json", "--poll-interval", "50ms", "session", "get", &id, "--wait"])
            .run();
        assert_eq!(run.ok().json()["status"], "Ready", "{version}");
        // A flag overrides ARR_API_VERSION: v1 refuses --id, 2021-01-01 takes it.
        let mut arr = emu.bare();
        with_env(&mut arr);
        let other = if version == "v1" { "2021-01-01" } else { "v1" };
        let code = arr
            .args(["--api-version", other, "session", "create", "--id", "flag-wins"])
            .run()
            .code;
        assert_eq!(code, if other == "v1" { 2 } else { 0 }, "{version}");
    }
}
