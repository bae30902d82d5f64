using System;
using ArrSession.Native;

namespace ArrSession
{
    /// <summary>
    /// The native library as a whole: its version, the ABI check, and <see cref="Shutdown"/>, which must
    /// run before the library's callbacks become invalid (Unity: before a domain reload, and on quit).
    /// </summary>
    public static class ArrRuntime
    {
        private static readonly object Lock = new object();
        private static volatile bool _checked;
        private static bool _hooked;

        /// <summary>The version of the native library, e.g. "0.1.0".</summary>
        public static string NativeVersion
        {
            get
            {
                EnsureLoaded();
                return Utf8.FromNative(NativeMethods.arr_version());
            }
        }

        /// <summary>The ABI version this binding was written for.</summary>
        public static int ExpectedAbiVersion
        {
            get { return (int)NativeMethods.AbiVersion; }
        }

        /// <summary>
        /// Loads the native library and checks its ABI version; throws if it cannot be loaded or was built
        /// for another version of this binding. Called by every entry point.
        /// </summary>
        public static void EnsureLoaded()
        {
            if (_checked)
            {
                return;
            }
            uint actual;
            try
            {
                actual = NativeMethods.arr_abi_version();
            }
            catch (DllNotFoundException e)
            {
                throw new DllNotFoundException(
                    "cannot load the native library '" + NativeMethods.Library + "' (libarr_session.so / arr_session.dll / "
                    + "libarr_session.dylib); put it next to the application or on the loader's search path", e);
            }
            if (actual != NativeMethods.AbiVersion)
            {
                throw new InvalidOperationException(
                    "the native arr_session library has ABI version " + actual + ", but this C# binding was written for "
                    + NativeMethods.AbiVersion + "; use the library and the package from the same release");
            }
            _checked = true;
            HookProcessExit();
        }

        /// <summary>
        /// The library's threads stay attached to the managed runtime once they have called back into it;
        /// unless the library is shut down first, Mono waits for them at exit and the process hangs. So shut
        /// it down (without stopping sessions) when the process exits or this domain unloads.
        /// </summary>
        private static void HookProcessExit()
        {
            lock (Lock)
            {
                if (_hooked)
                {
                    return;
                }
                _hooked = true;
            }
            AppDomain.CurrentDomain.ProcessExit += OnExit;
            if (!AppDomain.CurrentDomain.IsDefaultAppDomain())
            {
                AppDomain.CurrentDomain.DomainUnload += OnExit;
            }
        }

        private static void OnExit(object sender, EventArgs e)
        {
            try
            {
                ShutdownNative();
            }
            catch (Exception)
            {
                // Exiting anyway.
            }
        }

        /// <summary>
        /// Shuts the native library down (<c>arr_shutdown</c>): closes every client — operations cancelled
        /// (tasks complete as cancelled, blocking calls throw <see cref="OperationCanceledException"/>),
        /// callbacks awaited, and for clients created with
        /// <see cref="RemoteRenderingClientOptions.StopOwnedSessionsOnClose"/> their owned sessions stopped,
        /// concurrently, each client within its close timeout — then unregisters the log callback and joins
        /// the library's threads. Clients created before answer <see cref="ArrStatus.Shutdown"/> afterwards;
        /// new clients work normally. Runs by itself at process exit; Unity calls it on quit and before every
        /// domain reload. Safe to call more than once, from any thread. While it runs, token providers are
        /// called on a thread-pool thread, not on their <see cref="RemoteRenderingClientOptions.TokenProviderContext"/>
        /// (whose thread is usually the one blocked here), so the stops can get a token.
        /// </summary>
        public static void Shutdown()
        {
            EnsureLoaded();
            ShutdownNative();
        }

        private static void ShutdownNative()
        {
            ArrLog.Uninstall();
            // Token requests of the stop-on-close skip TokenProviderContext meanwhile: this usually runs on
            // that context's thread (Unity's main thread), blocked until the sessions are stopped.
            Internal.TokenBridge.BeginShutdown();
            try
            {
                NativeMethods.arr_shutdown();
            }
            finally
            {
                Internal.TokenBridge.EndShutdown();
            }
        }

        /// <summary>
        /// <see cref="Shutdown"/> if this domain has used the library, else nothing (does not load the
        /// native library just to shut it down). For hooks such as Unity's before-reload.
        /// </summary>
        public static bool ShutdownIfLoaded()
        {
            if (!_checked)
            {
                return false;
            }
            Shutdown();
            return true;
        }
    }
}
