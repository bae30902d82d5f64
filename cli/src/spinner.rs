//! A progress line on stderr while waiting: spinner, status, elapsed time. Drawn only when stderr is a
//! terminal, so scripts and logs never see control characters.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TICK: Duration = Duration::from_millis(100);

struct Shared {
    message: Mutex<String>,
    stop: AtomicBool,
}

/// Updates the message of a running spinner; does nothing when there is none.
#[derive(Clone)]
pub struct SpinnerHandle(Option<Arc<Shared>>);

impl SpinnerHandle {
    pub fn set(&self, message: String) {
        if let Some(shared) = &self.0 {
            *shared.message.lock().unwrap_or_else(|p| p.into_inner()) = message;
        }
    }
}

/// Stops and erases its line when dropped.
pub struct Spinner {
    shared: Option<Arc<Shared>>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    /// Starts drawing if stderr is a terminal; otherwise a spinner that draws nothing.
    pub fn start(message: String) -> Spinner {
        if !std::io::stderr().is_terminal() {
            return Spinner {
                shared: None,
                thread: None,
            };
        }
        let shared = Arc::new(Shared {
            message: Mutex::new(message),
            stop: AtomicBool::new(false),
        });
        let drawing = shared.clone();
        let thread = std::thread::spawn(move || draw(&drawing));
        Spinner {
            shared: Some(shared),
            thread: Some(thread),
        }
    }

    pub fn handle(&self) -> SpinnerHandle {
        SpinnerHandle(self.shared.clone())
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(shared) = &self.shared {
            shared.stop.store(true, Ordering::SeqCst);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn draw(shared: &Shared) {
    let started = Instant::now();
    let mut stderr = std::io::stderr();
    let mut frame = 0;
    while !shared.stop.load(Ordering::SeqCst) {
        let message = shared.message.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let _ = write!(
            stderr,
            "\r\x1b[2K{} {message} ({})",
            FRAMES[frame],
            elapsed(started.elapsed())
        );
        let _ = stderr.flush();
        frame = (frame + 1) % FRAMES.len();
        std::thread::sleep(TICK);
    }
    let _ = write!(stderr, "\r\x1b[2K");
    let _ = stderr.flush();
}

/// `7s`, `1m05s`, `1h02m03s`.
fn elapsed(span: Duration) -> String {
    let total = span.as_secs();
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    match (h, m) {
        (0, 0) => format!("{s}s"),
        (0, _) => format!("{m}m{s:02}s"),
        _ => format!("{h}h{m:02}m{s:02}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_time_is_compact() {
        assert_eq!(elapsed(Duration::from_secs(7)), "7s");
        assert_eq!(elapsed(Duration::from_secs(65)), "1m05s");
        assert_eq!(elapsed(Duration::from_secs(3723)), "1h02m03s");
    }
}
