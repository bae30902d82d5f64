//! Asset conversions, api-version 2021-01-01 (protocol.md §4, §5.5, §8).
//!
//! A conversion is `NotStarted` for [`EmulatorConfig::conversion_start_delay`] emulated time, then
//! `Running` for [`EmulatorConfig::conversion_duration`], then `Succeeded` or `Failed` (or `Cancelled`
//! through a control hook). Like sessions, the status is computed from stored timestamps in emulated
//! time (the real clock plus `POST /_emulator/clock/advance`), scaled by `--time-scale`.
//!
//! The storage work happens in a small task per conversion, once the conversion reaches `Running`:
//! read the input blob and its settings file, then write the output asset, `<name>.result.json`,
//! `<name>.info.json` and `<name>.log` (a failure: its result file and log). Its result
//! is revealed when the Running time is over (or as soon as the work is done, if that takes longer).
//! Without `--storage` the storage is simulated (no I/O; rules in the README).
//!
//! [`EmulatorConfig::conversion_start_delay`]: crate::EmulatorConfig::conversion_start_delay
//! [`EmulatorConfig::conversion_duration`]: crate::EmulatorConfig::conversion_duration

mod api;
mod codes;
mod create_body;
mod hooks;
mod input_checks;
mod pipeline;
mod record;
mod result_files;
mod run;
mod settings;
mod storage;
mod table;
mod worker;

pub(crate) use api::{create, get, list};
pub use codes::{
    CONVERSION_FAIL_CODE, CONVERSION_FAIL_MESSAGE, INPUT_CONTAINER_ERROR, INPUT_MISSING_MESSAGE, LINKED_STORAGE_ERROR,
    LINKED_STORAGE_MESSAGE, OUTPUT_CONTAINER_ERROR, RESULT_INPUT_INVALID_CODE, RESULT_INPUT_INVALID_TITLE,
    RESULT_SETTINGS_INVALID_CODE, RESULT_SETTINGS_INVALID_TITLE, RESULT_UNSUPPORTED_FORMAT_CODE,
    RESULT_UNSUPPORTED_FORMAT_TITLE,
};
pub(crate) use hooks::{cancel_outcome, fail_outcome, force, snapshots};
pub use pipeline::{ConverterConfig, ConverterProfile, FbxConverter};
pub(crate) use record::format_z;
pub use record::{Conversion, ConversionSnapshot};
pub(crate) use table::ConversionTable;
pub(crate) use worker::worker;
