// The C ABI as P/Invoke sees it: enums, callback delegates and one DllImport per function.
// Generated from include/arr_session.h by scripts/gen_bindings.py; do not edit (the test command fails
// when this file differs from a fresh one). Regenerate with: python3 scripts/gen_bindings.py
using System;
using System.Runtime.InteropServices;

namespace ArrSession
{
    /// <summary>
    /// What an `arr_` function did. The numbers are part of the ABI: they are never changed or reused, and
    /// new ones are only added at the end.
    /// </summary>
    public enum ArrStatus
    {
        /// <summary>
        /// Success. Out-parameters have been written.
        /// </summary>
        Ok = 0,
        /// <summary>
        /// A required pointer argument was NULL.
        /// </summary>
        NullArgument = 1,
        /// <summary>
        /// An argument was invalid: not UTF-8, malformed JSON, unknown config key, bad session id, lease out
        /// of range, wrong size; or the service answered 400/422.
        /// </summary>
        InvalidArgument = 2,
        /// <summary>
        /// HTTP 404: no such session.
        /// </summary>
        NotFound = 3,
        /// <summary>
        /// HTTP 409: a session with that id exists with other settings.
        /// </summary>
        Conflict = 4,
        /// <summary>
        /// HTTP 401: missing, wrong or expired credentials (at the STS or the rendering endpoint).
        /// </summary>
        Unauthorized = 5,
        /// <summary>
        /// HTTP 403: valid credentials, but not for this account.
        /// </summary>
        Forbidden = 6,
        /// <summary>
        /// HTTP 429 after the retry policy gave up; the last error has `retryAfterSeconds`.
        /// </summary>
        Throttled = 7,
        /// <summary>
        /// HTTP 5xx after retries, or another unexpected status.
        /// </summary>
        ServiceError = 8,
        /// <summary>
        /// The service could not be reached, or the connection broke.
        /// </summary>
        Network = 9,
        /// <summary>
        /// A request or a wait ran past its configured time.
        /// </summary>
        Timeout = 10,
        /// <summary>
        /// The operation was cancelled (`arr_client_cancel`, `arr_client_free`, `arr_shutdown`).
        /// </summary>
        Cancelled = 11,
        /// <summary>
        /// The service's answer could not be read.
        /// </summary>
        Decode = 12,
        /// <summary>
        /// A wait ended because the session reached Error, Expired or Stopped (the last error has the session);
        /// or, as a keeper's last call, every kept session has ended.
        /// </summary>
        SessionEnded = 13,
        /// <summary>
        /// A bug: the library panicked. The call was abandoned; the process and the library live on.
        /// </summary>
        Panic = 14,
        /// <summary>
        /// The client was created before `arr_shutdown`; create a new one.
        /// </summary>
        Shutdown = 15,
        /// <summary>
        /// A blocking function was called from inside a library callback, where it could deadlock.
        /// </summary>
        BlockingInCallback = 16,
        /// <summary>
        /// The client was closed (`arr_client_close`); only `arr_client_free` is left to call.
        /// </summary>
        Closed = 17,
        /// <summary>
        /// The client was created in the parent process before `fork()`; create a new client in this process.
        /// Freeing it is safe and touches nothing the parent uses.
        /// </summary>
        Forked = 18,
    }

    /// <summary>
    /// Log levels, from most to least severe.
    /// </summary>
    public enum ArrLogLevel
    {
        /// <summary>
        /// No logging.
        /// </summary>
        Off = 0,
        /// <summary>
        /// Failures.
        /// </summary>
        Error = 1,
        /// <summary>
        /// Things that went wrong but were handled.
        /// </summary>
        Warn = 2,
        /// <summary>
        /// One line per request and per guard action.
        /// </summary>
        Info = 3,
        /// <summary>
        /// Details (token refreshes, retries).
        /// </summary>
        Debug = 4,
        /// <summary>
        /// Everything.
        /// </summary>
        Trace = 5,
    }

    /// <summary>
    /// What the tokens returned by a token callback are.
    /// </summary>
    internal enum ArrTokenKind
    {
        /// <summary>
        /// Mixed Reality access tokens, used as they are.
        /// </summary>
        AccessToken = 0,
        /// <summary>
        /// Microsoft Entra ID (AAD) tokens for the Mixed Reality STS, exchanged there for access tokens.
        /// </summary>
        Aad = 1,
    }

    internal static class ArrStatusNames
    {
        /// <summary>Maps a status name of the error JSON (<c>"ARR_STATUS_NOT_FOUND"</c>) to its value; null if unknown.</summary>
        internal static ArrStatus? Parse(string name)
        {
            switch (name)
            {
                case "ARR_STATUS_OK": return ArrStatus.Ok;
                case "ARR_STATUS_NULL_ARGUMENT": return ArrStatus.NullArgument;
                case "ARR_STATUS_INVALID_ARGUMENT": return ArrStatus.InvalidArgument;
                case "ARR_STATUS_NOT_FOUND": return ArrStatus.NotFound;
                case "ARR_STATUS_CONFLICT": return ArrStatus.Conflict;
                case "ARR_STATUS_UNAUTHORIZED": return ArrStatus.Unauthorized;
                case "ARR_STATUS_FORBIDDEN": return ArrStatus.Forbidden;
                case "ARR_STATUS_THROTTLED": return ArrStatus.Throttled;
                case "ARR_STATUS_SERVICE_ERROR": return ArrStatus.ServiceError;
                case "ARR_STATUS_NETWORK": return ArrStatus.Network;
                case "ARR_STATUS_TIMEOUT": return ArrStatus.Timeout;
                case "ARR_STATUS_CANCELLED": return ArrStatus.Cancelled;
                case "ARR_STATUS_DECODE": return ArrStatus.Decode;
                case "ARR_STATUS_SESSION_ENDED": return ArrStatus.SessionEnded;
                case "ARR_STATUS_PANIC": return ArrStatus.Panic;
                case "ARR_STATUS_SHUTDOWN": return ArrStatus.Shutdown;
                case "ARR_STATUS_BLOCKING_IN_CALLBACK": return ArrStatus.BlockingInCallback;
                case "ARR_STATUS_CLOSED": return ArrStatus.Closed;
                case "ARR_STATUS_FORKED": return ArrStatus.Forked;
                default: return null;
            }
        }
    }
}

namespace ArrSession.Native
{
    /// <summary>
    /// Receives the outcome of an `_async` call, exactly once: `status` is `ARR_STATUS_OK` and `json` the
    /// result (a session object, an array, or `null` for stop), or another status and `json` the error object
    /// (the same JSON `arr_last_error` gives). For a stream (`arr_client_keep_session`), each event comes with
    /// `ARR_STATUS_OK`, and the first call with another status is the last. `json` is borrowed for the
    /// duration of the call.
    /// </summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate void ArrCallback(IntPtr userData, uint status, IntPtr json);

    /// <summary>
    /// Asks the host for a token: `request` must be answered exactly once (within 60 s).
    /// </summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate void ArrTokenCallback(IntPtr userData, IntPtr request);

    /// <summary>
    /// Receives one log line: level, target (e.g. `arr_session::http`) and message, borrowed for the call.
    /// </summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate void ArrLogCallback(IntPtr userData, uint level, IntPtr target, IntPtr message);

    internal static partial class NativeMethods
    {
#if UNITY_IOS && !UNITY_EDITOR
        // iOS links the static library into the app.
        internal const string Library = "__Internal";
#else
        internal const string Library = "arr_session";
#endif

        internal const uint AbiVersion = 2;
        internal const uint MaxLeaseMinutes = 1440;

        /// <summary>
        /// The library version, e.g. `"0.1.0"`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr arr_version();

        /// <summary>
        /// The ABI version the library was built with; equal to `ARR_ABI_VERSION` in a matching header.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_abi_version();

        /// <summary>
        /// Closes every client (as `arr_client_close`: operations cancelled, callbacks awaited, and with
        /// `"stopOwnedSessionsOnClose": true` their owned sessions stopped, each within its `closeTimeoutMs`;
        /// also for a client another thread is closing or freeing at the time), then stops the library's threads
        /// and joins them (workers, callback and log threads). Call it before unloading the library (Unity:
        /// before a domain reload and on quit). Clients created before it answer `ARR_STATUS_SHUTDOWN` afterwards
        /// (free them as usual); clients created after it work normally. Managed hosts (Mono, .NET, Python)
        /// should call it before the process exits: the runtime waits for threads that have run managed callbacks.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void arr_shutdown();

        /// <summary>
        /// A currently valid Mixed Reality access token (from the cache, or a fresh STS exchange), as JSON
        /// `{"accessToken": "..."}`. For handing to a renderer or backend: it is a secret, never log it.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_access_token(ClientHandle client, out IntPtr outJson);

        /// <summary>
        /// `arr_client_get_access_token`, completing through `callback`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_access_token_async(ClientHandle client, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Creates a session and waits until it is Ready; when it ends in Error for lack of capacity (its error
        /// code one of `codes`, by default `CapacityExceeded`), stops it and creates one of the next of `sizes`,
        /// then every size again at each of `endpoints` (same account and credential). `options_json` as for
        /// `arr_client_create_session` (an id is used for the first try, `&lt;id&gt;-2`, ... after); `wait_options_json`
        /// as for `arr_client_wait_until_ready` (NULL: no timeout; the timeout applies to each try);
        /// `fallback_json`: `{"sizes"?: ["Premium"], "endpoints"?: ["https://..."], "codes"?: ["..."]}`. On success
        /// `*out_json` is `{"session": {...Ready...}, "fallbacks": [{"failedSessionId", "failedSize",
        /// "failedEndpoint", "code", "message", "stopped", "nextSize", "nextEndpoint"}]}`. Any other failure ends
        /// the call as a wait would (`ARR_STATUS_SESSION_ENDED` with the session in the error).
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_create_session_with_fallback(ClientHandle client, byte[] optionsJson, byte[] waitOptionsJson, byte[] fallbackJson, out IntPtr outJson);

        /// <summary>
        /// `arr_client_create_session_with_fallback`, completing through `callback`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_create_session_with_fallback_async(ClientHandle client, byte[] optionsJson, byte[] waitOptionsJson, byte[] fallbackJson, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Creates a client from a JSON configuration, e.g.
        /// `{"endpoint":"westus2","accountId":"&lt;guid&gt;","accountDomain":"westus2","accountKey":"&lt;key&gt;"}`.
        /// Keys: endpoint, accountId, accountDomain, stsEndpoint, accountKey | accessToken, apiVersion
        /// ("2021-01-01" or "v1"), connectTimeoutMs, requestTimeoutMs, retry {maxRetries, baseDelayMs,
        /// maxDelayMs}, pollIntervalMs, userAgentSuffix, proxy ("system", "none" or a URL), extraRootCaPem,
        /// allowInsecureHttp. Unknown keys and bad values fail with ARR_STATUS_INVALID_ARGUMENT naming the key.
        /// Nothing is sent until the first operation.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_new(byte[] configJson, out ClientHandle outClient);

        /// <summary>
        /// Creates a client whose access tokens come from `callback` (for Entra ID (AAD) tokens, or Mixed
        /// Reality tokens minted by your backend). `config_json` is as for `arr_client_new` without
        /// `accountKey`/`accessToken`. With `ARR_TOKEN_KIND_ACCESS_TOKEN` the tokens are used as they are; with
        /// `ARR_TOKEN_KIND_AAD` they are exchanged at the STS (`accountDomain` or `stsEndpoint` needed). The
        /// callback is asked when no valid token is cached and after the service refused one.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_new_with_token_provider(byte[] configJson, uint kind, ArrTokenCallback callback, IntPtr userData, out ClientHandle outClient);

        /// <summary>
        /// Closes a client: cancels every operation of it (blocking calls in other threads return
        /// ARR_STATUS_CANCELLED; async callbacks run with ARR_STATUS_CANCELLED unless they had finished; a keeper
        /// ends with its last call, ARR_STATUS_CANCELLED) and waits for their callbacks; then, with
        /// `"stopOwnedSessionsOnClose": true`, waits for creates still at the service (a service carries out a
        /// create it accepted, so its outcome decides whether there is a session to stop) and stops every session
        /// the client owns, all within `closeTimeoutMs` (default 10 s). From then on every call on the client
        /// returns ARR_STATUS_CLOSED, and no callback of it (token callbacks included) starts. Called again, or
        /// while another thread closes the client (`arr_shutdown` included), it waits for that close and returns
        /// ARR_STATUS_OK. `arr_client_free` calls it when it was not called.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_close(ClientHandle client);

        /// <summary>
        /// Frees a client, closing it first if it was not closed (see `arr_client_close`, whose rules for calls
        /// from inside callbacks apply here too). No callback of the client runs after this returns, except the
        /// ones `arr_client_close` names. `arr_client_free(NULL)` does nothing. A client inherited from the
        /// parent process through `fork()` is freed without touching anything the parent still uses (its
        /// connections and threads are the parent's).
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void arr_client_free(IntPtr client);

        /// <summary>
        /// Cancels an operation started by one of the client's `_async` functions. Its callback then runs with
        /// ARR_STATUS_CANCELLED (unless it had already finished). Returns ARR_STATUS_NOT_FOUND if the operation
        /// is not in flight (already finished, or of another client); ARR_STATUS_CLOSED once the client is being
        /// closed or is closed (its operations are cancelled by that close), ARR_STATUS_SHUTDOWN for a client
        /// created before `arr_shutdown`. Cancelling a wait stops waiting only; the
        /// session keeps running.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_cancel(ClientHandle client, ulong operationId);

        /// <summary>
        /// Starts converting a model into an `.arrAsset` (api-version 2021-01-01). `settings_json` is the REST
        /// `conversion_settings`: `{"inputLocation": {"storageContainerUri": "https://acct.blob.core.windows.net/in",
        /// "storageContainerReadListSas"?: "?sv=...", "blobPrefix"?: "models/", "relativeInputAssetPath": "house.fbx"},
        /// "outputLocation": {"storageContainerUri": "...", "storageContainerWriteSas"?: "?sv=...", "blobPrefix"?: "out/",
        /// "outputAssetFilename"?: "house.arrAsset"}}` (no SAS when the storage account is linked to the ARR
        /// account). On success `*out_conversion_json` is the conversion: `{"id","settings","status","error",
        /// "output"?,"creationTime"}`, status NotStarted, settings as the service normalised them, never a SAS.
        /// A create retried with the same id and settings finds the conversion instead of starting another.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_create_conversion(ClientHandle client, byte[] conversionId, byte[] settingsJson, out IntPtr outConversionJson);

        /// <summary>
        /// `arr_client_create_conversion`, completing through `callback` with the conversion JSON.
        /// `*out_operation_id` (if not NULL) receives an id for `arr_client_cancel`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_create_conversion_async(ClientHandle client, byte[] conversionId, byte[] settingsJson, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Gets a conversion's current state (the JSON of `arr_client_create_conversion`; `output.outputAssetUri`
        /// once Succeeded, `error` once Failed).
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_conversion(ClientHandle client, byte[] conversionId, out IntPtr outConversionJson);

        /// <summary>
        /// `arr_client_get_conversion`, completing through `callback`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_conversion_async(ClientHandle client, byte[] conversionId, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Lists every conversion of the account (all states, every page) as a JSON array of conversions.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_list_conversions(ClientHandle client, out IntPtr outConversionsJson);

        /// <summary>
        /// `arr_client_list_conversions`, completing through `callback`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_list_conversions_async(ClientHandle client, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Waits until the conversion is Succeeded, Failed or Cancelled, polling it (every 10 s, or the
        /// configured interval; Retry-After honoured), and returns it in that state: a failed conversion is
        /// ARR_STATUS_OK with `"status": "Failed"` and its `error`. `wait_options_json` may be NULL or
        /// `{"timeoutMs": 600000, "pollIntervalMs": 2000}`. Fails with ARR_STATUS_TIMEOUT or ARR_STATUS_CANCELLED
        /// when the wait ends first; ending a wait never cancels the conversion.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_wait_for_conversion(ClientHandle client, byte[] conversionId, byte[] waitOptionsJson, out IntPtr outConversionJson);

        /// <summary>
        /// `arr_client_wait_for_conversion`, completing through `callback`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_wait_for_conversion_async(ClientHandle client, byte[] conversionId, byte[] waitOptionsJson, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Lists the account's Starting and Ready sessions with what each is billed so far, and the totals:
        /// `{"sessions": [{"id", "size", "status", "billedMinutes", "cost"?}], "totalMinutes", "totalCost"?,
        /// "currency"?}`. A session is billed from its creation to its stop or expiry, whole minutes rounded up.
        /// `prices_json` (NULL: minutes only): `{"currency": "USD", "perHour": {"Standard": 3.0, "Premium": 12.0}}`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_list_session_costs(ClientHandle client, byte[] pricesJson, out IntPtr outJson);

        /// <summary>
        /// `arr_client_list_session_costs`, completing through `callback`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_list_session_costs_async(ClientHandle client, byte[] pricesJson, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Runs the doctor's checks for the client's settings: `{"checks": [{"name", "result": "ok" | "warning"
        /// | "failure", "message", "fix"?}]}`, in the order run. A check that finds a problem is a result, not a
        /// failed call: the status is OK whatever the checks found. `options_json` (NULL: the defaults):
        /// `{"sessionId"?: "...", "connectTimeoutMs"?: 5000}`; with a session id, its handshake and inspector
        /// ports are tried.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_diagnose(ClientHandle client, byte[] optionsJson, out IntPtr outJson);

        /// <summary>
        /// `arr_client_diagnose`, completing through `callback`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_diagnose_async(ClientHandle client, byte[] optionsJson, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Details of the last failed `arr_` call on this thread, as JSON, e.g.
        /// `{"status":"ARR_STATUS_NOT_FOUND","httpStatus":404,"code":null,"message":"...","msCv":"...","retryAfterSeconds":null,"details":[]}`.
        /// Returns NULL if the last call on this thread succeeded (every call but `arr_string_free`,
        /// `arr_last_response` and this one clears it on entry).
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr arr_last_error();

        /// <summary>
        /// Keeps a session alive: renews its lease (absolute totals computed from the service's own
        /// `elapsedTimeMinutes`/`maxLeaseTimeMinutes`, so two keepers or a restart never add twice), never beyond
        /// a cap, and warns before an end that will not be renewed. `options_json` may be NULL (defaults) or
        /// `{"extendByMinutes": 30, "renewBelowMinutes": 10, "maxTotalMinutes": 1440, "pollIntervalMs": 60000,
        /// "warnAtMinutes": [10, 2]}`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_keep_session(ClientHandle client, byte[] sessionId, byte[] optionsJson, ArrCallback eventCallback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Keeps many sessions alive with one list request per poll (plus a GET for a session the list no longer
        /// shows, to learn how it ended). `session_ids_json`: `["a", "b"]`. As `arr_client_keep_session`
        /// otherwise: the events name their session (`sessionId`), a session that cannot be kept is only its
        /// `failed` event, and the last call, ARR_STATUS_SESSION_ENDED, comes once every one of them has ended or
        /// failed.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_keep_sessions(ClientHandle client, byte[] sessionIdsJson, byte[] optionsJson, ArrCallback eventCallback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// The HTTP status and MS-CV of the service's answer to the last call that succeeded on this thread, as
        /// JSON `{"httpStatus":201,"msCv":"k3F...A.0"}`: after a blocking call, on the thread that made it; inside
        /// an async callback, of that callback's operation (call it there). NULL when that call's result came
        /// from no single answer (a wait for many sessions, stopping owned sessions, a token) or failed (see
        /// `arr_last_error`). A list that took several pages reports the answer with its last page. Every call but `arr_string_free`, `arr_last_error` and this one clears it on entry.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr arr_last_response();

        /// <summary>
        /// Sends the library's log lines at `max_level` (an `arr_log_level`) or more severe to `callback`; a NULL callback or
        /// `ARR_LOG_LEVEL_OFF` turns logging off. Lines name method, path, status, MS-CV and duration of each
        /// request; account keys, tokens and Authorization headers never appear.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_set_log_callback(ArrLogCallback callback, IntPtr userData, uint maxLevel);

        /// <summary>
        /// Stops every session this client owns (created through it, unless created with `"owned": false`),
        /// concurrently, within `timeout_ms`. The result is `[{"id": "a", "status": "ARR_STATUS_OK"}, {"id":
        /// "b", "status": "ARR_STATUS_TIMEOUT", "error": {...}}]`; a session the service no longer knows counts as
        /// stopped. Configure `"stopOwnedSessionsOnClose": true` to have `arr_client_free` do this itself.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_stop_owned_sessions(ClientHandle client, uint timeoutMs, out IntPtr outResultsJson);

        /// <summary>
        /// The ids of the sessions this client owns (see `arr_client_stop_owned_sessions`), as a JSON array.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_owned_sessions(ClientHandle client, out IntPtr outIdsJson);

        /// <summary>
        /// `arr_client_stop_owned_sessions`, completing through `callback`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_stop_owned_sessions_async(ClientHandle client, uint timeoutMs, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Checks one conversion settings file against the service's published rules, locally (nothing is
        /// sent). `file_name` decides the kind (`&lt;model&gt;.ConversionSettings.json`, the deprecated
        /// `conversionSettings.json`, or `&lt;model&gt;.MaterialOverrides.json`; another name is judged by the content)
        /// and names the file in the findings; `text` is its content; `input_asset` (may be NULL) is the model's
        /// name, for the point-cloud rules. On success `*out_findings_json` is an array of findings, empty when
        /// the file is fine: `[{"severity":"error"|"warning"|"info","rule":"enum","file":"box.ConversionSettings.json",
        /// "path":"/axis/0","message":"..."}]`. A file with problems is still ARR_STATUS_OK: the findings say what.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_conversion_check_settings(byte[] fileName, byte[] text, byte[] inputAsset, out IntPtr outFindingsJson);

        /// <summary>
        /// Checks a conversion's input before creating it: its SAS tokens (permissions, expiry), then, listing
        /// the input container under the prefix (with the input SAS, or a one-hour read+list SAS signed from
        /// `"storageAccountKey"`), the model (exists, supported format), its settings files, the files it refers
        /// to (glTF buffers and images, FBX textures: absolute, outside the prefix, missing), names the service
        /// mishandles (`&amp;`, Windows path limits) and what the service will download. Nothing is sent to the ARR
        /// service. `settings_json` is the create call's (`{"inputLocation": {...}, "outputLocation": {...}}`, SAS
        /// included); `options_json` may be NULL or `{"storageAccountKey"?: "...", "storageAccountName"?: "...",
        /// "scanBytes"?: 16777216}`. On success `*out_lint_json` is `{"findings": [...], "inputBlob": "models/box.fbx",
        /// "inputSize": 1234|null, "listed": true, "blobCount": 3, "totalBytes": 5678, "settingsFiles": [...]}`,
        /// errors first; problems are findings, not a failing status.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_lint_conversion_input(ClientHandle client, byte[] settingsJson, byte[] optionsJson, out IntPtr outLintJson);

        /// <summary>
        /// `arr_client_lint_conversion_input`, completing through `callback` with the lint JSON.
        /// `*out_operation_id` (if not NULL) receives an id for `arr_client_cancel`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_lint_conversion_input_async(ClientHandle client, byte[] settingsJson, byte[] optionsJson, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// The conversion as `arr_client_get_conversion` returns it, and, once it has ended (Succeeded, Failed
        /// or Cancelled), what the service wrote about it in the output container: `"results": {"resultFile":
        /// "out/box.result.json"|null, "outcome": "succeeded"|"failed"|"succeeded with warnings"|null, "messages":
        /// [{"kind": "error"|"warning"|"internal error"|"internal warning", "code": "...", "title": "...",
        /// "details"?: {...}}], "internalConversionId"?: "...", "infoFile": ...|null, "info": {...}|null (the info
        /// file as written: inputStatistics, outputStatistics, ...), "lookedFor": [...]}`. `options_json` (may be
        /// NULL) is `{"outputSas"?: "?sv=...", "storageAccountKey"?: "...", "storageAccountName"?: "..."}`: the
        /// output SAS needs read (`r`); without either the call fails with ARR_STATUS_INVALID_ARGUMENT naming
        /// `outputSas`. A result file the service did not write is not an error (`"resultFile": null`).
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_conversion_results(ClientHandle client, byte[] conversionId, byte[] optionsJson, out IntPtr outConversionJson);

        /// <summary>
        /// `arr_client_get_conversion_results`, completing through `callback` with the conversion JSON.
        /// `*out_operation_id` (if not NULL) receives an id for `arr_client_cancel`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_conversion_results_async(ClientHandle client, byte[] conversionId, byte[] optionsJson, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Signs a container SAS from a storage account key, with the least permissions a conversion needs:
        /// `{"purpose": "input"}` gives read+list (`sp=rl`), `{"purpose": "output"}` write+read (`sp=rw`: write
        /// for the service, read to read the result files back). Options: `"permissions"?: "r"` (letters of
        /// `racwdl`) instead, `"validForSeconds"?: 86400` (the default, a day; at most 365 days), `"accountName"?`
        /// when `container_uri` does not show the account (path-style URLs like Azurite's name it first). On
        /// success `*out_sas` is the query string with its leading `?` (`?sv=...&amp;sr=c&amp;...&amp;sig=...`), the form the
        /// conversion settings take. The key and the token are never logged or put in an error.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_storage_sign_container_sas(byte[] containerUri, byte[] accountKey, byte[] optionsJson, out IntPtr outSas);

        /// <summary>
        /// Stops every Starting or Ready session billed for longer than `olderThanMinutes` (from creation).
        /// `options_json`: `{"olderThanMinutes": 120, "size"?: "Premium", "dryRun"?: false, "prices"?: {...}}`.
        /// On success `*out_json` is `{"dryRun", "sessions": [{"session", "billedMinutes", "savedMinutes",
        /// "savedCost"?, "stopped", "error"?}], "savedMinutes", "savedCost"?}`: a stop that failed is reported in
        /// its entry (`error`, the last-error object) and the others are still stopped.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_reap_sessions(ClientHandle client, byte[] optionsJson, out IntPtr outJson);

        /// <summary>
        /// `arr_client_reap_sessions`, completing through `callback`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_reap_sessions_async(ClientHandle client, byte[] optionsJson, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Creates a session. `options_json`: `{"id": "my-session", "size": "Standard", "maxLeaseTimeMinutes": 60}`
        /// (`id` optional: a GUID is chosen when absent; must be absent with api-version v1; `size` Standard or
        /// Premium in any case; lease 0 to 1440; `"owned": false` keeps it out of `arr_client_stop_owned_sessions`). On success `*out_session_json` is the session (status Starting).
        /// A create retried with the same id and settings finds the session instead of making a second.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_create_session(ClientHandle client, byte[] optionsJson, out IntPtr outSessionJson);

        /// <summary>
        /// `arr_client_create_session`, completing through `callback` with the session JSON.
        /// `*out_operation_id` (if not NULL) receives an id for `arr_client_cancel`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_create_session_async(ClientHandle client, byte[] optionsJson, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Gets a session's properties. A stopped session stays readable.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_session(ClientHandle client, byte[] sessionId, out IntPtr outSessionJson);

        /// <summary>
        /// `arr_client_get_session`, completing through `callback`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_session_async(ClientHandle client, byte[] sessionId, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Sets the session's lease to `max_lease_time_minutes` in total (absolute, not added): larger than the
        /// current lease, at most 1440. Setting the current value again succeeds.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_update_session(ClientHandle client, byte[] sessionId, uint maxLeaseTimeMinutes, out IntPtr outSessionJson);

        /// <summary>
        /// `arr_client_update_session`, completing through `callback`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_update_session_async(ClientHandle client, byte[] sessionId, uint maxLeaseTimeMinutes, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Extends the lease by `by_minutes` (1 to 1440): reads the current lease, then sets current + by. The
        /// safe way to renew, since the lease is absolute.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_extend_session(ClientHandle client, byte[] sessionId, uint byMinutes, out IntPtr outSessionJson);

        /// <summary>
        /// `arr_client_extend_session`, completing through `callback`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_extend_session_async(ClientHandle client, byte[] sessionId, uint byMinutes, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Stops the session (billing ends). Stopping a stopped session succeeds.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_stop_session(ClientHandle client, byte[] sessionId);

        /// <summary>
        /// `arr_client_stop_session`, completing through `callback` (with JSON `null` on success).
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_stop_session_async(ClientHandle client, byte[] sessionId, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Lists the account's Starting and Ready sessions (all pages) as a JSON array of sessions.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_list_sessions(ClientHandle client, out IntPtr outSessionsJson);

        /// <summary>
        /// `arr_client_list_sessions`, completing through `callback`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_list_sessions_async(ClientHandle client, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Frees a string returned by this library. `arr_string_free(NULL)` does nothing. Unlike every other
        /// call, it leaves `arr_last_error()` as it is.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void arr_string_free(IntPtr s);

        /// <summary>
        /// Answers a token request with a token. Surrounding whitespace is trimmed; a token holding any other
        /// character that cannot go into an HTTP header is refused with ARR_STATUS_INVALID_ARGUMENT (naming
        /// `token`), and the operation that needed it fails with that error; nothing is sent.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_token_request_complete(IntPtr request, byte[] token);

        /// <summary>
        /// Answers a token request with a failure; the operation that needed the token fails with
        /// ARR_STATUS_UNAUTHORIZED and `message` in its error.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_token_request_fail(IntPtr request, byte[] message);

        /// <summary>
        /// Waits until the session is Ready, polling it (2 s for Standard, 10 s otherwise, or the configured
        /// interval; Retry-After honoured). `wait_options_json` may be NULL or `{"timeoutMs": 600000,
        /// "pollIntervalMs": 2000}`. Fails with ARR_STATUS_SESSION_ENDED (the error JSON has the `session`) if it
        /// reaches Error, Expired or Stopped, ARR_STATUS_TIMEOUT, or ARR_STATUS_CANCELLED. Ending a wait never
        /// stops the session.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_wait_until_ready(ClientHandle client, byte[] sessionId, byte[] waitOptionsJson, out IntPtr outSessionJson);

        /// <summary>
        /// `arr_client_wait_until_ready`, completing through `callback`; cancel it with `arr_client_cancel`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_wait_until_ready_async(ClientHandle client, byte[] sessionId, byte[] waitOptionsJson, ArrCallback callback, IntPtr userData, out ulong outOperationId);

        /// <summary>
        /// Waits for many sessions at once with one list request per poll (plus a GET for each awaited session
        /// that left the list). `session_ids_json`: `["a", "b"]`. The result is an array in the same order:
        /// `{"id": "a", "status": "ARR_STATUS_OK", "session": {...}}` or `{"id": "b", "status":
        /// "ARR_STATUS_NOT_FOUND", "error": {...}}`; sessions still starting at the timeout get ARR_STATUS_TIMEOUT.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_wait_for_sessions(ClientHandle client, byte[] sessionIdsJson, byte[] waitOptionsJson, out IntPtr outResultsJson);

        /// <summary>
        /// `arr_client_wait_for_sessions`, completing through `callback`.
        /// </summary>
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_wait_for_sessions_async(ClientHandle client, byte[] sessionIdsJson, byte[] waitOptionsJson, ArrCallback callback, IntPtr userData, out ulong outOperationId);
    }
}
