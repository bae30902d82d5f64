//! Benchmark of the pipeline converter: conversion time (per phase) and peak memory for a small, a
//! 100k-triangle and a 1M-triangle model (ASCII FBX through assimp, and glTF), and the throughput of 4
//! conversions of the 100k model at once. Times are also given as ratios to a floor measured in the
//! same run (the small glTF model, after a warm-up conversion: the fixed cost of starting the tools).
//!
//!   bash scripts/converter-tools.sh          # the tools and Azurite
//!   cargo run --release -p arr-emulator --example pipeline_bench
//!
//! Peak memory is the largest resident set (VmHWM) any tool process reached, sampled every 10 ms from
//! /proc while the conversion ran, and the emulator's own (this process's VmHWM).

#[path = "../tests/pipeline_models/mod.rs"]
mod pipeline_models;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use arr_emulator::azurite::Azurite;
use arr_emulator::{ConverterConfig, ConverterProfile, Emulator, EmulatorConfig, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use pipeline_models::{png, Grid};
use serde_json::{json, Value};

struct Bench {
    azurite: Azurite,
    emu: Emulator,
    client: reqwest::Client,
    token: String,
    work_dir: PathBuf,
}

/// The largest VmHWM (KiB) of the processes whose command line mentions `marker`.
fn tool_peak_kib(marker: &str) -> u64 {
    let mut peak = 0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if !String::from_utf8_lossy(&cmdline).contains(marker) {
            continue;
        }
        peak = peak.max(hwm_kib(&entry.path().join("status")));
    }
    peak
}

fn hwm_kib(status: &std::path::Path) -> u64 {
    std::fs::read_to_string(status)
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

impl Bench {
    /// Converts `models/<input>` and answers (seconds, peak tool KiB, info.json).
    async fn convert(&self, id: &str, input: &str) -> (f64, u64, Value) {
        let url = format!(
            "{}/accounts/{DEV_ACCOUNT_ID}/conversions/{id}?api-version=2021-01-01",
            self.emu.base_url()
        );
        let body = json!({"settings": {
            "inputLocation": {"storageContainerUri": self.azurite.container_url("input"), "blobPrefix": "models", "relativeInputAssetPath": input},
            "outputLocation": {"storageContainerUri": self.azurite.container_url("output"), "blobPrefix": id}
        }});
        let started = Instant::now();
        let resp = self
            .client
            .put(&url)
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let marker = self.work_dir.to_string_lossy().into_owned();
        let mut peak = 0;
        let mut polled = Instant::now();
        loop {
            peak = peak.max(tool_peak_kib(&marker));
            if polled.elapsed() > Duration::from_millis(200) {
                polled = Instant::now();
                let resp = self.client.get(&url).bearer_auth(&self.token).send().await.unwrap();
                let got: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
                match got["status"].as_str().unwrap() {
                    "Succeeded" => break,
                    "Failed" | "Cancelled" => panic!("{id}: {got}"),
                    _ => {}
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let seconds = started.elapsed().as_secs_f64();
        let stem = input.rsplit('/').next().unwrap().rsplit_once('.').unwrap().0;
        let info = self
            .azurite
            .get_blob("output", &format!("{id}/{stem}.info.json"))
            .unwrap()
            .unwrap();
        (seconds, peak, serde_json::from_slice(&info).unwrap())
    }
}

#[tokio::main]
async fn main() {
    let azurite = Azurite::start().expect("Azurite (bash scripts/converter-tools.sh installs it)");
    azurite.create_container("input").unwrap();
    azurite.create_container("output").unwrap();
    let work_dir = std::env::temp_dir().join(format!("arr-pipeline-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work_dir).unwrap();
    let emu = Emulator::start(EmulatorConfig {
        storage: Some(azurite.connection_string()),
        conversion_start_delay: Duration::ZERO,
        conversion_duration: Duration::ZERO,
        converter: ConverterConfig {
            profile: ConverterProfile::Pipeline,
            workers: 4,
            work_dir: Some(work_dir.clone()),
            ..ConverterConfig::default()
        },
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let resp = client
        .get(format!("{}/Accounts/{DEV_ACCOUNT_ID}/token", emu.base_url()))
        .bearer_auth(format!("{DEV_ACCOUNT_ID}:{DEV_ACCOUNT_KEY}"))
        .send()
        .await
        .unwrap();
    let token: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    let token = token["AccessToken"].as_str().unwrap().to_string();
    let bench = Bench {
        azurite,
        emu,
        client,
        token,
        work_dir: work_dir.clone(),
    };

    let texture = png(256, 256);
    bench.azurite.put_blob("input", "models/paint.png", &texture).unwrap();
    let sizes = [("small", 200u64), ("100k", 100_000), ("1M", 1_000_000)];
    for (name, triangles) in sizes {
        let grid = Grid::with_triangles(triangles);
        bench
            .azurite
            .put_blob(
                "input",
                &format!("models/{name}.fbx"),
                grid.fbx(Some("paint.png")).as_bytes(),
            )
            .unwrap();
        let (gltf, bin) = grid.gltf(&format!("{name}.bin"), Some("paint.png"));
        bench
            .azurite
            .put_blob("input", &format!("models/{name}.gltf"), gltf.as_bytes())
            .unwrap();
        bench
            .azurite
            .put_blob("input", &format!("models/{name}.bin"), &bin)
            .unwrap();
    }

    println!(
        "pipeline converter benchmark (release build: {})",
        !cfg!(debug_assertions)
    );
    println!(
        "{:<14} {:>10} {:>11} {:>11} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9} {:>13}",
        "model",
        "triangles",
        "input B",
        "output B",
        "total s",
        "xfloor",
        "download",
        "convert",
        "optimize",
        "upload",
        "tool peak MiB"
    );
    // A first conversion warms the file cache and the tools up; it is not counted.
    bench.convert("warm-up", "small.gltf").await;
    let mut floor = None;
    for format in ["gltf", "fbx"] {
        for (name, _) in sizes {
            let id = format!("{name}-{format}");
            let (seconds, peak, info) = bench.convert(&id, &format!("{name}.{format}")).await;
            let floor = *floor.get_or_insert(seconds);
            let out = &info["outputInfo"];
            let phase = |p: &str| out["phases"][format!("{p}Seconds")].as_f64().unwrap_or(0.0);
            println!(
                "{:<14} {:>10} {:>11} {:>11} {:>8.2} {:>7.1} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>13.0}",
                id,
                info["outputStatistics"]["numTriangles"].as_u64().unwrap_or(0),
                out["inputBytes"].as_u64().unwrap_or(0),
                out["outputBytes"].as_u64().unwrap_or(0),
                seconds,
                seconds / floor,
                phase("download"),
                phase("convert"),
                phase("optimize"),
                phase("upload"),
                peak as f64 / 1024.0
            );
        }
    }
    // Throughput: the 100k FBX model four times at once (4 workers).
    let started = Instant::now();
    let results = tokio::join!(
        bench.convert("parallel-0", "100k.fbx"),
        bench.convert("parallel-1", "100k.fbx"),
        bench.convert("parallel-2", "100k.fbx"),
        bench.convert("parallel-3", "100k.fbx"),
    );
    let results = [results.0, results.1, results.2, results.3];
    let elapsed = started.elapsed().as_secs_f64();
    let peak = results.iter().map(|r| r.1).max().unwrap_or(0);
    println!(
        "throughput: 4 conversions of 100k-fbx at once in {elapsed:.2} s = {:.1} conversions/min ({:.1}x the floor; largest tool peak {:.0} MiB)",
        4.0 * 60.0 / elapsed,
        elapsed / floor.unwrap(),
        peak as f64 / 1024.0
    );
    println!(
        "emulator process peak: {:.0} MiB",
        hwm_kib(std::path::Path::new("/proc/self/status")) as f64 / 1024.0
    );
    bench.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&work_dir);
}
