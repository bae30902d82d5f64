//! The harness in smoke mode (a few calls per case, no pip): every case must come out with a number or
//! a reason it was skipped, so the harness cannot rot. Timings are printed, never asserted.

use std::path::PathBuf;

use arr_bench::{run, Plan, CASES};

#[test]
fn smoke_run_reports_every_case() {
    let mut plan = Plan::smoke(PathBuf::from(env!("CARGO_BIN_EXE_arr-bench-client")));
    plan.out = plan.target_dir.join("bench/results-smoke-test.json");
    let report = run(&plan, &|step| eprintln!("arr-bench smoke: {step}")).expect("the harness runs");
    println!("{}", report.table());

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan.out).expect("the JSON was written")).unwrap();
    let figures = json["figures"].as_array().expect("figures");
    for case in CASES {
        let figure = figures
            .iter()
            .find(|f| f["case"] == *case)
            .unwrap_or_else(|| panic!("{case} is missing from the JSON"));
        let measured = figure["median"].as_f64().is_some_and(f64::is_finite);
        let skipped = figure["skipped"].as_str().is_some_and(|r| !r.is_empty());
        assert!(measured ^ skipped, "{case}: needs a number or a skip reason: {figure}");
    }
    // The cases that need nothing but this workspace are always measured.
    for case in [
        "floor",
        "reqwest",
        "core",
        "abi",
        "startup.floor",
        "startup.core",
        "startup.client_new",
    ] {
        assert!(
            report.median(case).is_some(),
            "{case} was not measured: {:?}",
            report.figure(case)
        );
    }
    for case in ["core", "abi"] {
        assert!(
            report.figure(case).unwrap().ratio_to_floor.is_some(),
            "{case} has no ratio"
        );
    }
    // The attribution table has its rows (numbers may be missing: callgrind is skipped in smoke mode).
    let layers = json["attribution"].as_array().expect("attribution");
    assert!(layers.iter().any(|l| l["to"] == "reqwest"));
    assert!(json["instructions"].is_object());
    assert!(json["machine"]["cpus"].as_u64().unwrap() >= 1);
    assert!(!json["targets"].as_array().unwrap().is_empty());
}
