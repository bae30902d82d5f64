//! `arr-sample-host`: a stand-in for a render server wrapped in the host contract (docs/hosts.md).
//!
//! It reads `ARR_SESSION_ID`, `ARR_SESSION_SIZE`, `ARR_HANDSHAKE_PORT` and `ARR_INSPECTOR_PORT` from its
//! environment (flags `--handshake-port N`, `--inspector-port N`, `--session-id ID` override them), listens
//! on both ports on every interface, greets each connection to the handshake port with one line
//! (`ARR-SAMPLE-HOST session=<id> size=<size>`), answers any HTTP request on the inspector port with a
//! small status page, and exits with status 0 on SIGTERM or SIGINT.
//!
//! For tests of a host that dies: `ARR_SAMPLE_CRASH_AFTER_MS=N` makes it print a last log line and exit
//! with status 3 after N milliseconds; `ARR_SAMPLE_HANG_AFTER_MS=N` makes it close both ports after N
//! milliseconds and keep running (a host that stops answering).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

/// Set by ARR_SAMPLE_HANG_AFTER_MS: the listeners close, the process stays (a host that stops answering).
static HUNG: AtomicBool = AtomicBool::new(false);

/// Set on SIGTERM/SIGINT; the accept loops poll it.
static TERMINATE: LazyLock<Arc<AtomicBool>> = LazyLock::new(|| Arc::new(AtomicBool::new(false)));

struct Settings {
    session_id: String,
    size: String,
    handshake_port: u16,
    inspector_port: u16,
    crash_after: Option<Duration>,
    hang_after: Option<Duration>,
}

fn settings() -> Result<Settings, String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut session_id = env("ARR_SESSION_ID").unwrap_or_default();
    let size = env("ARR_SESSION_SIZE").unwrap_or_else(|| "Standard".to_string());
    let mut handshake = env("ARR_HANDSHAKE_PORT");
    let mut inspector = env("ARR_INSPECTOR_PORT");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--handshake-port" => handshake = Some(value("--handshake-port")?),
            "--inspector-port" => inspector = Some(value("--inspector-port")?),
            "--session-id" => session_id = value("--session-id")?,
            "-h" | "--help" => {
                println!(
                    "arr-sample-host [--handshake-port N] [--inspector-port N] [--session-id ID]\n\
                     (defaults from ARR_HANDSHAKE_PORT, ARR_INSPECTOR_PORT, ARR_SESSION_ID)"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    let port = |name: &str, text: Option<String>| -> Result<u16, String> {
        let text = text.ok_or_else(|| format!("{name} is not set"))?;
        text.parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("{name} '{text}' is not a port number (1-65535)"))
    };
    let millis = |name: &str| -> Result<Option<Duration>, String> {
        match env(name) {
            Some(ms) => Ok(Some(Duration::from_millis(
                ms.parse().map_err(|_| format!("{name} '{ms}' is not a number"))?,
            ))),
            None => Ok(None),
        }
    };
    let crash_after = millis("ARR_SAMPLE_CRASH_AFTER_MS")?;
    let hang_after = millis("ARR_SAMPLE_HANG_AFTER_MS")?;
    Ok(Settings {
        session_id,
        size,
        handshake_port: port("handshake port (ARR_HANDSHAKE_PORT)", handshake)?,
        inspector_port: port("inspector port (ARR_INSPECTOR_PORT)", inspector)?,
        crash_after,
        hang_after,
    })
}

fn install_signal_handlers() -> std::io::Result<()> {
    // As PID 1 in a container the default action would ignore SIGTERM: a handler is needed.
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, TERMINATE.clone())?;
    }
    Ok(())
}

fn bind(port: u16) -> std::io::Result<TcpListener> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)))?;
    // Non-blocking so the accept loops notice a termination request within a poll interval.
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Accepts until termination, handing each connection to `serve` on its own thread.
fn accept_loop(listener: TcpListener, serve: Arc<dyn Fn(TcpStream) + Send + Sync>) {
    while !TERMINATE.load(Ordering::SeqCst) {
        if HUNG.load(Ordering::SeqCst) {
            drop(listener);
            while !TERMINATE.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(20));
            }
            return;
        }
        match listener.accept() {
            Ok((stream, _)) => {
                let serve = serve.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_nonblocking(false);
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                    serve(stream)
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                eprintln!("arr-sample-host: accept failed: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

fn main() {
    let settings = match settings() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("arr-sample-host: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = install_signal_handlers() {
        eprintln!("arr-sample-host: cannot handle SIGTERM: {e}");
        std::process::exit(2);
    }
    let (handshake, inspector) = match (bind(settings.handshake_port), bind(settings.inspector_port)) {
        (Ok(h), Ok(i)) => (h, i),
        (Err(e), _) => fail_bind("handshake", settings.handshake_port, e),
        (_, Err(e)) => fail_bind("inspector", settings.inspector_port, e),
    };
    let started = Instant::now();
    let greeted = Arc::new(AtomicU64::new(0));
    let greeting = format!(
        "ARR-SAMPLE-HOST session={} size={}\n",
        settings.session_id, settings.size
    );
    println!(
        "arr-sample-host: session '{}' ({}) listening: handshake {}, inspector {}",
        settings.session_id, settings.size, settings.handshake_port, settings.inspector_port
    );

    let counter = greeted.clone();
    let greet: Arc<dyn Fn(TcpStream) + Send + Sync> = Arc::new(move |mut stream: TcpStream| {
        if stream.write_all(greeting.as_bytes()).is_ok() {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let status_session = settings.session_id.clone();
    let counter = greeted.clone();
    let status: Arc<dyn Fn(TcpStream) + Send + Sync> = Arc::new(move |mut stream: TcpStream| {
        let mut request = [0u8; 2048];
        let _ = stream.read(&mut request);
        let body = format!(
            "<!doctype html><title>arr-sample-host</title><h1>arr-sample-host</h1>\
             <p>session {}<br>up {} s<br>devices greeted {}</p>\n",
            html_escape(&status_session),
            started.elapsed().as_secs(),
            counter.load(Ordering::Relaxed)
        );
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream
            .write_all(head.as_bytes())
            .and_then(|_| stream.write_all(body.as_bytes()));
    });
    let inspector_thread = std::thread::spawn(move || accept_loop(inspector, status));
    if let Some(after) = settings.crash_after {
        std::thread::spawn(move || {
            std::thread::sleep(after);
            println!("arr-sample-host: simulated crash (ARR_SAMPLE_CRASH_AFTER_MS)");
            std::process::exit(3);
        });
    }
    if let Some(after) = settings.hang_after {
        std::thread::spawn(move || {
            std::thread::sleep(after);
            println!("arr-sample-host: no longer answering (ARR_SAMPLE_HANG_AFTER_MS)");
            HUNG.store(true, Ordering::SeqCst);
        });
    }
    accept_loop(handshake, greet);
    let _ = inspector_thread.join();
    println!("arr-sample-host: terminated, exiting");
}

fn fail_bind(which: &str, port: u16, e: std::io::Error) -> ! {
    eprintln!("arr-sample-host: cannot listen on the {which} port {port}: {e}");
    std::process::exit(2)
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
