//! The C ABI's promises at their edges, called from Rust: shutdown before free, concurrent shutdowns,
//! token callbacks after free, the log callback, and the host's panic hook. The library's runtime is
//! process-wide, so these tests take turns with every other test that uses it ([`turn`]).

use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use arr_emulator::{Emulator, EmulatorConfig, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};

use crate::*;

static TURN: Mutex<()> = Mutex::new(());

/// Tests that use the library's process-wide runtime run one at a time.
pub(crate) fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

/// An emulator on a runtime of its own (the library's runtime is the one under test).
struct Service {
    runtime: tokio::runtime::Runtime,
    emulator: Emulator,
}

impl Service {
    fn start() -> Service {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let config = EmulatorConfig {
            start_delay: Duration::from_millis(200),
            ..EmulatorConfig::default()
        };
        let emulator = runtime.block_on(Emulator::start(config)).expect("the emulator starts");
        Service { runtime, emulator }
    }

    fn config(&self, extra: &str) -> CString {
        let url = self.emulator.base_url();
        CString::new(format!(
            r#"{{"endpoint":"{url}","stsEndpoint":"{url}","accountId":"{DEV_ACCOUNT_ID}","accountKey":"{DEV_ACCOUNT_KEY}","retry":{{"maxRetries":1,"baseDelayMs":10}}{extra}}}"#
        ))
        .unwrap()
    }

    fn live_sessions(&self) -> usize {
        self.emulator
            .sessions()
            .iter()
            .filter(|s| s.status == "Starting" || s.status == "Ready")
            .count()
    }

    /// A fresh access token from the STS, fetched by a client on the service's runtime.
    fn fresh_token(&self) -> String {
        let url = self.emulator.base_url();
        let config = arr_session::ClientConfig::builder(
            url.clone(),
            DEV_ACCOUNT_ID,
            arr_session::Credential::AccountKey(DEV_ACCOUNT_KEY.into()),
        )
        .sts_endpoint(url)
        .build()
        .unwrap();
        let client = arr_session::Client::new(config).unwrap();
        let token = self.runtime.block_on(client.access_token()).unwrap();
        token.expose().to_owned()
    }
}

fn new_client(config: &CString) -> *mut ArrClient {
    let mut client = std::ptr::null_mut();
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    let status = unsafe { arr_client_new(config.as_ptr(), &mut client) };
    assert_eq!(status, ArrStatus::Ok, "{}", last_error());
    client
}

fn last_error() -> String {
    let error = arr_last_error();
    if error.is_null() {
        return String::new();
    }
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    let text = unsafe { CStr::from_ptr(error) }.to_string_lossy().into_owned();
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    unsafe { arr_string_free(error) };
    text
}

fn create(client: *mut ArrClient) -> String {
    let options = CString::new(r#"{"size":"Standard","maxLeaseTimeMinutes":10}"#).unwrap();
    let mut json = std::ptr::null_mut();
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    let status = unsafe { arr_client_create_session(client, options.as_ptr(), &mut json) };
    assert_eq!(status, ArrStatus::Ok, "{}", last_error());
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    let text = unsafe { CStr::from_ptr(json) }.to_string_lossy().into_owned();
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    unsafe { arr_string_free(json) };
    let session: serde_json::Value = serde_json::from_str(&text).unwrap();
    session["id"].as_str().unwrap().to_owned()
}

#[test]
fn shutdown_then_free_stops_the_owned_sessions() {
    let _turn = turn();
    let service = Service::start();
    let client = new_client(&service.config(r#","stopOwnedSessionsOnClose":true"#));
    create(client);
    assert_eq!(service.live_sessions(), 1);
    arr_shutdown();
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    unsafe { arr_client_free(client) };
    assert_eq!(
        service.live_sessions(),
        0,
        "the domain-reload order leaves nothing running"
    );
}

/// A callback that sleeps, then records that it finished.
unsafe extern "C" fn slow_callback(user_data: *mut c_void, _: ArrStatus, _: *const c_char) {
    std::thread::sleep(Duration::from_millis(800));
    // SAFETY: user_data is the leaked AtomicBool the test passed.
    unsafe { &*(user_data as *const AtomicBool) }.store(true, Ordering::SeqCst);
}

#[test]
fn a_second_concurrent_shutdown_returns_only_after_the_first_finished() {
    let _turn = turn();
    let service = Service::start();
    let client = new_client(&service.config(""));
    let finished = Box::leak(Box::new(AtomicBool::new(false)));
    let id = CString::new("unknown-session").unwrap();
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    let status = unsafe {
        arr_client_get_session_async(
            client,
            id.as_ptr(),
            Some(slow_callback),
            finished as *const AtomicBool as *mut c_void,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(status, ArrStatus::Ok);
    std::thread::sleep(Duration::from_millis(200));
    let first = std::thread::spawn(arr_shutdown_from_rust);
    std::thread::sleep(Duration::from_millis(100));
    arr_shutdown();
    assert!(
        finished.load(Ordering::SeqCst),
        "the second shutdown returned while the first was still waiting for a callback"
    );
    first.join().unwrap();
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    unsafe { arr_client_free(client) };
}

struct TokenHost {
    freed: AtomicBool,
    asked: AtomicUsize,
    asked_after_free: AtomicUsize,
    requests: Mutex<mpsc::Sender<usize>>,
}

unsafe extern "C" fn token_callback(user_data: *mut c_void, request: *mut ArrTokenRequest) {
    // SAFETY: user_data is the leaked TokenHost the test passed.
    let host = unsafe { &*(user_data as *const TokenHost) };
    host.asked.fetch_add(1, Ordering::SeqCst);
    if host.freed.load(Ordering::SeqCst) {
        host.asked_after_free.fetch_add(1, Ordering::SeqCst);
    }
    // Answered later, from another thread, as a host that fetches tokens from its backend would.
    let _ = host.requests.lock().unwrap().send(request as usize);
}

struct FreeInCallback {
    client: *mut ArrClient,
    host: *const TokenHost,
    done: mpsc::Sender<()>,
}

unsafe extern "C" fn free_in_callback(user_data: *mut c_void, _: ArrStatus, _: *const c_char) {
    // SAFETY: user_data is the FreeInCallback the test boxed for this one call; its client is live, its
    // host leaked.
    unsafe {
        let context = Box::from_raw(user_data as *mut FreeInCallback);
        arr_client_free(context.client);
        (*context.host).freed.store(true, Ordering::SeqCst);
        let _ = context.done.send(());
    }
}

#[test]
fn no_token_callback_starts_after_free_returns_even_when_freed_from_a_callback() {
    let _turn = turn();
    let service = Service::start();
    let (sender, requests) = mpsc::channel();
    let host = Box::leak(Box::new(TokenHost {
        freed: AtomicBool::new(false),
        asked: AtomicUsize::new(0),
        asked_after_free: AtomicUsize::new(0),
        requests: Mutex::new(sender),
    }));
    let url = service.emulator.base_url();
    let config = CString::new(format!(
        r#"{{"endpoint":"{url}","accountId":"{DEV_ACCOUNT_ID}","stopOwnedSessionsOnClose":true,"closeTimeoutMs":5000,"retry":{{"maxRetries":1,"baseDelayMs":10}}}}"#
    ))
    .unwrap();
    let mut client = std::ptr::null_mut();
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    let status = unsafe {
        arr_client_new_with_token_provider(
            config.as_ptr(),
            ArrTokenKind::AccessToken as u32,
            Some(token_callback),
            host as *const TokenHost as *mut c_void,
            &mut client,
        )
    };
    assert_eq!(status, ArrStatus::Ok, "{}", last_error());
    // Answers token requests until the test ends.
    let answering = {
        let tokens = Arc::new(Mutex::new(service.fresh_token()));
        std::thread::spawn(move || {
            while let Ok(request) = requests.recv_timeout(Duration::from_secs(10)) {
                let token = CString::new(tokens.lock().unwrap().clone()).unwrap();
                // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
                unsafe { arr_token_request_complete(request as *mut ArrTokenRequest, token.as_ptr()) };
            }
        })
    };
    let created = std::thread::spawn({
        let client = client as usize;
        move || create(client as *mut ArrClient)
    })
    .join()
    .unwrap();
    assert!(!created.is_empty());
    // Every token is now refused: the stop on close has to ask the host for a new one.
    service.emulator.revoke_tokens();
    let (done, finished) = mpsc::channel();
    let context = Box::into_raw(Box::new(FreeInCallback { client, host, done }));
    let id = CString::new("unknown-session").unwrap();
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    let status = unsafe {
        arr_client_get_session_async(
            client,
            id.as_ptr(),
            Some(free_in_callback),
            context as *mut c_void,
            std::ptr::null_mut(),
        )
    };
    // The get itself needs a fresh token too; the answering thread gives it an old one, so it fails
    // with 401 and its callback frees the client.
    assert_eq!(status, ArrStatus::Ok);
    finished
        .recv_timeout(Duration::from_secs(30))
        .expect("the callback ran");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        host.asked_after_free.load(Ordering::SeqCst),
        0,
        "the host was asked for a token after arr_client_free returned"
    );
    drop(answering);
}

struct LogHost {
    lines: AtomicUsize,
    on_worker: AtomicUsize,
    reset_once: AtomicBool,
}

unsafe extern "C" fn log_callback(user_data: *mut c_void, _: ArrLogLevel, _: *const c_char, _: *const c_char) {
    // SAFETY: user_data is the leaked LogHost the test passed.
    let host = unsafe { &*(user_data as *const LogHost) };
    host.lines.fetch_add(1, Ordering::SeqCst);
    if std::thread::current().name() == Some("arr-session") {
        host.on_worker.fetch_add(1, Ordering::SeqCst);
    }
    if !host.reset_once.swap(true, Ordering::SeqCst) {
        // Setting the log callback from inside it must not deadlock.
        // SAFETY: log_callback may be called from any thread; user_data is the leaked LogHost.
        unsafe { arr_set_log_callback(Some(log_callback), user_data, ArrLogLevel::Debug as u32) };
    }
}

#[test]
fn the_log_callback_may_set_the_log_callback_and_never_runs_on_a_worker() {
    let _turn = turn();
    let service = Service::start();
    let host = Box::leak(Box::new(LogHost {
        lines: AtomicUsize::new(0),
        on_worker: AtomicUsize::new(0),
        reset_once: AtomicBool::new(false),
    }));
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    let status = unsafe {
        arr_set_log_callback(
            Some(log_callback),
            host as *const LogHost as *mut c_void,
            ArrLogLevel::Debug as u32,
        )
    };
    assert_eq!(status, ArrStatus::Ok);
    let config = service.config("");
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let client = new_client(&config);
        for _ in 0..5 {
            let mut json = std::ptr::null_mut();
            // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
            unsafe { arr_client_list_sessions(client, &mut json) };
            // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
            unsafe { arr_string_free(json) };
        }
        // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
        unsafe { arr_client_free(client) };
        let _ = done.send(());
    });
    finished
        .recv_timeout(Duration::from_secs(30))
        .expect("no deadlock: the calls finished");
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    unsafe { arr_set_log_callback(None, std::ptr::null_mut(), 0) };
    assert!(host.lines.load(Ordering::SeqCst) >= 6, "one line per request at least");
    assert_eq!(
        host.on_worker.load(Ordering::SeqCst),
        0,
        "host code ran on a runtime worker"
    );
}

#[test]
fn the_hosts_own_panic_hook_keeps_working_once_the_library_is_loaded() {
    let _turn = turn();
    static HOST_HOOK_RAN: AtomicUsize = AtomicUsize::new(0);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {
        HOST_HOOK_RAN.fetch_add(1, Ordering::SeqCst);
    }));
    // Creating a client starts the library (and installs its hook).
    let service = Service::start();
    let client = new_client(&service.config(""));
    let _ = std::thread::spawn(|| panic!("the host's own panic")).join();
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    unsafe { arr_client_free(client) };
    let ran = HOST_HOOK_RAN.load(Ordering::SeqCst);
    std::panic::set_hook(previous);
    assert_eq!(ran, 1, "the host's hook saw the host's panic");
}

fn arr_shutdown_from_rust() {
    arr_shutdown();
}

/// Library threads alive now, by name (tokio workers "arr-session", callback and log threads).
#[cfg(target_os = "linux")]
fn library_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("arr-session"))
        .count()
}

#[test]
fn free_and_shutdown_from_a_thread_inside_another_tokio_runtime_stop_sessions_and_join() {
    let _turn = turn();
    let service = Service::start();
    let client = new_client(&service.config(r#","stopOwnedSessionsOnClose":true"#));
    create(client);
    assert_eq!(service.live_sessions(), 1);
    // A host whose own code runs on a tokio runtime (a Rust app, or a plug-in host that embeds one).
    let host = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = client as usize;
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    host.block_on(async move { unsafe { arr_client_free(client as *mut ArrClient) } });
    assert_eq!(service.live_sessions(), 0, "free stopped the owned session");

    let other = new_client(&service.config(""));
    create(other);
    host.block_on(async { arr_shutdown() });
    #[cfg(target_os = "linux")]
    assert_eq!(library_threads(), 0, "arr_shutdown joined every library thread");
    // SAFETY: the arguments are live values of this test (C strings, out-pointers, clients not freed).
    unsafe { arr_client_free(other) };
}
