//! Mixed Reality STS: token exchange with the account key.

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
