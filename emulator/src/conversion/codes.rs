//! Error codes and messages of conversions, as the service sends them (or inferred where marked).

/// The 2024 service's code for a conversion whose input file is missing (protocol.md §4.2).
pub const INPUT_CONTAINER_ERROR: &str = "InputContainerError";
/// The 2024 service's message for a missing input file (protocol.md §4.2).
pub const INPUT_MISSING_MESSAGE: &str = "Could not find the asset file in the storage account. Please make sure all paths and names are correct and the file is uploaded to storage.";
/// The 2024 service's code for a create refused because linked storage is not accessible (403).
pub const LINKED_STORAGE_ERROR: &str = "LinkedStorageAccessFailure";
/// The 2024 service's message for [`LINKED_STORAGE_ERROR`] (protocol.md §4.1).
pub const LINKED_STORAGE_MESSAGE: &str = "Storage account not linked or linked with insufficient permissions. Documentation on how to link Remote Rendering Accounts to storage can be found here: https://docs.microsoft.com/azure/remote-rendering/how-tos/create-an-account#link-storage-accounts.";
/// Code of a conversion that could not write its output (inferred: the real code is not recorded).
pub const OUTPUT_CONTAINER_ERROR: &str = "OutputContainerError";
/// Default code of `POST /_emulator/conversions/{id}/fail`: the 2021-2022 service's conversion error.
pub const CONVERSION_FAIL_CODE: &str = "ConversionProcessFailed";
/// Default message of `POST /_emulator/conversions/{id}/fail` (the 2021-2022 service's text).
pub const CONVERSION_FAIL_MESSAGE: &str = "Invalid input provided. Check logs in output container for details.";

/// Result-file error code of an input the converter cannot open: the code and title the service wrote
/// for a referenced file it could not open (ARR issue #82, 2022); used for a missing input (inferred).
pub const RESULT_INPUT_INVALID_CODE: &str = "2007";
/// Title of [`RESULT_INPUT_INVALID_CODE`] (recorded, ARR issue #82).
pub const RESULT_INPUT_INVALID_TITLE: &str = "The input asset is not valid.";
/// Result-file error code of an input in a format or version the service does not convert (inferred).
pub const RESULT_UNSUPPORTED_FORMAT_CODE: &str = "2008";
/// Title of [`RESULT_UNSUPPORTED_FORMAT_CODE`] (inferred).
pub const RESULT_UNSUPPORTED_FORMAT_TITLE: &str = "The input asset format is not supported.";
/// Result-file error code of a `<model>.ConversionSettings.json` the service refuses (inferred).
pub const RESULT_SETTINGS_INVALID_CODE: &str = "1001";
/// Title of [`RESULT_SETTINGS_INVALID_CODE`] (inferred).
pub const RESULT_SETTINGS_INVALID_TITLE: &str = "The conversion settings are not valid.";

/// Result-file warning code of a texture the model refers to that is not in storage (documented example:
/// `{"warning":"4004","title":"Missing texture","details":{"texture":...}}`).
pub const RESULT_MISSING_TEXTURE_CODE: &str = "4004";
/// Title of [`RESULT_MISSING_TEXTURE_CODE`] (documented).
pub const RESULT_MISSING_TEXTURE_TITLE: &str = "Missing texture";
/// Result-file warning code of a conversion setting the pipeline converter cannot honour (inferred).
pub const RESULT_SETTING_NOT_HONOURED_CODE: &str = "4010";
/// Title of [`RESULT_SETTING_NOT_HONOURED_CODE`] (inferred).
pub const RESULT_SETTING_NOT_HONOURED_TITLE: &str = "Conversion setting not supported";
/// Result-file error code of a converter tool that crashed, exited unexpectedly or is not installed
/// (pipeline converter; inferred).
pub const RESULT_CONVERTER_FAILED_CODE: &str = "3001";
/// Title of [`RESULT_CONVERTER_FAILED_CODE`] (inferred).
pub const RESULT_CONVERTER_FAILED_TITLE: &str = "The converter stopped unexpectedly.";
/// Result-file error code of a converter tool that ran past its time limit (pipeline converter; inferred).
pub const RESULT_CONVERTER_TIMEOUT_CODE: &str = "3002";
/// Title of [`RESULT_CONVERTER_TIMEOUT_CODE`] (inferred).
pub const RESULT_CONVERTER_TIMEOUT_TITLE: &str = "The conversion ran past its time limit.";
