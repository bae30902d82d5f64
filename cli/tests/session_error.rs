//! Sessions that fail into `Error` (made to fail by the emulator's control hooks and faults): waiting on
//! one ends with exit code 1 and reports the session's error.

mod common;

use std::time::Duration;

use arr_emulator::EmulatorConfig;
use common::{create, Emu, API_VERSIONS};

#[test]
fn waiting_on_a_session_that_failed_exits_1_with_its_error() {
    let emu = Emu::start();
    for version in API_VERSIONS {
        let id = create(&mut emu.arr_v(version), &[]);
        emu.emulator().fail_session(&id, "VmLost", "The VM went away.").unwrap();
        let run = emu
            .arr_v(version)
            .args(["-o", "json", "session", "get", &id, "--wait"])
            .run();
        run.code(1);
        let session = run.json();
        assert_eq!(session["status"], "Error", "{version}: {session}");
        assert_eq!(session["error"]["message"], "The VM went away.", "{version}: {session}");
        if version != "v1" {
            assert_eq!(session["error"]["code"], "VmLost", "{session}");
        }
        assert_eq!(run.error_json()["status"], "ARR_STATUS_SESSION_ENDED", "{version}");

        // The text form names the status and the service's message.
        let run = emu.arr_v(version).args(["session", "get", &id, "--wait"]).run();
        run.code(1);
        let all = run.all_output();
        assert!(all.contains("Error"), "{version}: {all}");
        assert!(all.contains("The VM went away."), "{version}: {all}");

        // Reading a failed session without waiting is not a failure.
        emu.arr_v(version).args(["session", "get", &id]).run().ok();
    }
}

#[test]
fn a_session_failing_while_starting_ends_create_wait_with_exit_1() {
    let emu = Emu::with(EmulatorConfig {
        start_delay: Duration::from_millis(200),
        faults: "sessionError=1".parse().unwrap(),
        ..EmulatorConfig::default()
    });
    for version in API_VERSIONS {
        let run = emu
            .arr_v(version)
            .args(["-o", "json", "session", "create", "--wait"])
            .run();
        run.code(1);
        assert_eq!(run.error_json()["status"], "ARR_STATUS_SESSION_ENDED", "{version}");
        assert!(
            run.all_output().contains(arr_emulator::SESSION_ERROR_MESSAGE),
            "{version}: {}",
            run.all_output()
        );
    }
}
