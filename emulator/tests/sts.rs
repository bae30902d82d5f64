//! Mixed Reality STS: token exchange with the account key and with AAD tokens.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arr_emulator::{EmulatorConfig, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use base64::Engine;
use common::*;

fn jwt_payload(token: &str) -> serde_json::Value {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "JWT has three parts");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[1])
        .expect("base64url, no padding");
    serde_json::from_slice(&raw).unwrap()
}

#[tokio::test]
async fn issues_tokens_for_both_path_casings_with_and_without_api_version() {
    let emu = start(fast_config()).await;
    let client = client();
    for path in ["Accounts", "accounts"] {
        for query in ["", "?api-version=2019-02-28-preview"] {
            let resp = client
                .get(format!("{}/{path}/{DEV_ACCOUNT_ID}/token{query}", emu.base_url()))
                .bearer_auth(format!("{DEV_ACCOUNT_ID}:{DEV_ACCOUNT_KEY}"))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200, "{path}{query}");
            assert_eq!(header(&resp, "cache-control"), Some("no-store, no-cache"));
            assert_eq!(header(&resp, "pragma"), Some("no-cache"));
            assert_eq!(header(&resp, "content-type"), Some("application/json; charset=utf-8"));
            assert_eq!(header(&resp, "x-content-type-options"), Some("nosniff"));
            assert!(header(&resp, "ms-cv").unwrap().ends_with(".0"));
            assert_eq!(header(&resp, "api-supported-versions"), None);
            let body = json_of(resp).await;
            let claims = jwt_payload(body["AccessToken"].as_str().unwrap());
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
            let exp = claims["exp"].as_i64().unwrap();
            assert!((exp - now - 86_400).abs() <= 5, "exp is now + 24 h");
            assert_eq!(claims["accountId"], DEV_ACCOUNT_ID);
        }
    }
    assert_eq!(emu.request_count("sts.token"), 4);
}

#[tokio::test]
async fn bad_or_missing_key_gets_an_empty_401() {
    let emu = start(fast_config()).await;
    let client = client();
    let url = format!("{}/Accounts/{DEV_ACCOUNT_ID}/token", emu.base_url());
    let other = "22222222-2222-2222-2222-222222222222";
    let cases: Vec<(String, Option<String>)> = vec![
        (url.clone(), None),
        (url.clone(), Some(format!("Bearer {DEV_ACCOUNT_ID}:wrong-key"))),
        (url.clone(), Some(format!("Basic {DEV_ACCOUNT_ID}:{DEV_ACCOUNT_KEY}"))),
        (url.clone(), Some("Bearer not-a-credential".into())),
        // A valid credential for a different account than the path names.
        (
            format!("{}/Accounts/{other}/token", emu.base_url()),
            Some(format!("Bearer {DEV_ACCOUNT_ID}:{DEV_ACCOUNT_KEY}")),
        ),
    ];
    for (url, auth) in cases {
        let mut req = client.get(&url);
        if let Some(a) = &auth {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 401, "{auth:?}");
        assert_eq!(header(&resp, "content-length"), Some("0"));
        assert_eq!(header(&resp, "content-type"), None);
        assert_eq!(header(&resp, "www-authenticate"), None);
        assert_eq!(header(&resp, "x-content-type-options"), Some("nosniff"));
        assert!(header(&resp, "ms-cv").is_some());
        assert!(resp.bytes().await.unwrap().is_empty());
    }
    assert_eq!(emu.request_count("sts.token"), 5);
}

#[tokio::test]
async fn account_ids_are_case_insensitive_and_lifetime_is_configurable() {
    let account = "ABCDEF00-0000-0000-0000-00000000000A";
    let emu = start(EmulatorConfig {
        token_lifetime: Duration::from_secs(600),
        accounts: vec![(account.into(), "secret-key".into())],
        ..fast_config()
    })
    .await;
    let resp = client()
        .get(format!("{}/Accounts/{}/token", emu.base_url(), account.to_lowercase()))
        .bearer_auth(format!("{account}:secret-key"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let claims = jwt_payload(json_of(resp).await["AccessToken"].as_str().unwrap());
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 600);
    // The dev account is not accepted once accounts are configured explicitly.
    let resp = client()
        .get(format!("{}/Accounts/{DEV_ACCOUNT_ID}/token", emu.base_url()))
        .bearer_auth(format!("{DEV_ACCOUNT_ID}:{DEV_ACCOUNT_KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn expired_tokens_are_rejected_by_the_rendering_api() {
    let emu = start(EmulatorConfig {
        token_lifetime: Duration::from_secs(1),
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;
    let ok = client.get(list_url(&emu)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = client.get(list_url(&emu)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(expired.status(), 401);
}

/// An unsigned AAD-shaped access token with these claims (the emulator does not verify signatures).
fn aad_token(claims: serde_json::Value) -> String {
    use base64::Engine;
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    format!(
        "{}.{}.{}",
        b64(br#"{"typ":"JWT","alg":"RS256","kid":"emulator-test"}"#),
        b64(claims.to_string().as_bytes()),
        b64(b"not-a-real-signature")
    )
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn exchange(
    emu: &arr_emulator::Emulator,
    client: &reqwest::Client,
    account: &str,
    bearer: &str,
) -> reqwest::Response {
    client
        .get(format!(
            "{}/Accounts/{account}/token?api-version=2019-02-28-preview",
            emu.base_url()
        ))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn aad_tokens_for_the_mixed_reality_sts_are_exchanged() {
    let emu = start(fast_config()).await;
    let client = client();
    for aud in [
        "https://sts.mixedreality.azure.com",
        "https://sts.mixedreality.azure.com/",
        "https://sts.eastus2.mixedreality.azure.com",
    ] {
        let aad = aad_token(serde_json::json!({
            "aud": aud, "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47", "oid": "o",
            "iss": "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
            "iat": now() - 10, "nbf": now() - 10, "exp": now() + 3600,
        }));
        let resp = exchange(&emu, &client, arr_emulator::DEV_ACCOUNT_ID, &aad).await;
        assert_eq!(resp.status(), 200, "{aud}");
        let token = json_of(resp).await["AccessToken"].as_str().unwrap().to_string();
        // The exchanged token works on the rendering API like one from the account key.
        let resp = client.get(list_url(&emu)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{aud}");
    }
}

#[tokio::test]
async fn aad_tokens_are_refused_for_the_wrong_audience_expiry_tenant_or_account() {
    let emu = start(arr_emulator::EmulatorConfig {
        aad_tenants: vec!["tenant-a".into()],
        aad_audiences: vec!["api://arr-emulator-tests".into()],
        ..fast_config()
    })
    .await;
    let client = client();
    let good = serde_json::json!({"aud": "https://sts.mixedreality.azure.com", "tid": "tenant-a", "exp": now() + 600});
    let with = |key: &str, value: serde_json::Value| {
        let mut c = good.clone();
        if value.is_null() {
            c.as_object_mut().unwrap().remove(key);
        } else {
            c[key] = value;
        }
        aad_token(c)
    };
    let dev = arr_emulator::DEV_ACCOUNT_ID;
    assert_eq!(
        exchange(&emu, &client, dev, &aad_token(good.clone())).await.status(),
        200
    );
    assert_eq!(
        exchange(
            &emu,
            &client,
            dev,
            &with("aud", serde_json::json!("api://arr-emulator-tests"))
        )
        .await
        .status(),
        200,
        "a configured extra audience"
    );
    assert_eq!(
        exchange(
            &emu,
            &client,
            dev,
            &with(
                "aud",
                serde_json::json!(["https://x", "https://sts.mixedreality.azure.com"])
            )
        )
        .await
        .status(),
        200,
        "an aud array containing the STS"
    );
    for (what, bearer) in [
        (
            "Azure management audience",
            with("aud", serde_json::json!("https://management.azure.com/")),
        ),
        (
            "look-alike host",
            with(
                "aud",
                serde_json::json!("https://sts.mixedreality.azure.com.evil.example"),
            ),
        ),
        ("no aud", with("aud", serde_json::Value::Null)),
        ("expired", with("exp", serde_json::json!(now() - 1))),
        ("no exp", with("exp", serde_json::Value::Null)),
        ("not yet valid", with("nbf", serde_json::json!(now() + 3600))),
        ("other tenant", with("tid", serde_json::json!("tenant-b"))),
        ("no tenant", with("tid", serde_json::Value::Null)),
    ] {
        let resp = exchange(&emu, &client, dev, &bearer).await;
        assert_eq!(resp.status(), 401, "{what}");
        assert_eq!(header(&resp, "content-length"), Some("0"), "{what}");
        assert!(header(&resp, "www-authenticate").is_none(), "{what}");
    }
    // A valid AAD token for an account the emulator does not have.
    let resp = exchange(&emu, &client, "99999999-9999-9999-9999-999999999999", &aad_token(good)).await;
    assert_eq!(resp.status(), 401);
}
