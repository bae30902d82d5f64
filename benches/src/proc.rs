//! Reading a process's own figures from /proc (Linux): peak RSS and threads.

/// A `Key:   value kB` field of `/proc/<pid>/status` as a number (kB for memory fields).
pub fn status_field(pid: &str, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Names of this process's threads (`/proc/self/task/*/comm`).
pub fn thread_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir("/proc/self/task")
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .filter_map(|e| std::fs::read_to_string(e.path().join("comm")).ok())
                .map(|s| s.trim().to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The `arr-emulator` binary in a process of its own (start delay 0, no rate limit), so that work done
/// in this process (or under callgrind) is the client's alone. Ended when dropped (stdin EOF, then kill).
pub struct EmulatorProcess {
    child: std::process::Child,
    pub base: String,
}

impl EmulatorProcess {
    pub fn start(exe: &std::path::Path, extra_args: &[&str]) -> Result<EmulatorProcess, String> {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        if !exe.exists() {
            return Err(format!("{} is not built", exe.display()));
        }
        let mut child = Command::new(exe)
            .args(["--quiet", "--exit-on-stdin-eof"])
            .args(extra_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", exe.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut emulator = EmulatorProcess {
            child,
            base: String::new(),
        };
        emulator.base = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .map_err(|_| "the emulator printed no base URL within 30 s".to_string())?
            .trim()
            .to_string();
        if !emulator.base.starts_with("http://127.0.0.1:") {
            return Err(format!("unexpected emulator base URL {:?}", emulator.base));
        }
        Ok(emulator)
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
