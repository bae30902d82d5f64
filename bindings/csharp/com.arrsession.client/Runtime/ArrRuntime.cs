using System;
using System.Collections.Generic;
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
        private static readonly List<WeakReference> Clients = new List<WeakReference>();
        private static bool _checked;
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
                ArrLog.Uninstall();
                NativeMethods.arr_shutdown();
            }
            catch (Exception)
            {
                // Exiting anyway.
            }
        }

        /// <summary>
        /// Cancels every operation in flight (their tasks complete as cancelled), waits until their
        /// callbacks have returned, unregisters the log callback, and stops the library's threads. With
        /// <paramref name="stopSessions"/>, first stops the sessions each live client started and has not
        /// stopped (unless its <see cref="RemoteRenderingClient.StopSessionsOnShutdown"/> is false); this
        /// blocks for the stop requests. Clients created before answer <see cref="ArrStatus.Shutdown"/>
        /// afterwards; new clients work normally. Safe to call more than once.
        /// </summary>
        public static void Shutdown(bool stopSessions)
        {
            EnsureLoaded();
            if (stopSessions)
            {
                foreach (RemoteRenderingClient client in LiveClients())
                {
                    if (client.StopSessionsOnShutdown)
                    {
                        client.StopStartedSessions();
                    }
                }
            }
            ArrLog.Uninstall();
            NativeMethods.arr_shutdown();
        }

        internal static void Register(RemoteRenderingClient client)
        {
            lock (Lock)
            {
                Clients.RemoveAll(w => !w.IsAlive);
                Clients.Add(new WeakReference(client));
            }
        }

        internal static void Unregister(RemoteRenderingClient client)
        {
            lock (Lock)
            {
                Clients.RemoveAll(w => !w.IsAlive || ReferenceEquals(w.Target, client));
            }
        }

        private static List<RemoteRenderingClient> LiveClients()
        {
            var result = new List<RemoteRenderingClient>();
            lock (Lock)
            {
                foreach (WeakReference w in Clients)
                {
                    var client = w.Target as RemoteRenderingClient;
                    if (client != null)
                    {
                        result.Add(client);
                    }
                }
            }
            return result;
        }
    }
}
