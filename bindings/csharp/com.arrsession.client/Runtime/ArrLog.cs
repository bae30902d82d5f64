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
        // Guards the fields below only. Never held across arr_set_log_callback: that call waits for a line
        // being delivered, and the sink delivering it may itself call SetSink (or create a client, or shut
        // the library down), which takes this lock.
        private static readonly object Lock = new object();
        private static readonly ArrLogCallback LogCallback = OnLog;
        private static volatile IArrLogSink _sink;
        private static ArrLogLevel _level = ArrLogLevel.Off;
        // Whether the callback should be registered: false after Uninstall until SetSink/EnsureInstalled.
        private static bool _wanted;
        // Whether the callback is registered, as the last registration made for the current fields left it.
        private static bool _installed;
        // Counts changes of the fields above; a registration made for an older value is made again.
        private static long _version;

        /// <summary>The current sink, or null.</summary>
        public static IArrLogSink Sink
        {
            get { return _sink; }
        }

        /// <summary>
        /// Sends lines at <paramref name="maxLevel"/> or more severe to <paramref name="sink"/>; null turns logging off.
        /// May be called from any thread, the sink's own <c>Log</c> included.
        /// </summary>
        public static void SetSink(IArrLogSink sink, ArrLogLevel maxLevel)
        {
            ArrRuntime.EnsureLoaded();
            lock (Lock)
            {
                _sink = sink;
                _level = sink == null ? ArrLogLevel.Off : maxLevel;
                _wanted = true;
                _version++;
            }
            Apply();
        }

        /// <summary>Sends lines to a delegate; see <see cref="SetSink(IArrLogSink, ArrLogLevel)"/>.</summary>
        public static void SetSink(Action<ArrLogLevel, string, string> sink, ArrLogLevel maxLevel)
        {
            SetSink(sink == null ? null : new DelegateSink(sink), maxLevel);
        }

        /// <summary>Unregisters the native callback without forgetting the sink (before a domain unload).</summary>
        internal static void Uninstall()
        {
            lock (Lock)
            {
                _wanted = false;
                _version++;
            }
            Apply();
        }

        /// <summary>Registers the callback again if a sink is set but the callback is not (after a shutdown).</summary>
        internal static void EnsureInstalled()
        {
            lock (Lock)
            {
                if (_installed || _sink == null || _level == ArrLogLevel.Off)
                {
                    return;
                }
                _wanted = true;
                _version++;
            }
            Apply();
        }

        /// <summary>
        /// Makes the native registration match the fields, without holding the lock across the native call.
        /// Calls racing on several threads may register in any order, but each checks afterwards that nothing
        /// changed meanwhile and registers again if it did, so the last registration is always the current one.
        /// </summary>
        private static void Apply()
        {
            while (true)
            {
                bool on;
                uint level;
                long version;
                lock (Lock)
                {
                    on = _wanted && _sink != null && _level != ArrLogLevel.Off;
                    level = on ? (uint)_level : 0u;
                    version = _version;
                }
                uint status = NativeMethods.arr_set_log_callback(on ? LogCallback : null, IntPtr.Zero, level);
                if (status != (uint)ArrStatus.Ok)
                {
                    throw Internal.ErrorMapper.FromLastError(status);
                }
                lock (Lock)
                {
                    if (version == _version)
                    {
                        _installed = on;
                        return;
                    }
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
