using System;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using ArrSession.Internal;

namespace ArrSession.Tests
{
    /// <summary>
    /// The Unity part, compiled by run-tests.sh against stand-ins of UnityEngine/UnityEditor, driven through
    /// those stand-ins: the editor hook shuts the library down before an assembly reload (edit mode: no
    /// Play-mode initialisation ran), and the runtime part on quit.
    /// </summary>
    internal static class UnityHookTests
    {
        private static Assembly UnityCheck
        {
            get
            {
                string path = Environment.GetEnvironmentVariable("ARR_CSHARP_UNITY_CHECK_DLL");
                Assert.True(!string.IsNullOrEmpty(path) && File.Exists(path), "ARR_CSHARP_UNITY_CHECK_DLL names the Unity part built against the stand-ins");
                return Assembly.LoadFrom(path);
            }
        }

        private static void Fire(Assembly unity, string type, string method)
        {
            unity.GetType(type, true).GetMethod(method, BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public).Invoke(null, null);
        }

        private static void CheckShutDown(Action trigger, string what)
        {
            RemoteRenderingClient client = Fixture.Fast.Client();
            try
            {
                client.GetSessions();
                trigger();
                var e = Assert.Throws<RemoteRenderingException>(() => client.GetSessions(), what + ": the client was shut down");
                Assert.Equal(ArrStatus.Shutdown, e.ArrStatus, what + ": status");
            }
            finally
            {
                client.Dispose();
            }
            using (RemoteRenderingClient fresh = Fixture.Fast.Client())
            {
                Assert.True(fresh.GetSessions() != null, what + ": new clients work afterwards");
            }
        }

        [Test]
        public static void The_editor_hook_shuts_the_library_down_before_every_assembly_reload()
        {
            Assembly unity = UnityCheck;
            Type hooks = unity.GetType("ArrSession.Editor.ArrSessionEditorHooks", true);
            Assert.True(hooks.GetCustomAttributes(false).Length > 0 && hooks.GetCustomAttributes(false)[0].GetType().Name == "InitializeOnLoadAttribute",
                "[InitializeOnLoad]: installed when the editor loads the domain, not only on entering Play mode");
            RuntimeHelpers.RunClassConstructor(hooks.TypeHandle);
            CheckShutDown(() => Fire(unity, "UnityEditor.AssemblyReloadEvents", "Reload"), "before an assembly reload");
            RuntimeHelpers.RunClassConstructor(hooks.TypeHandle);
            CheckShutDown(() => Fire(unity, "UnityEditor.AssemblyReloadEvents", "Reload"), "a second reload");
        }

        [Test]
        public static void The_runtime_part_logs_warnings_by_default_and_shuts_down_on_quit()
        {
            Assembly unity = UnityCheck;
            Type part = unity.GetType("ArrSession.Unity.ArrSessionUnity", true);
            Assert.Equal(ArrLogLevel.Warn, (ArrLogLevel)part.GetField("LogLevel").GetValue(null), "the default Console level is Warning");
            IArrLogSink before = ArrLog.Sink;
            try
            {
                Fire(unity, "ArrSession.Unity.ArrSessionUnity", "Initialize");
                Fire(unity, "ArrSession.Unity.ArrSessionUnity", "Initialize");
                CheckShutDown(() => Fire(unity, "UnityEngine.Application", "Quit"), "on quit");
            }
            finally
            {
                ArrLog.SetSink(before, before == null ? ArrLogLevel.Off : ArrLogLevel.Trace);
            }
        }
    }
}
