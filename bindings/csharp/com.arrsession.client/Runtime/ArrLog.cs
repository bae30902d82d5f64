using System;
using ArrSession.Native;

namespace ArrSession
{
    /// <summary>Receives the library's log lines. Called from library threads, possibly concurrently.</summary>
    public interface IArrLogSink
    {
        void Log(ArrLogLevel level, string target, string message);
    }

    /// <summary>
    /// Routes the library's logs (method, path, status, MS-CV and duration of each request; never keys or
    /// tokens) to a sink: Unity's <c>Debug.Log</c> in the Unity part, anything else elsewhere.
    /// </summary>
    public static class ArrLog
    {
        private static readonly object Lock = new object();
        private static readonly ArrLogCallback LogCallback = OnLog;
        private static volatile IArrLogSink _sink;
        private static ArrLogLevel _level = ArrLogLevel.Off;
        private static bool _installed;

        /// <summary>The current sink, or null.</summary>
        public static IArrLogSink Sink
        {
            get { return _sink; }
        }

        /// <summary>Sends lines at <paramref name="maxLevel"/> or more severe to <paramref name="sink"/>; null turns logging off.</summary>
        public static void SetSink(IArrLogSink sink, ArrLogLevel maxLevel)
        {
            ArrRuntime.EnsureLoaded();
            lock (Lock)
            {
                _sink = sink;
                _level = sink == null ? ArrLogLevel.Off : maxLevel;
                Install();
            }
        }

        /// <summary>Sends lines to a delegate; see <see cref="SetSink(IArrLogSink, ArrLogLevel)"/>.</summary>
        public static void SetSink(Action<ArrLogLevel, string, string> sink, ArrLogLevel maxLevel)
        {
            SetSink(sink == null ? null : new DelegateSink(sink), maxLevel);
        }

        /// <summary>Re-registers the callback (after <see cref="ArrRuntime.Shutdown"/> unregistered it).</summary>
        internal static void Install()
        {
            lock (Lock)
            {
                bool on = _sink != null && _level != ArrLogLevel.Off;
                uint status = NativeMethods.arr_set_log_callback(on ? LogCallback : null, IntPtr.Zero, on ? (uint)_level : 0u);
                if (status != (uint)ArrStatus.Ok)
                {
                    throw Internal.ErrorMapper.FromLastError(status);
                }
                _installed = on;
            }
        }

        /// <summary>Unregisters the native callback without forgetting the sink (before a domain unload).</summary>
        internal static void Uninstall()
        {
            lock (Lock)
            {
                NativeMethods.arr_set_log_callback(null, IntPtr.Zero, 0u);
                _installed = false;
            }
        }

        /// <summary>Registers the callback again if a sink is set but the callback is not (after a shutdown).</summary>
        internal static void EnsureInstalled()
        {
            lock (Lock)
            {
                if (!_installed && _sink != null && _level != ArrLogLevel.Off)
                {
                    Install();
                }
            }
        }

        /// <summary>Reports an exception thrown by user code inside a library callback (it must not escape).</summary>
        internal static void ReportCallbackException(string where, Exception e)
        {
            try
            {
                IArrLogSink sink = _sink;
                if (sink != null)
                {
                    sink.Log(ArrLogLevel.Error, "arr_session::csharp", "exception in " + where + ": " + e);
                }
            }
            catch (Exception)
            {
                // Nowhere left to report it; never let it reach native code.
            }
        }

        [AOT.MonoPInvokeCallback(typeof(ArrLogCallback))]
        private static void OnLog(IntPtr userData, uint level, IntPtr target, IntPtr message)
        {
            try
            {
                IArrLogSink sink = _sink;
                if (sink != null)
                {
                    sink.Log((ArrLogLevel)level, Utf8.FromNative(target), Utf8.FromNative(message));
                }
            }
            catch (Exception)
            {
                // A failing sink must not take the library thread down.
            }
        }

        private sealed class DelegateSink : IArrLogSink
        {
            private readonly Action<ArrLogLevel, string, string> _action;

            internal DelegateSink(Action<ArrLogLevel, string, string> action)
            {
                _action = action;
            }

            public void Log(ArrLogLevel level, string target, string message)
            {
                _action(level, target, message);
            }
        }
    }
}
