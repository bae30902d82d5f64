//! What a run produces: figures (each with its ratio to the floor), target checks, the table and the JSON.

use serde::Serialize;

/// One measured figure, or the reason it was not measured.
#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    pub case: String,
    pub unit: String,
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Every round's value (calls/s, ms, ...), in order.
    pub rounds: Vec<f64>,
    /// `median` divided by the floor's figure of the same kind in this run (`None` when not meaningful).
    pub ratio_to_floor: Option<f64>,
    /// For calls/s figures: microseconds each call costs on top of a floor call (1/median - 1/floor).
    pub extra_us_per_call: Option<f64>,
    pub skipped: Option<String>,
    pub note: Option<String>,
}

impl Figure {
    /// A figure from per-round values; the median is what ratios use.
    pub fn from_rounds(case: &str, unit: &str, rounds: Vec<f64>) -> Figure {
        let mut sorted = rounds.clone();
        sorted.sort_by(f64::total_cmp);
        let median = match sorted.len() {
            0 => None,
            n if n % 2 == 1 => Some(sorted[n / 2]),
            n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
        };
        Figure {
            case: case.into(),
            unit: unit.into(),
            median,
            min: sorted.first().copied(),
            max: sorted.last().copied(),
            rounds,
            ratio_to_floor: None,
            extra_us_per_call: None,
            skipped: None,
            note: None,
        }
    }

    /// One value (a size, a count).
    pub fn single(case: &str, unit: &str, value: f64) -> Figure {
        Figure::from_rounds(case, unit, vec![value])
    }

    pub fn skipped(case: &str, unit: &str, reason: impl Into<String>) -> Figure {
        Figure {
            skipped: Some(reason.into()),
            ..Figure::from_rounds(case, unit, Vec::new())
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Figure {
        self.note = Some(note.into());
        self
    }

    /// Sets the ratio to `floor` (when both are measured).
    pub fn relative_to(mut self, floor: Option<f64>) -> Figure {
        self.ratio_to_floor = match (self.median, floor) {
            (Some(v), Some(f)) if f > 0.0 => Some(v / f),
            _ => None,
        };
        self.extra_us_per_call = match (self.unit.as_str(), self.median, floor) {
            ("calls/s", Some(v), Some(f)) if v > 0.0 && f > 0.0 => Some((1.0 / v - 1.0 / f) * 1e6),
            _ => None,
        };
        self
    }
}

/// A target from the issue, checked against this run.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    pub name: String,
    pub wanted: String,
    pub actual: String,
    /// `None` when the figures it needs were not measured.
    pub met: Option<bool>,
}

/// One layer's cost: what `to` costs per call on top of `from`, in time (from the median calls/s of the
/// same run) and in instructions (callgrind; stable where timings are not).
#[derive(Clone, Debug, Serialize)]
pub struct AttributionRow {
    pub layer: String,
    pub from: String,
    pub to: String,
    pub extra_us_per_call: Option<f64>,
    pub extra_instructions_per_call: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub kernel: String,
    pub os: String,
}

/// The first three fields of `/proc/loadavg` (1, 5 and 15 minutes).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

impl Machine {
    pub fn detect() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        let os = std::fs::read_to_string("/etc/os-release")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_else(|| std::env::consts::OS.into());
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
            os,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    pub rounds: usize,
    pub calls_per_round: usize,
    pub warmup_calls: usize,
    pub sdk_calls_per_round: usize,
    pub python_concurrency: usize,
    pub scale_sessions: usize,
    pub scale_poll_interval_ms: u64,
    pub scale_start_delay_ms: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub date: String,
    pub mode: String,
    pub machine: Machine,
    /// `/proc/loadavg` when the run started and when it ended: other work on the machine skews ratios.
    pub load_average: [String; 2],
    pub settings: Settings,
    pub figures: Vec<Figure>,
    pub targets: Vec<Target>,
    /// Details of the 1,000-session lifecycle (requests per route and phase, threads, RSS).
    pub scale: serde_json::Value,
    /// Details of the size case (paths, dynamic dependencies).
    pub size: serde_json::Value,
    /// Layer by layer: time and instructions each adds per call.
    pub attribution: Vec<AttributionRow>,
    /// Callgrind details: N per kind, totals, the core's cost per crate and its top functions.
    pub instructions: serde_json::Value,
}

impl Report {
    pub fn figure(&self, case: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.case == case)
    }

    pub fn median(&self, case: &str) -> Option<f64> {
        self.figure(case).and_then(|f| f.median)
    }

    /// The table printed to stdout.
    pub fn table(&self) -> String {
        let mut rows = vec![[
            "case".to_string(),
            "unit".into(),
            "median".into(),
            "min-max".into(),
            "x floor".into(),
            "+us/call".into(),
            "note".into(),
        ]];
        for f in &self.figures {
            let spread = match (f.min, f.max, f.rounds.len()) {
                (Some(lo), Some(hi), n) if n > 1 => format!("{}-{}", number(lo), number(hi)),
                _ => String::new(),
            };
            let note = match (&f.skipped, &f.note) {
                (Some(reason), _) => format!("skipped: {reason}"),
                (None, Some(note)) => note.clone(),
                (None, None) => String::new(),
            };
            rows.push([
                f.case.clone(),
                f.unit.clone(),
                f.median.map(number).unwrap_or_else(|| "-".into()),
                spread,
                f.ratio_to_floor.map(|r| format!("{r:.2}")).unwrap_or_default(),
                f.extra_us_per_call.map(|us| format!("{us:.0}")).unwrap_or_default(),
                note,
            ]);
        }
        let mut out = render(&rows);
        out.push('\n');
        let mut layers = vec![[
            "layer".to_string(),
            "from -> to".into(),
            "+us/call".into(),
            "+instr/call".into(),
        ]];
        for a in &self.attribution {
            layers.push([
                a.layer.clone(),
                format!("{} -> {}", a.from, a.to),
                a.extra_us_per_call
                    .map(|v| format!("{v:.1}"))
                    .unwrap_or_else(|| "-".into()),
                a.extra_instructions_per_call
                    .map(|v| format!("{v:.0}"))
                    .unwrap_or_else(|| "-".into()),
            ]);
        }
        out.push_str(&render(&layers));
        out.push('\n');
        let core = &self.instructions["core"]["attribution"];
        if let Some(crates) = core["selfPerCallByCrate"].as_array() {
            let mut rows = vec![["core: self cost per call by crate".to_string(), "instr/call".into()]];
            for c in crates.iter().take(14) {
                rows.push([c["crate"].as_str().unwrap_or("").to_string(), whole(&c["perCall"])]);
            }
            out.push_str(&render(&rows));
            out.push('\n');
        }
        if let Some(top) = core["topSelfOurStack"].as_array() {
            let mut rows = vec![[
                "core: largest self-cost functions (arr_session/reqwest/hyper/tokio/serde_json...)".to_string(),
                "instr/call".into(),
            ]];
            for f in top {
                let name: String = f["function"].as_str().unwrap_or("").chars().take(110).collect();
                rows.push([name, whole(&f["selfPerCall"])]);
            }
            out.push_str(&render(&rows));
            out.push('\n');
        }
        if let Some(top) = core["topInclusive"].as_array() {
            let mut rows = vec![["core: largest inclusive functions".to_string(), "instr/call".into()]];
            for f in top {
                let name: String = f["function"].as_str().unwrap_or("").chars().take(110).collect();
                rows.push([name, whole(&f["inclusivePerCall"])]);
            }
            out.push_str(&render(&rows));
            out.push('\n');
        }
        if let Some(top) = self.instructions["clientNew"]["attribution"]["topSelfAll"].as_array() {
            let mut rows = vec![[
                "Client::new (once): largest self-cost functions".to_string(),
                "instructions".into(),
            ]];
            for f in top.iter().take(6) {
                let name: String = f["function"].as_str().unwrap_or("").chars().take(110).collect();
                rows.push([name, whole(&f["selfPerCall"])]);
            }
            out.push_str(&render(&rows));
            out.push('\n');
        }
        let mut targets = vec![["target".to_string(), "wanted".into(), "actual".into(), "met".into()]];
        for t in &self.targets {
            let met = match t.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "n/a",
            };
            targets.push([t.name.clone(), t.wanted.clone(), t.actual.clone(), met.into()]);
        }
        out.push_str(&render(&targets));
        out
    }
}

/// A JSON number as a whole number ("-" when it is not a number).
fn whole(v: &serde_json::Value) -> String {
    v.as_f64().map(|v| format!("{v:.0}")).unwrap_or_else(|| "-".into())
}

/// A readable number: integers for large values, three significant digits for small ones.
pub fn number(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn render<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let line: Vec<String> = row.iter().zip(widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out
}
