//! The command line: global flags, commands, and the help text that documents settings and exit codes.

use std::path::PathBuf;
use std::time::Duration;

use arr_session::{ApiVersion, KeepBudget, Secret, SessionSize};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::durations::{parse_lease, parse_wait, parse_warn, WarnAt};

const AFTER_HELP: &str = "\
Settings (highest first): command-line flags, then environment variables (ARR_ENDPOINT, ARR_ACCOUNT_ID,
ARR_ACCOUNT_DOMAIN, ARR_ACCOUNT_KEY or ARR_ACCESS_TOKEN, ARR_STS_ENDPOINT, ARR_API_VERSION, ARR_CONFIG),
then arrconfig.json in the PowerShell scripts' format: the file named by --config, else by ARR_CONFIG,
else ./arrconfig.json if it exists. Values like \"<fill in ...>\" count as unset. Used keys:
  accountSettings.arrAccountId / arrAccountKey / arrAccountDomain (region, domain or full STS URL)
  renderingSessionSettings.remoteRenderingDomain (region or URL), vmSize and maxLeaseTime (create defaults)
  assetConversionSettings (conversion create defaults, as Conversion.ps1 reads them):
    --input-container   https://<storageAccountName>.blob.core.windows.net/<blobInputContainerName>
    --output-container  https://<storageAccountName>.blob.core.windows.net/<blobOutputContainerName>
                        (--blob-endpoint URL gives URL/<container> instead; the flags take a URL or a name)
    --input-prefix inputFolderPath, --input inputAssetPath, --output-prefix outputFolderPath,
    --output-name outputAssetFileName
  SAS tokens are never read from the file: --input-sas/--output-sas or ARR_INPUT_SAS/ARR_OUTPUT_SAS; without
  them the storage account must be linked to the ARR account. Conversions need api-version 2021-01-01.
  The storage account key (for checks without a SAS, reading result files, --sign-sas, `arr storage sas`)
  comes from --storage-key-file, ARR_STORAGE_KEY or AZURE_STORAGE_KEY, and is never printed.
A bare region such as westus2 expands to https://remoterendering.westus2.mixedreality.azure.com (rendering)
and https://sts.westus2.mixedreality.azure.com (STS). Without settings, create uses Standard and 4 hours.

Exit codes:
  0  success; for session keep (and create --keep): the lease reached --cap (the keep ends there and
     the session runs until its lease ends; with --until-end the keep waits for that end), the session
     was Stopped, or Ctrl-C stopped keeping before any kept session ended otherwise (the lease is left
     as it is)
  1  a session ended in Error, Expired or Stopped, or a conversion ended Failed or Cancelled, while
     waiting for it (its error code and message are printed, and the result file's errors when it can be
     read); conversion check found an error; for session keep: the session ended in
     Error, or Expired before reaching --cap (renewals kept failing, or it had already expired)
  2  usage error or invalid argument (also a declined or impossible confirmation, a missing conversion
     setting, a conversion with --api-version v1, or conversion create stopped by its checks)
  3  authentication failed (unauthorized or forbidden)
  4  not found
  5  network failure or timeout
  6  conflict (a session or conversion with that id exists with other settings)
  7  service error, throttling, or another failure
  A keep that fails (a `failed` event) exits with its cause's code above (e.g. 4 for an unknown session,
  3 for refused credentials), or 7 when the cause is not known.

Local development: the arr-emulator binary (cargo run -p arr-emulator) serves the STS, the session API and
the conversion API (simulated storage unless --storage) on one URL; pass it as both --endpoint and
--sts-endpoint with its printed development account (--account-id 11111111-1111-1111-1111-111111111111,
key YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==).";

/// Manage Azure Remote Rendering sessions (create, inspect, extend and stop them) and asset conversions.
#[derive(Parser)]
#[command(name = "arr", version, after_help = AFTER_HELP, arg_required_else_help = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted by every command.
#[derive(Args, Clone, Default)]
pub struct GlobalArgs {
    /// Rendering endpoint: a region (westus2), a domain, or a URL.
    #[arg(long, global = true, value_name = "REGION|URL")]
    pub endpoint: Option<String>,
    /// Account id (a GUID).
    #[arg(long, global = true, value_name = "GUID")]
    pub account_id: Option<String>,
    /// Account domain for the STS: a region, a domain, or the full STS URL.
    #[arg(long, global = true, value_name = "REGION|DOMAIN|URL")]
    pub account_domain: Option<String>,
    /// Account key, exchanged at the STS for an access token. Prefer ARR_ACCOUNT_KEY or arrconfig.json.
    #[arg(long, global = true, value_name = "KEY", value_parser = secret, conflicts_with = "access_token")]
    pub account_key: Option<Secret>,
    /// An access token to use as is, instead of an account key.
    #[arg(long, global = true, value_name = "TOKEN", value_parser = secret)]
    pub access_token: Option<Secret>,
    /// STS URL, overriding the one derived from the account domain.
    #[arg(long, global = true, value_name = "URL")]
    pub sts_endpoint: Option<String>,
    /// arrconfig.json to read (RenderingSession.ps1 format).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Wire version of the session API.
    #[arg(long, global = true, value_name = "v1|2021-01-01", value_parser = api_version)]
    pub api_version: Option<ApiVersion>,
    /// Output format for results on stdout.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
    /// Give up waiting after this long (e.g. 10m); default: wait until Ready (or a conversion finishes) or ended.
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_wait)]
    pub timeout: Option<Duration>,
    /// Delay between polls while waiting (e.g. 2s); default 2s for Standard, 10s for Premium and conversions.
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_wait)]
    pub poll_interval: Option<Duration>,
    /// Record every HTTP call (time, method, path, status, MS-CV, duration) in this JSON-lines file, or
    /// ARR_HISTORY; `arr history` prints it. Off by default.
    #[arg(long, global = true, value_name = "PATH")]
    pub history: Option<PathBuf>,
    /// Price table for costs, {"currency":"USD","perHour":{"Standard":N,"Premium":N}}, or ARR_PRICES. No
    /// prices are built in.
    #[arg(long, global = true, value_name = "PATH")]
    pub prices: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable tables.
    #[default]
    Table,
    /// The service's JSON (2021-01-01 field names), one document per line.
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// Manage rendering sessions. Without a subcommand: create one and wait until it is Ready.
    Session(SessionArgs),
    /// Convert models into .arrAsset files (like Conversion.ps1), and follow conversions.
    Conversion {
        #[command(subcommand)]
        command: ConversionCommand,
    },
    /// Print an access token for the account (for backends and tests). Treat it like a password.
    Token,
    /// Check what commonly goes wrong: settings mistakes, proxy, DNS, TCP, HTTPS, clock skew, the STS, and a
    /// Ready session's ports. One line per check with its fix. Exit 0 when all are ok, 8 when the worst is a
    /// warning, 9 when one failed.
    Doctor {
        /// Also try this session's handshake and inspector ports (it should be Ready).
        #[arg(long, value_name = "ID")]
        session: Option<String>,
    },
    /// Print the call history recorded with --history FILE (or ARR_HISTORY).
    History {
        /// Only calls that failed (no answer, or a status outside 2xx).
        #[arg(long)]
        failed: bool,
        /// Only calls about this session (or conversion).
        #[arg(long, value_name = "ID")]
        session: Option<String>,
    },
    /// Storage helpers for conversions.
    Storage {
        #[command(subcommand)]
        command: StorageCommand,
    },
}

#[derive(Subcommand)]
pub enum StorageCommand {
    /// Sign a container SAS with the least permissions a conversion needs (input: read+list; output:
    /// write, plus read for the result files), valid for a day unless --lifetime says otherwise. Prints the
    /// token (?sv=...) on stdout and nowhere else. The storage account key comes from --storage-key-file,
    /// ARR_STORAGE_KEY or AZURE_STORAGE_KEY.
    Sas {
        /// Which side of a conversion the token is for.
        #[arg(long = "for", value_enum, value_name = "input|output")]
        purpose: SasFor,
        /// The container: a URL, or a name under --blob-endpoint / storageAccountName [default: the
        /// conversion's input or output container from arrconfig.json].
        #[arg(long, value_name = "URL|NAME")]
        container: Option<String>,
        /// Other permissions (letters of racwdl) instead of the purpose's least ones.
        #[arg(long, value_name = "LETTERS")]
        permissions: Option<String>,
        /// How long the token is valid (e.g. 12h, 90m) [default: 24h].
        #[arg(long, value_name = "DURATION", value_parser = parse_wait)]
        lifetime: Option<Duration>,
        /// A file holding the storage account key (instead of ARR_STORAGE_KEY / AZURE_STORAGE_KEY).
        #[arg(long, value_name = "PATH")]
        storage_key_file: Option<PathBuf>,
        /// Blob service URL that container names are joined to (e.g. Azurite's
        /// http://127.0.0.1:10000/devstoreaccount1).
        #[arg(long, value_name = "URL")]
        blob_endpoint: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SasFor {
    /// The input container: read and list (rl).
    Input,
    /// The output container: write, and read to read the result files back (rw).
    Output,
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SessionArgs {
    #[command(subcommand)]
    pub command: Option<SessionCommand>,
    #[command(flatten)]
    pub create: CreateFlags,
}

/// What to create; unset values come from arrconfig.json, then the defaults (Standard, 4 hours).
#[derive(Args, Clone, Default)]
pub struct CreateFlags {
    /// Session id (2021-01-01 only; default a new GUID). Letters, digits, '-' and '_'.
    #[arg(long)]
    pub id: Option<String>,
    /// VM size.
    #[arg(long, value_name = "standard|premium", value_parser = size)]
    pub size: Option<SessionSize>,
    /// Maximum lease: 90m, 1h30m, 2h, hh:mm:ss, or minutes.
    #[arg(long, value_name = "DURATION", value_parser = parse_lease)]
    pub lease: Option<u32>,
    /// With --wait: when the session ends in Error for lack of capacity, stop it and create one of this
    /// size instead (comma-separated, tried in order).
    #[arg(long, value_name = "SIZE,...", value_delimiter = ',', value_parser = size)]
    pub fallback: Vec<SessionSize>,
    /// With --wait: then try every size again at this endpoint (repeatable, tried in order).
    #[arg(long, value_name = "URL")]
    pub fallback_endpoint: Vec<String>,
}

#[derive(Subcommand)]
pub enum SessionCommand {
    /// Create a session (and with --wait, wait until it is Ready; with --keep, then keep it alive).
    Create {
        #[command(flatten)]
        flags: CreateFlags,
        /// Wait until the session is Ready.
        #[arg(long)]
        wait: bool,
        /// Once Ready, keep the session alive like `arr session keep` (implies --wait).
        #[arg(long)]
        keep: bool,
        #[command(flatten)]
        keeping: KeepFlags,
    },
    /// Show a session (and with --wait, wait until it is Ready).
    Get {
        id: String,
        /// Wait until the session is Ready.
        #[arg(long)]
        wait: bool,
    },
    /// List the account's Starting and Ready sessions.
    List {
        /// Also show each session's billed minutes (from create) and, with --prices, its cost, with totals.
        #[arg(long)]
        cost: bool,
    },
    /// Stop every Starting or Ready session billed for longer than --older-than, printing what it stopped
    /// and the lease minutes (and, with --prices, the cost) that saves.
    Reap {
        /// Age from creation: 2h, 90m, hh:mm:ss.
        #[arg(long, value_name = "DURATION", value_parser = parse_wait)]
        older_than: Duration,
        /// Only say what would be stopped.
        #[arg(long)]
        dry_run: bool,
        /// Only sessions of this size.
        #[arg(long, value_name = "standard|premium", value_parser = size)]
        size: Option<SessionSize>,
    },
    /// Set the lease to an absolute value (like RenderingSession.ps1 -UpdateSession): at least the current
    /// lease (the same value succeeds and changes nothing; a smaller one is refused with exit 2). New
    /// sessions get 4 hours unless created with --lease.
    Update {
        id: String,
        /// The new total lease: 90m, 1h30m, 2h, hh:mm:ss, or minutes.
        #[arg(long, value_name = "DURATION", value_parser = parse_lease)]
        lease: u32,
    },
    /// Add time to the current lease.
    Extend {
        id: String,
        /// Time to add: 30m, 1h, hh:mm:ss, or minutes.
        #[arg(long, value_name = "DURATION", value_parser = parse_lease)]
        by: u32,
    },
    /// Stop a session, or every Starting/Ready session of the account with --all.
    Stop {
        #[arg(required_unless_present = "all")]
        id: Option<String>,
        /// Stop every Starting or Ready session of the account (asks first unless --yes).
        #[arg(long, conflicts_with = "id")]
        all: bool,
        /// Do not ask for confirmation (required when stdin is not a terminal).
        #[arg(long, requires = "all", conflicts_with = "id")]
        yes: bool,
    },
    /// Wait until each session is Ready (one list request per poll, however many ids).
    Wait {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
    /// Keep sessions alive: renew their leases before they run out, up to a cap, printing one line per
    /// event (extended, expiring, cap, ended, throttled, retrying, failed) until each has reached the cap
    /// (or, with --until-end, ended). Several sessions cost one list request per poll. Ctrl-C stops keeping
    /// and leaves the leases as they are.
    Keep {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        #[command(flatten)]
        keeping: KeepFlags,
    },
}

/// How `session keep` and `session create --keep` renew; leases are minutes as the service counts them.
#[derive(Args, Clone, Default)]
#[command(next_help_heading = "Keeping")]
pub struct KeepFlags {
    /// Time added at each renewal: 30m, 1h, hh:mm:ss, or minutes [default: 30m].
    #[arg(long, value_name = "DURATION", value_parser = parse_lease)]
    pub by: Option<u32>,
    /// Renew when less than this is left [default: 10m].
    #[arg(long, value_name = "DURATION", value_parser = parse_lease)]
    pub below: Option<u32>,
    /// Never renew beyond this total lease [default: 24h, the service's maximum]. Once the lease is there (or
    /// beyond), the keep ends with 0 and the session runs until its lease ends (see --until-end).
    #[arg(long, value_name = "DURATION", value_parser = parse_lease)]
    pub cap: Option<u32>,
    /// Warn this long before an end that will not be renewed, comma-separated, or `none` [default: 10m,2m].
    #[arg(long, value_name = "DURATION,...", value_parser = parse_warn)]
    pub warn: Option<WarnAt>,
    /// How often the session is looked at (one request each time) [default: 60s]. The global
    /// --poll-interval applies to waiting only.
    #[arg(long, value_name = "DURATION", value_parser = parse_wait)]
    pub poll: Option<Duration>,
    /// Once the lease reaches --cap, keep watching until the session ends (the warnings, then its end)
    /// instead of exiting with 0 at the cap.
    #[arg(long)]
    pub until_end: bool,
    /// Stop renewing once the session's billed minutes (from create, start-up included) would pass this:
    /// 2h, 90m, hh:mm:ss, or minutes. The keep then ends as at --cap, with a `budget` line.
    #[arg(long, value_name = "DURATION", value_parser = parse_lease, conflicts_with = "budget_cost")]
    pub budget: Option<u32>,
    /// Stop renewing once the session's cost so far plus the renewal would pass this amount, at the
    /// --prices table (required with it).
    #[arg(long, value_name = "AMOUNT")]
    pub budget_cost: Option<f64>,
    /// The budget of --budget or --budget-cost, with the prices, filled in before keeping.
    #[arg(skip)]
    pub resolved_budget: Option<Box<KeepBudget>>,
}

impl KeepFlags {
    /// The first flag that was given, for refusing keep flags without --keep.
    pub fn first_given(&self) -> Option<&'static str> {
        [
            ("--by", self.by.is_some()),
            ("--below", self.below.is_some()),
            ("--cap", self.cap.is_some()),
            ("--warn", self.warn.is_some()),
            ("--poll", self.poll.is_some()),
            ("--until-end", self.until_end),
            ("--budget", self.budget.is_some()),
            ("--budget-cost", self.budget_cost.is_some()),
        ]
        .into_iter()
        .find_map(|(name, given)| given.then_some(name))
    }
}

#[derive(Subcommand)]
pub enum ConversionCommand {
    /// Start converting a model (and with --wait, wait until it finishes). Unset values come from
    /// arrconfig.json's assetConversionSettings. The input is checked first, as `arr conversion check`
    /// does: errors stop the create (exit 2, nothing sent), warnings are printed. When a waited-for
    /// conversion ends, the service's result file is read back (with the output SAS or the storage key)
    /// and its errors and warnings printed.
    Create {
        #[command(flatten)]
        flags: Box<ConversionFlags>,
        /// Wait until the conversion finishes; prints the output asset's URI on success.
        #[arg(long)]
        wait: bool,
        /// Do not check the settings files and the input before creating.
        #[arg(long)]
        no_check: bool,
        /// Sign the input and output SAS tokens from the storage account key (read+list and
        /// write+read, valid for a day) instead of relying on linked storage.
        #[arg(long)]
        sign_sas: bool,
    },
    /// Check conversion settings before converting. With files: check each
    /// <model>.ConversionSettings.json, conversionSettings.json or <model>.MaterialOverrides.json against
    /// the service's rules (--input names the model, for point-cloud rules). Without files: check the
    /// conversion the flags and arrconfig.json describe: its SAS tokens, and, listing the input
    /// container, the model, its settings files, the files it refers to, names the service mishandles
    /// and what will be downloaded. Exit 1 when an error is found.
    Check {
        /// Settings files to check (local paths).
        #[arg(value_name = "SETTINGS")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        flags: Box<ConversionFlags>,
    },
    /// Show a conversion (and with --wait, wait until it finishes). Once it has ended, its result file is
    /// read and its errors and warnings printed when ARR_OUTPUT_SAS or the storage key is set.
    Get {
        id: String,
        /// Wait until the conversion finishes.
        #[arg(long)]
        wait: bool,
    },
    /// List the account's conversions (every state).
    List,
    /// Wait until each conversion finishes (one list request per poll, however many ids).
    Wait {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
}

/// What to convert and where to; unset values come from arrconfig.json's assetConversionSettings.
#[derive(Args, Clone, Default)]
#[command(next_help_heading = "Conversion")]
pub struct ConversionFlags {
    /// Conversion id (default a new GUID). Letters, digits, '-' and '_'.
    #[arg(long)]
    pub id: Option<String>,
    /// Input blob container: a URL, or a container name under --blob-endpoint / storageAccountName.
    #[arg(long, value_name = "URL|NAME")]
    pub input_container: Option<String>,
    /// Only blobs under this prefix (a virtual folder) are read.
    #[arg(long, value_name = "PREFIX")]
    pub input_prefix: Option<String>,
    /// The model, relative to the input prefix (e.g. box.fbx).
    #[arg(long, value_name = "ASSET_PATH")]
    pub input: Option<String>,
    /// SAS with read and list access to the input container (prefer ARR_INPUT_SAS); never printed.
    #[arg(long, value_name = "SAS", value_parser = secret)]
    pub input_sas: Option<Secret>,
    /// Output blob container: a URL, or a container name under --blob-endpoint / storageAccountName.
    #[arg(long, value_name = "URL|NAME")]
    pub output_container: Option<String>,
    /// Virtual folder for everything the conversion writes.
    #[arg(long, value_name = "PREFIX")]
    pub output_prefix: Option<String>,
    /// The asset's file name (default: the input's name with .arrAsset).
    #[arg(long, value_name = "NAME.arrAsset")]
    pub output_name: Option<String>,
    /// SAS with write access to the output container (prefer ARR_OUTPUT_SAS); never printed.
    #[arg(long, value_name = "SAS", value_parser = secret)]
    pub output_sas: Option<Secret>,
    /// Blob service URL that container names are joined to, instead of
    /// https://<storageAccountName>.blob.core.windows.net (e.g. Azurite's http://127.0.0.1:10000/devstoreaccount1).
    #[arg(long, value_name = "URL")]
    pub blob_endpoint: Option<String>,
    /// A file holding the storage account key (instead of ARR_STORAGE_KEY / AZURE_STORAGE_KEY): used to
    /// look at the input and read the result files when there is no SAS, and by --sign-sas. Never printed.
    #[arg(long, value_name = "PATH")]
    pub storage_key_file: Option<PathBuf>,
}

fn secret(text: &str) -> Result<Secret, String> {
    if text.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    Ok(Secret::new(text))
}

fn api_version(text: &str) -> Result<ApiVersion, String> {
    ApiVersion::parse(text).ok_or_else(|| format!("{text:?} is not an api version; use v1 or 2021-01-01"))
}

fn size(text: &str) -> Result<SessionSize, String> {
    SessionSize::parse_requested(text).map_err(|_| format!("{text:?} is not a size; use standard or premium"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
