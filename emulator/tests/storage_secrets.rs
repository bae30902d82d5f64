//! A storage account that cannot be reached: the conversion's error says so without the SAS it was given
//! (reqwest's error text carries the whole request URL, query included).

mod common;

use std::time::{Duration, Instant};

use arr_emulator::{EmulatorConfig, DEV_ACCOUNT_ID};
use common::*;
use serde_json::json;

const SIGNATURE: &str = "c2VjcmV0LXNpZ25hdHVyZQ";

#[tokio::test]
async fn an_unreachable_storage_account_is_reported_without_the_sas() {
    // Real storage (a linked account), but the request's containers are on a port where nothing listens.
    let emu = start(EmulatorConfig {
        storage: Some(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;"
                .into(),
        ),
        conversion_start_delay: Duration::ZERO,
        conversion_duration: Duration::ZERO,
        ..fast_config()
    })
    .await;
    let client = client();
    let token = token(&emu, &client).await;
    let sas = format!("sv=2021-08-06&sr=c&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig={SIGNATURE}");
    let body = json!({"settings": {
        "inputLocation": {"storageContainerUri": "http://127.0.0.1:9/devstoreaccount1/input",
                          "relativeInputAssetPath": "box.fbx", "storageContainerReadListSas": sas},
        "outputLocation": {"storageContainerUri": "http://127.0.0.1:9/devstoreaccount1/output",
                           "storageContainerWriteSas": sas}
    }});
    let url = format!(
        "{}/accounts/{DEV_ACCOUNT_ID}/conversions/unreachable?{API}",
        emu.base_url()
    );
    let resp = client
        .put(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let mut answer = resp.text().await.unwrap();
    // Accepted (then the storage failure is the conversion's) or refused at once: either way, no SAS.
    let deadline = Instant::now() + Duration::from_secs(30);
    while answer.contains("\"NotStarted\"") || answer.contains("\"Running\"") {
        assert!(Instant::now() < deadline, "the conversion did not end: {answer}");
        tokio::time::sleep(Duration::from_millis(20)).await;
        answer = client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    }
    assert!(
        answer.contains("could not be reached") || answer.contains("127.0.0.1:9"),
        "{answer}"
    );
    assert!(!answer.contains(SIGNATURE), "the SAS leaked into the answer: {answer}");
}
