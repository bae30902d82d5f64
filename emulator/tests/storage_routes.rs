//! Storage URLs in the service's public form (`https://<account>.blob.core.windows.net/<container>`) reach
//! Azurite: the linked account by its own name, another account through a storage route (docs: "Storage
//! routes" in emulator/README.md).

mod common;

use std::time::{Duration, Instant};

use arr_emulator::azurite::{Azurite, ACCOUNT_NAME};
use arr_emulator::{EmulatorConfig, DEV_ACCOUNT_ID};
use common::*;
use serde_json::{json, Value};

async fn convert(emu_url: &str, client: &reqwest::Client, token: &str, id: &str, body: Value) -> Value {
    let url = format!("{emu_url}/accounts/{DEV_ACCOUNT_ID}/conversions/{id}?{API}");
    let resp = client
        .put(&url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = json_of(client.get(&url).bearer_auth(token).send().await.unwrap()).await;
        if ["Succeeded", "Failed", "Cancelled"].contains(&now["status"].as_str().unwrap()) {
            return now;
        }
        assert!(Instant::now() < deadline, "conversion {id} did not finish: {now}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn public_storage_urls_reach_the_linked_account_and_routed_accounts() {
    let azurite = Azurite::start().unwrap_or_else(|e| panic!("Azurite is needed for this test: {e}"));
    azurite.create_container("input").unwrap();
    azurite.create_container("output").unwrap();
    azurite.put_blob("input", "box.fbx", &[7u8; 64]).unwrap();
    let emu = start(EmulatorConfig {
        storage: Some(azurite.connection_string()),
        // The same Azurite account under a second name: reached with a SAS, as a non-linked account is.
        storage_routes: vec![(
            "contosostorage".into(),
            azurite.container_url("").trim_end_matches('/').into(),
        )],
        conversion_start_delay: Duration::ZERO,
        conversion_duration: Duration::ZERO,
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;

    let public = |account: &str, container: &str| format!("https://{account}.blob.core.windows.net/{container}");
    let linked = convert(&emu.base_url(), &client, &token, "linked", json!({"settings": {
        "inputLocation": {"storageContainerUri": public(ACCOUNT_NAME, "input"), "relativeInputAssetPath": "box.fbx"},
        "outputLocation": {"storageContainerUri": public(ACCOUNT_NAME, "output"), "blobPrefix": "linked"}
    }}))
    .await;
    assert_eq!(linked["status"], "Succeeded", "{linked}");
    assert!(azurite.get_blob("output", "linked/box.arrAsset").unwrap().is_some());

    let routed = convert(&emu.base_url(), &client, &token, "routed", json!({"settings": {
        "inputLocation": {"storageContainerUri": public("contosostorage", "input"), "relativeInputAssetPath": "box.fbx",
                          "storageContainerReadListSas": azurite.container_sas("input", "rl")},
        "outputLocation": {"storageContainerUri": public("contosostorage", "output"), "blobPrefix": "routed",
                           "storageContainerWriteSas": azurite.container_sas("output", "rw")}
    }}))
    .await;
    assert_eq!(routed["status"], "Succeeded", "{routed}");
    assert!(azurite.get_blob("output", "routed/box.arrAsset").unwrap().is_some());
    // Answers keep the URL the client sent.
    assert_eq!(
        routed["settings"]["inputLocation"]["storageContainerUri"],
        public("contosostorage", "input")
    );
}
