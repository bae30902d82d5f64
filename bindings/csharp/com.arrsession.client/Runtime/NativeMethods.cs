using System;
using System.Runtime.InteropServices;

namespace ArrSession.Native
{
    /// <summary>Receives the outcome of an <c>_async</c> call (<c>arr_callback</c>).</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate void ArrCallback(IntPtr userData, uint status, IntPtr json);

    /// <summary>Receives one log line (<c>arr_log_callback</c>).</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate void ArrLogCallback(IntPtr userData, uint level, IntPtr target, IntPtr message);

    /// <summary>Asks the host for a token (<c>arr_token_callback</c>).</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate void ArrTokenCallback(IntPtr userData, IntPtr request);

    /// <summary>
    /// The C ABI of <c>include/arr_session.h</c>, one declaration per function. Strings go in as
    /// NUL-terminated UTF-8 <c>byte[]</c> (see <see cref="Utf8"/>); strings that come out are
    /// <c>IntPtr</c>s owned by the caller and released with <see cref="arr_string_free"/>.
    /// </summary>
    internal static class NativeMethods
    {
#if UNITY_IOS && !UNITY_EDITOR
        internal const string Library = "__Internal";
#else
        internal const string Library = "arr_session";
#endif

        /// <summary>The <c>ARR_ABI_VERSION</c> this binding was written for.</summary>
        internal const uint AbiVersion = 1;

        internal const uint MaxLeaseMinutes = 1440;

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr arr_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_abi_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void arr_shutdown();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_new(byte[] configJson, out ClientHandle client);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_new_with_token_provider(
            byte[] configJson, uint kind, ArrTokenCallback callback, IntPtr userData, out ClientHandle client);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_close(ClientHandle client);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void arr_client_free(IntPtr client);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_cancel(ClientHandle client, ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr arr_last_error();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_set_log_callback(ArrLogCallback callback, IntPtr userData, uint maxLevel);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void arr_string_free(IntPtr s);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_token_request_complete(IntPtr request, byte[] token);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_token_request_fail(IntPtr request, byte[] message);

        // Session operations: a blocking form and an _async form each.

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_create_session(ClientHandle client, byte[] optionsJson, out IntPtr sessionJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_create_session_async(
            ClientHandle client, byte[] optionsJson, ArrCallback callback, IntPtr userData, out ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_session(ClientHandle client, byte[] sessionId, out IntPtr sessionJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_session_async(
            ClientHandle client, byte[] sessionId, ArrCallback callback, IntPtr userData, out ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_update_session(
            ClientHandle client, byte[] sessionId, uint maxLeaseTimeMinutes, out IntPtr sessionJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_update_session_async(
            ClientHandle client, byte[] sessionId, uint maxLeaseTimeMinutes, ArrCallback callback, IntPtr userData,
            out ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_extend_session(
            ClientHandle client, byte[] sessionId, uint byMinutes, out IntPtr sessionJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_extend_session_async(
            ClientHandle client, byte[] sessionId, uint byMinutes, ArrCallback callback, IntPtr userData,
            out ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_stop_session(ClientHandle client, byte[] sessionId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_owned_sessions(ClientHandle client, out IntPtr idsJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_stop_owned_sessions(ClientHandle client, uint timeoutMs, out IntPtr resultsJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_stop_owned_sessions_async(
            ClientHandle client, uint timeoutMs, ArrCallback callback, IntPtr userData, out ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_stop_session_async(
            ClientHandle client, byte[] sessionId, ArrCallback callback, IntPtr userData, out ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_list_sessions(ClientHandle client, out IntPtr sessionsJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_list_sessions_async(
            ClientHandle client, ArrCallback callback, IntPtr userData, out ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_wait_until_ready(
            ClientHandle client, byte[] sessionId, byte[] waitOptionsJson, out IntPtr sessionJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_wait_until_ready_async(
            ClientHandle client, byte[] sessionId, byte[] waitOptionsJson, ArrCallback callback, IntPtr userData,
            out ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_wait_for_sessions(
            ClientHandle client, byte[] sessionIdsJson, byte[] waitOptionsJson, out IntPtr resultsJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_wait_for_sessions_async(
            ClientHandle client, byte[] sessionIdsJson, byte[] waitOptionsJson, ArrCallback callback, IntPtr userData,
            out ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_access_token(ClientHandle client, out IntPtr json);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_access_token_async(
            ClientHandle client, ArrCallback callback, IntPtr userData, out ulong operationId);

        // The lease keeper: events through the callback (OK + an object), then one last call (OK + null,
        // CANCELLED, or another status with the error JSON).
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_keep_session(
            ClientHandle client, byte[] sessionId, byte[] optionsJson, ArrCallback eventCallback, IntPtr userData,
            out ulong operationId);

        // Asset conversions (api-version 2021-01-01): a blocking form and an _async form each.

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_create_conversion(
            ClientHandle client, byte[] conversionId, byte[] settingsJson, out IntPtr conversionJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_create_conversion_async(
            ClientHandle client, byte[] conversionId, byte[] settingsJson, ArrCallback callback, IntPtr userData,
            out ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_conversion(ClientHandle client, byte[] conversionId, out IntPtr conversionJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_conversion_async(
            ClientHandle client, byte[] conversionId, ArrCallback callback, IntPtr userData, out ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_list_conversions(ClientHandle client, out IntPtr conversionsJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_list_conversions_async(
            ClientHandle client, ArrCallback callback, IntPtr userData, out ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_wait_for_conversion(
            ClientHandle client, byte[] conversionId, byte[] waitOptionsJson, out IntPtr conversionJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_wait_for_conversion_async(
            ClientHandle client, byte[] conversionId, byte[] waitOptionsJson, ArrCallback callback, IntPtr userData,
            out ulong operationId);

        // Conversion preflight: settings checked locally, the input linted, result files read back, SAS signed.

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_conversion_check_settings(
            byte[] fileName, byte[] text, byte[] inputAsset, out IntPtr findingsJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_lint_conversion_input(
            ClientHandle client, byte[] settingsJson, byte[] optionsJson, out IntPtr lintJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_lint_conversion_input_async(
            ClientHandle client, byte[] settingsJson, byte[] optionsJson, ArrCallback callback, IntPtr userData,
            out ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_conversion_results(
            ClientHandle client, byte[] conversionId, byte[] optionsJson, out IntPtr conversionJson);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_client_get_conversion_results_async(
            ClientHandle client, byte[] conversionId, byte[] optionsJson, ArrCallback callback, IntPtr userData,
            out ulong operationId);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
        internal static extern uint arr_storage_sign_container_sas(
            byte[] containerUri, byte[] accountKey, byte[] optionsJson, out IntPtr sas);
    }
}
