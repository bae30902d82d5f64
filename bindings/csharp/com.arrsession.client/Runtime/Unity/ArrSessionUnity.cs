#if UNITY_2019_4_OR_NEWER
using System;
using UnityEngine;

namespace ArrSession.Unity
{
    /// <summary>
    /// The Unity side of the package: forwards the library's logs to the Console (Warning and worse by
    /// default) and shuts the native library down when the app quits (<see cref="ArrRuntime.Shutdown"/>:
    /// clients created with <see cref="RemoteRenderingClientOptions.StopOwnedSessionsOnClose"/> stop their
    /// sessions then, concurrently and bounded by their close timeout). The editor part
    /// (ArrSession.Editor) shuts it down before every domain reload, in edit mode too.
    /// <c>Application.quitting</c> does not fire on every platform (iOS; some Android and UWP exits): there
    /// the session's lease is the safety net, so keep leases short and extend them while in use.
    /// </summary>
    public static class ArrSessionUnity
    {
        /// <summary>The most verbose level forwarded to the Console; set it before creating clients, or call <see cref="SetLogLevel"/>.</summary>
        public static ArrLogLevel LogLevel = ArrLogLevel.Warn;

        public static void SetLogLevel(ArrLogLevel level)
        {
            LogLevel = level;
            Guard("set the log level", () => ArrLog.SetSink(new UnityLogSink(), level));
        }

        [RuntimeInitializeOnLoadMethod(RuntimeInitializeLoadType.SubsystemRegistration)]
        private static void Initialize()
        {
            // Also runs again when "Enter Play Mode Options" skip the domain reload: subscribe once.
            Application.quitting -= OnQuitting;
            Application.quitting += OnQuitting;
            Guard("install the log sink", () => ArrLog.SetSink(new UnityLogSink(), LogLevel));
        }

        private static void OnQuitting()
        {
            // Blocks for the stop requests of clients that asked for stop-on-close, within their close timeout.
            Guard("shut down", () => ArrRuntime.ShutdownIfLoaded());
        }

        /// <summary>Runs <paramref name="action"/>, reporting a missing plug-in as a warning and anything else as an exception.</summary>
        public static void Guard(string what, Action action)
        {
            try
            {
                action();
            }
            catch (DllNotFoundException e)
            {
                Debug.LogWarning("arr-session: cannot " + what + ": the native plug-in is missing for this platform (" + e.Message + ")");
            }
            catch (Exception e)
            {
                Debug.LogException(e);
            }
        }

        /// <summary>Debug.Log is safe to call from the library's threads.</summary>
        private sealed class UnityLogSink : IArrLogSink
        {
            public void Log(ArrLogLevel level, string target, string message)
            {
                string line = "[arr-session] " + target + ": " + message;
                switch (level)
                {
                    case ArrLogLevel.Error:
                        Debug.LogError(line);
                        break;
                    case ArrLogLevel.Warn:
                        Debug.LogWarning(line);
                        break;
                    default:
                        Debug.Log(line);
                        break;
                }
            }
        }
    }
}
#endif
