//! Shared test harness: an in-process emulator per test and the built `arr` binary run against it with a
//! clean environment (no ARR_* from the developer's shell) in a private working directory.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use arr_emulator::{Emulator, EmulatorConfig, SessionSnapshot, DEV_ACCOUNT_ID, DEV_ACCOUNT_KEY};
use serde_json::Value;

pub const ACCOUNT_ID: &str = DEV_ACCOUNT_ID;
pub const ACCOUNT_KEY: &str = DEV_ACCOUNT_KEY;
/// Both wire versions, as `--api-version` takes them.
pub const API_VERSIONS: [&str; 2] = ["2021-01-01", "v1"];

/// A running emulator with its own runtime and scratch directory.
pub struct Emu {
    emulator: Option<Emulator>,
    runtime: tokio::runtime::Runtime,
    pub url: String,
    pub dir: PathBuf,
}

impl Emu {
    /// Sessions start in 200 ms.
    pub fn start() -> Emu {
        Emu::with(EmulatorConfig {
            start_delay: Duration::from_millis(200),
            ..EmulatorConfig::default()
        })
    }

    pub fn with(config: EmulatorConfig) -> Emu {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let emulator = runtime.block_on(Emulator::start(config)).expect("emulator starts");
        let url = emulator.base_url();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Emu {
            emulator: Some(emulator),
            runtime,
            url,
            dir: scratch_dir(),
        }
    }

    pub fn emulator(&self) -> &Emulator {
        self.emulator.as_ref().unwrap()
    }

    pub fn sessions(&self) -> Vec<SessionSnapshot> {
        self.emulator().sessions()
    }

    pub fn status_of(&self, id: &str) -> String {
        self.sessions()
            .into_iter()
            .find(|s| s.id == id)
            .map(|s| s.status)
            .unwrap_or_default()
    }

    /// `arr` with no settings at all.
    pub fn bare(&self) -> Arr {
        Arr::new(&self.dir)
    }

    /// `arr` with endpoint, STS, account id and key as flags, and a fast poll interval.
    pub fn arr(&self) -> Arr {
        let mut arr = self.bare();
        arr.args([
            "--endpoint",
            &self.url,
            "--sts-endpoint",
            &self.url,
            "--account-id",
            ACCOUNT_ID,
            "--account-key",
            ACCOUNT_KEY,
            "--poll-interval",
            "50ms",
        ]);
        arr
    }

    /// `arr --api-version <version>` with the flags of [`Emu::arr`].
    pub fn arr_v(&self, version: &str) -> Arr {
        let mut arr = self.arr();
        arr.args(["--api-version", version]);
        arr
    }

    /// Writes a file into the scratch directory and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        if let Some(emulator) = self.emulator.take() {
            self.runtime.block_on(emulator.shutdown());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn scratch_dir() -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("arr-cli-test-{}-{n}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One invocation of the binary.
pub struct Arr {
    command: Command,
    shown: Vec<String>,
}

impl Arr {
    fn new(dir: &Path) -> Arr {
        let mut command = Command::new(env!("CARGO_BIN_EXE_arr"));
        command.env_clear().current_dir(dir);
        Arr {
            command,
            shown: vec!["arr".into()],
        }
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, args: I) -> &mut Arr {
        for arg in args {
            self.command.arg(arg.as_ref());
            self.shown.push(arg.as_ref().to_owned());
        }
        self
    }

    pub fn arg_path(&mut self, path: &Path) -> &mut Arr {
        self.args([path.to_str().expect("a UTF-8 path")])
    }

    pub fn env(&mut self, name: &str, value: &str) -> &mut Arr {
        self.command.env(name, value);
        self
    }

    pub fn cwd(&mut self, dir: &Path) -> &mut Arr {
        self.command.current_dir(dir);
        self
    }

    /// Starts without waiting (stdin at end-of-file), for tests that act while it runs.
    pub fn spawn(&mut self) -> Live {
        self.command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.command.spawn().expect("arr starts");
        let mut out = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        let err = child.stderr.take().unwrap();
        let (sender, stderr_lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufRead::lines(std::io::BufReader::new(err)).map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Live {
            child,
            stdout,
            stderr_lines,
            stderr_seen: Vec::new(),
            shown: self.shown.join(" "),
        }
    }

    /// Runs with stdin at end-of-file.
    pub fn run(&mut self) -> Run {
        self.run_with_stdin(None)
    }

    /// Runs with `input` on a stdin pipe (not a terminal).
    pub fn run_with_stdin(&mut self, input: Option<&str>) -> Run {
        self.command
            .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
        self.command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = self.command.spawn().expect("arr starts");
        if let Some(input) = input {
            let mut stdin = child.stdin.take().unwrap();
            let _ = stdin.write_all(input.as_bytes());
        }
        finish(child, self.shown.join(" "))
    }
}

/// A running invocation from [`Arr::spawn`]: its stderr line by line as it comes.
pub struct Live {
    child: Child,
    stdout: std::thread::JoinHandle<String>,
    stderr_lines: std::sync::mpsc::Receiver<String>,
    stderr_seen: Vec<String>,
    shown: String,
}

impl Live {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits (at most 30 s, else kills and panics) until stderr has a line containing `text`.
    pub fn wait_for_stderr(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.stderr_seen.iter().any(|l| l.contains(text)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr_lines.recv_timeout(left) {
                Ok(line) => self.stderr_seen.push(line),
                Err(_) => {
                    let _ = self.child.kill();
                    panic!(
                        "`{}` printed no {text:?} on stderr:\n{}",
                        self.shown,
                        self.stderr_seen.join("\n")
                    );
                }
            }
        }
    }

    /// Waits for the end (at most 60 s, then kills) and collects the output.
    pub fn finish(mut self) -> Run {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = self.child.kill();
                panic!("`{}` did not finish within 60 s", self.shown);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        self.stderr_seen.extend(self.stderr_lines.iter());
        let mut stderr = self.stderr_seen.join("\n");
        stderr.push('\n');
        Run {
            code: status.code().unwrap_or(-1),
            stdout: self.stdout.join().unwrap(),
            stderr,
            shown: self.shown,
        }
    }
}

/// Waits (at most 60 s, then kills) and collects the output.
fn finish(mut child: Child, shown: String) -> Run {
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("`{shown}` did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
        shown,
    }
}

/// What one invocation did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub shown: String,
}

impl Run {
    /// Asserts the exit code, showing the command and its output if it differs.
    pub fn code(&self, expected: i32) -> &Run {
        assert_eq!(
            self.code, expected,
            "`{}` exited {}\n--- stdout\n{}--- stderr\n{}",
            self.shown, self.code, self.stdout, self.stderr
        );
        self
    }

    pub fn ok(&self) -> &Run {
        self.code(0)
    }

    /// stdout as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("`{}` printed no JSON ({e}):\n{}", self.shown, self.stdout))
    }

    /// The JSON error object printed on stderr's last line.
    pub fn error_json(&self) -> Value {
        let line = self
            .stderr
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .unwrap_or_else(|| panic!("`{}` printed no JSON error:\n{}", self.shown, self.stderr));
        serde_json::from_str(line).unwrap()
    }

    pub fn all_output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// The session shape of the C ABI: 2021-01-01 wire names, `id`/`status`/`size` always present.
pub fn assert_session_shape(value: &Value) {
    const KNOWN: [&str; 11] = [
        "id",
        "status",
        "size",
        "maxLeaseTimeMinutes",
        "elapsedTimeMinutes",
        "hostname",
        "handshakePort",
        "arrInspectorPort",
        "teraflops",
        "creationTime",
        "error",
    ];
    let object = value.as_object().unwrap_or_else(|| panic!("not an object: {value}"));
    for key in ["id", "status", "size"] {
        assert!(
            object.get(key).is_some_and(Value::is_string),
            "{key} missing in {value}"
        );
    }
    for key in object.keys() {
        assert!(KNOWN.contains(&key.as_str()), "unexpected key {key} in {value}");
    }
    if let Some(lease) = object.get("maxLeaseTimeMinutes") {
        assert!(lease.is_u64(), "{value}");
    }
}

/// Runs `arr session create` and returns the new session's id (parsed from the JSON output).
pub fn create(arr: &mut Arr, extra: &[&str]) -> String {
    let run = arr.args(["--output", "json", "session", "create"]).args(extra).run();
    run.ok();
    let value = run.json();
    assert_session_shape(&value);
    value["id"].as_str().unwrap().to_owned()
}

/// Runs `arr <args>` on a pseudo-terminal through util-linux `script`, typing `answer`.
pub fn on_terminal(emu: &Emu, args: &[&str], answer: &str) -> Option<(i32, String)> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())?;
    let mut words = vec![env!("CARGO_BIN_EXE_arr").to_owned()];
    words.extend(
        [
            "--endpoint",
            &emu.url,
            "--sts-endpoint",
            &emu.url,
            "--account-id",
            ACCOUNT_ID,
        ]
        .map(String::from),
    );
    words.extend(["--account-key", ACCOUNT_KEY].map(String::from));
    words.extend(args.iter().map(|a| a.to_string()));
    let line = words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" ");
    let mut child = Command::new(script)
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("TERM", "dumb")
        .current_dir(&emu.dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take().unwrap();
    // Type the answer once the command has had time to start; the terminal buffers it until read.
    std::thread::sleep(Duration::from_millis(500));
    stdin.write_all(answer.as_bytes()).unwrap();
    stdin.flush().unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    Some((
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
}
