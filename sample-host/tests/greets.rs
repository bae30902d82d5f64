//! The sample host keeps the host contract: it listens on the ports its environment names, greets a
//! device on the handshake port, serves a status page on the inspector port and exits 0 on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn connect(port: u16) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => return s,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("the sample host does not listen on {port}: {e}"),
        }
    }
}

#[test]
fn greets_serves_its_status_and_exits_cleanly_on_sigterm() {
    let (handshake, inspector) = (free_port(), free_port());
    let mut host = Command::new(env!("CARGO_BIN_EXE_arr-sample-host"))
        .env("ARR_SESSION_ID", "s-1")
        .env("ARR_SESSION_SIZE", "Premium")
        .env("ARR_HANDSHAKE_PORT", handshake.to_string())
        .env("ARR_INSPECTOR_PORT", inspector.to_string())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(connect(handshake)).read_line(&mut line).unwrap();
    assert_eq!(line, "ARR-SAMPLE-HOST session=s-1 size=Premium\n");
    let mut page = connect(inspector);
    page.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut answer = String::new();
    page.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains("devices greeted 1"), "{answer}");
    let kill = Command::new("kill")
        .args(["-TERM", &host.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = host.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = host.kill();
            panic!("no exit within 5 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_missing_port_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_arr-sample-host"))
        .env_clear()
        .env("ARR_HANDSHAKE_PORT", "70000")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ARR_HANDSHAKE_PORT") && err.contains("70000"), "{err}");
}
