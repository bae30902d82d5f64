//! The external tools, each run as one process: argv only (no shell, so no request value is ever parsed
//! by one), in its own process group, its data segment bounded by `prlimit --data`, its run time bounded
//! by a timer that kills the whole group. A tool that runs past its time, crashes or exits non-zero, or
//! whose conversion is cancelled while it runs, is a [`ToolFailure`]; no process is left behind in any
//! case (the group is killed, and the child is killed when the future running it is dropped).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use rustix::process::{kill_process_group, Pid, Signal};
use tokio::io::AsyncReadExt;
use tokio::process::Command;

use super::profile::ConverterConfig;

/// Bytes of a tool's stderr/stdout kept for the log and error messages.
const OUTPUT_KEPT: usize = 4000;

/// One tool run's failure.
#[derive(Debug)]
pub(super) enum ToolFailure {
    /// The tool could not be started (not installed).
    Missing(String),
    /// The tool ran past `tool_timeout` and was killed.
    TimedOut { tool: String, after: Duration },
    /// The conversion was cancelled (or failed by a control hook) while the tool ran; it was killed.
    Cancelled { tool: String },
    /// The tool exited non-zero or was killed by a signal (a crash, or the memory limit).
    Failed {
        tool: String,
        status: String,
        output: String,
    },
}

impl std::fmt::Display for ToolFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ToolFailure::Missing(detail) => write!(f, "{detail}"),
            ToolFailure::TimedOut { tool, after } => {
                write!(
                    f,
                    "{tool} ran past its time limit ({} s) and was stopped",
                    after.as_secs_f64()
                )
            }
            ToolFailure::Failed { tool, status, output } => write!(f, "{tool} failed ({status}): {output}"),
            ToolFailure::Cancelled { tool } => write!(f, "{tool} was stopped: the conversion was cancelled"),
        }
    }
}

/// How often a running tool looks whether its conversion was cancelled.
const CANCEL_POLL: Duration = Duration::from_millis(100);

/// The tools of one conversion's pipeline.
pub(super) struct Tools<'a> {
    assimp: PathBuf,
    gltf_transform: PathBuf,
    fbx2gltf: PathBuf,
    timeout: Duration,
    memory_bytes: u64,
    /// Whether the conversion was cancelled (then a running tool is killed).
    cancelled: &'a (dyn Fn() -> bool + Sync),
}

impl<'a> Tools<'a> {
    pub(super) fn new(config: &ConverterConfig, cancelled: &'a (dyn Fn() -> bool + Sync)) -> Tools<'a> {
        let modules = config.tools_dir().join("node_modules");
        Tools {
            assimp: std::env::var_os("ARR_ASSIMP").map_or_else(|| PathBuf::from("assimp"), PathBuf::from),
            gltf_transform: modules.join(".bin/gltf-transform"),
            fbx2gltf: modules.join("fbx2gltf/bin/Linux/FBX2glTF"),
            timeout: config.tool_timeout,
            memory_bytes: config.tool_memory_bytes,
            cancelled,
        }
    }

    /// `assimp export INPUT OUTPUT -f glb2`.
    pub(super) async fn assimp_to_glb(&self, input: &Path, output: &Path) -> Result<String, ToolFailure> {
        let args = [input.as_os_str(), output.as_os_str(), "-f".as_ref(), "glb2".as_ref()];
        self.run("assimp", &self.assimp, &[&["export".as_ref()], &args[..]].concat())
            .await
    }

    /// `FBX2glTF --binary --input INPUT --output OUTPUT_WITHOUT_EXTENSION`.
    pub(super) async fn fbx2gltf_to_glb(&self, input: &Path, output: &Path) -> Result<String, ToolFailure> {
        let stem = output.with_extension("");
        let args = [
            "--binary".as_ref(),
            "--input".as_ref(),
            input.as_os_str(),
            "--output".as_ref(),
            stem.as_os_str(),
        ];
        self.run("FBX2glTF", &self.fbx2gltf, &args).await
    }

    /// `gltf-transform COMMAND INPUT OUTPUT OPTIONS...`.
    pub(super) async fn gltf_transform(
        &self,
        command: &str,
        input: &Path,
        output: &Path,
        options: &[&str],
    ) -> Result<String, ToolFailure> {
        let mut args: Vec<&std::ffi::OsStr> = vec![command.as_ref(), input.as_os_str(), output.as_os_str()];
        args.extend(options.iter().map(std::ffi::OsStr::new));
        self.run(&format!("gltf-transform {command}"), &self.gltf_transform, &args)
            .await
    }

    /// Runs `prlimit --data=N -- PROGRAM ARGS...` in a new process group; answers its output.
    async fn run(&self, tool: &str, program: &Path, args: &[&std::ffi::OsStr]) -> Result<String, ToolFailure> {
        let mut command = Command::new("prlimit");
        command
            .arg(format!("--data={}", self.memory_bytes))
            .arg("--")
            .arg(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("NO_COLOR", "1")
            .process_group(0)
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| {
            ToolFailure::Missing(format!(
                "prlimit or {tool} could not be started ({e}); install the tools with: bash scripts/converter-tools.sh"
            ))
        })?;
        let pid = child.id();
        let mut stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let run = async {
            let mut out = Vec::new();
            let mut err = Vec::new();
            let (status, _, _) = tokio::join!(child.wait(), stdout.read_to_end(&mut out), stderr.read_to_end(&mut err));
            (status, out, err)
        };
        let cancelled = async {
            while !(self.cancelled)() {
                tokio::time::sleep(CANCEL_POLL).await;
            }
        };
        let stopped = tokio::select! {
            done = tokio::time::timeout(self.timeout, run) => match done {
                Ok(done) => Ok(done),
                Err(_) => Err(ToolFailure::TimedOut { tool: tool.to_string(), after: self.timeout }),
            },
            () = cancelled => Err(ToolFailure::Cancelled { tool: tool.to_string() }),
        };
        let (status, out, err) = match stopped {
            Ok(done) => done,
            Err(failure) => {
                // The child is not reaped yet, so its pid still names its group: no stranger is hit.
                kill_group(pid);
                let _ = child.kill().await;
                return Err(failure);
            }
        };
        let mut output = String::from_utf8_lossy(&out).into_owned();
        output.push_str(&String::from_utf8_lossy(&err));
        let output = tail(&output);
        match status {
            Ok(s) if s.success() => Ok(output),
            Ok(s) if s.code() == Some(127) || s.code() == Some(126) || output.contains("failed to execute") => {
                Err(ToolFailure::Missing(format!(
                    "{tool} is not installed at {} ({output}); install the tools with: bash scripts/converter-tools.sh",
                    program.display()
                )))
            }
            Ok(s) => Err(ToolFailure::Failed {
                tool: tool.to_string(),
                status: s.to_string(),
                output,
            }),
            Err(e) => Err(ToolFailure::Failed {
                tool: tool.to_string(),
                status: e.to_string(),
                output,
            }),
        }
    }
}

/// SIGKILL to the process group `pid` leads (a safe wrapper of kill(2)); nothing when there is none.
fn kill_group(pid: Option<u32>) {
    if let Some(group) = pid.and_then(|p| i32::try_from(p).ok()).and_then(Pid::from_raw) {
        let _ = kill_process_group(group, Signal::KILL);
    }
}

/// The last [`OUTPUT_KEPT`] bytes of a tool's output, on a character boundary, without colour codes.
fn tail(text: &str) -> String {
    let text = text.trim();
    let mut start = text.len().saturating_sub(OUTPUT_KEPT);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].to_string()
}
