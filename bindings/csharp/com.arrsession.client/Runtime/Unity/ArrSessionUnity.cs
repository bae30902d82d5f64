#if UNITY_2019_4_OR_NEWER
using System;
using UnityEngine;

namespace ArrSession.Unity
{
    /// <summary>
    /// The Unity side of the package: forwards the library's logs to the Console, and shuts the native
    /// library down before a domain reload (its callbacks point into the old domain) and when the app
    /// quits, stopping the sessions the app's clients started unless <see cref="StopSessionsOnQuit"/> is
    /// turned off (or a client's <see cref="RemoteRenderingClient.StopSessionsOnShutdown"/> is false).
    /// </summary>
    public static class ArrSessionUnity
    {
        /// <summary>Stop the sessions started by live clients when the app quits (default: true).</summary>
        public static bool StopSessionsOnQuit = true;

        /// <summary>The most verbose level forwarded to the Console; set it before creating clients, or call <see cref="SetLogLevel"/>.</summary>
        public static ArrLogLevel LogLevel = ArrLogLevel.Info;

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
#if UNITY_EDITOR
            UnityEditor.AssemblyReloadEvents.beforeAssemblyReload -= OnBeforeAssemblyReload;
            UnityEditor.AssemblyReloadEvents.beforeAssemblyReload += OnBeforeAssemblyReload;
#endif
            Guard("install the log sink", () => ArrLog.SetSink(new UnityLogSink(), LogLevel));
        }

        private static void OnQuitting()
        {
            // Blocks for the stop requests: quitting is the one place where that is wanted.
            Guard("shut down", () => ArrRuntime.Shutdown(StopSessionsOnQuit));
        }

#if UNITY_EDITOR
        private static void OnBeforeAssemblyReload()
        {
            // A script reload is not a quit: sessions keep running; the next domain creates new clients.
            Guard("shut down before the assembly reload", () => ArrRuntime.Shutdown(false));
        }
#endif

        private static void Guard(string what, Action action)
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
