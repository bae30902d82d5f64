//! The service process that owns a run's hosts when nothing could adopt them later (no state file):
//! named by boot id, pid and start time, so a later service on the machine can tell that the owner died
//! (`kill -9`) and remove what it left. Also the /proc reading the process provider's pid files use.

/// `<boot id>/<pid>/<start ticks>` of this process.
pub(crate) fn this_process() -> String {
    let pid = std::process::id() as i32;
    format!("{}/{pid}/{}", boot_id(), start_ticks(pid).unwrap_or(0))
}

/// Whether the owner named by `label` ran on this machine since its last boot and is gone. An owner on
/// another machine (or an unreadable label) is never judged dead.
pub(crate) fn is_dead(label: &str) -> bool {
    let mut parts = label.split('/');
    let (Some(boot), Some(pid), Some(ticks)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let (Ok(pid), Ok(ticks)) = (pid.parse::<i32>(), ticks.parse::<u64>()) else {
        return false;
    };
    boot == boot_id() && !alive(pid, ticks)
}

fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Field 22 of /proc/PID/stat (after the parenthesised command name, which may contain spaces).
pub(crate) fn start_ticks(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Whether `pid` is still the process that started at `start_ticks` (0: any), and not a zombie.
pub(crate) fn alive(pid: i32, start_ticks: u64) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let Some(close) = stat.rfind(')') else { return false };
    let mut fields = stat[close + 1..].split_whitespace();
    let state = fields.next().unwrap_or("X");
    let ticks = fields.nth(18).and_then(|t| t.parse::<u64>().ok());
    state != "Z" && state != "X" && (start_ticks == 0 || ticks == Some(start_ticks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_finished_one_is_dead() {
        assert!(!is_dead(&this_process()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        let label = format!("{}/{pid}/{}", boot_id(), start_ticks(pid).unwrap_or(1));
        child.wait().unwrap();
        assert!(is_dead(&label));
        assert!(
            !is_dead("another-machine/1/1"),
            "an owner elsewhere is never judged dead"
        );
    }
}
