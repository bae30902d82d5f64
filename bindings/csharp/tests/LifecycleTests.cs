using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using ArrSession;

namespace ArrSession.Tests
{
    /// <summary>
    /// Lifecycle calls that must not deadlock on the binding's own locks or on the app's main thread: setting
    /// the log sink while a line is being delivered, and quitting (or disposing) on a main thread that the
    /// token provider is bound to. Each waits with a bound and fails instead of hanging; the bounds are
    /// "did not hang" bounds, far below the close timeout they are compared with, not timings.
    /// </summary>
    internal static class LifecycleTests
    {
        private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

        // A close timeout well past Bound: a stop that waits for a blocked main thread runs into Bound first.
        private static readonly TimeSpan LongCloseTimeout = TimeSpan.FromSeconds(40);

        [Test]
        public static void Setting_the_log_sink_while_a_line_is_delivered_to_a_sink_that_sets_it_too_does_not_deadlock()
        {
            IArrLogSink before = ArrLog.Sink;
            var delivering = new ManualResetEventSlim();
            var go = new ManualResetEventSlim();
            var sinkDone = new ManualResetEventSlim();
            var setterDone = new ManualResetEventSlim();
            int first = 0;
            Exception inSink = null;
            Action<ArrLogLevel, string, string> quiet = (level, target, message) => { };
            Action<ArrLogLevel, string, string> reentrant = (level, target, message) =>
            {
                if (Interlocked.Exchange(ref first, 1) != 0)
                {
                    return;
                }
                delivering.Set();
                go.Wait(Bound);
                // Time for the other thread to be inside arr_set_log_callback, which waits for this line.
                Thread.Sleep(300);
                try
                {
                    // Managed code on the library's log thread that takes ArrLog's lock.
                    ArrLog.SetSink(quiet, ArrLogLevel.Info);
                }
                catch (Exception e)
                {
                    inSink = e;
                }
                sinkDone.Set();
            };
            try
            {
                ArrLog.SetSink(reentrant, ArrLogLevel.Info);
                using (RemoteRenderingClient client = Fixture.Fast.Client())
                {
                    client.GetSessions();
                }
                Assert.True(delivering.Wait(Bound), "a request line reached the sink");
                var setter = new Thread(() =>
                {
                    go.Set();
                    ArrLog.SetSink(quiet, ArrLogLevel.Info);
                    setterDone.Set();
                }) { IsBackground = true, Name = "set-sink" };
                setter.Start();
                Assert.True(setterDone.Wait(Bound),
                    "SetSink on another thread returned while a line was being delivered (it waited for the line while holding the lock the sink needed)");
                Assert.True(sinkDone.Wait(Bound), "the sink's own SetSink returned");
                Assert.True(inSink == null, "the sink's SetSink did not throw: " + inSink);

                // After the race, the registration matches the last sink set.
                var lines = new List<string>();
                ArrLog.SetSink((level, target, message) =>
                {
                    lock (lines)
                    {
                        lines.Add(message);
                    }
                }, ArrLogLevel.Info);
                using (RemoteRenderingClient client = Fixture.Fast.Client())
                {
                    client.GetSessions();
                }
                var watch = Stopwatch.StartNew();
                while (watch.Elapsed < Bound)
                {
                    lock (lines)
                    {
                        if (lines.Count > 0)
                        {
                            break;
                        }
                    }
                    Thread.Sleep(20);
                }
                lock (lines)
                {
                    Assert.True(lines.Count > 0, "lines reach the sink set last");
                }
            }
            finally
            {
                if (setterDone.IsSet && sinkDone.IsSet)
                {
                    ArrLog.SetSink(before, before == null ? ArrLogLevel.Off : ArrLogLevel.Trace);
                }
            }
        }

        /// <summary>
        /// A client whose token provider is bound to <paramref name="main"/> (as Unity's main thread) and that
        /// stops its owned sessions on close; its token is refused from now on, so the stop needs a new one.
        /// Returns the id of the session it owns.
        /// </summary>
        private static RemoteRenderingClient BoundToMainThread(Emulator emulator, SingleThreadContext main, out string owned)
        {
            RemoteRenderingClientOptions options = emulator.Options();
            options.TokenProviderContext = main;
            options.StopOwnedSessionsOnClose = true;
            options.CloseTimeout = LongCloseTimeout;
            RemoteRenderingClient client = RuntimeTests.ProviderClient(emulator, () => Task.FromResult(emulator.StsToken()), options);
            owned = client.StartSession(Fixture.NewId("quit"), Fixture.Standard()).Id;
            emulator.RevokeTokens();
            return client;
        }

        /// <summary>Runs <paramref name="quit"/> on the main thread (which stays blocked while it runs) and checks it
        /// returned within the bound and the owned session was stopped.</summary>
        private static void CheckQuitOnMainThread(string what, Action<RemoteRenderingClient> quit)
        {
            using (Emulator emulator = Fixture.Fresh("--start-delay", "600s"))
            using (var main = new SingleThreadContext())
            {
                string owned;
                RemoteRenderingClient client = BoundToMainThread(emulator, main, out owned);
                try
                {
                    Exception failed = null;
                    var returned = new ManualResetEventSlim();
                    main.Post(_ =>
                    {
                        try
                        {
                            quit(client);
                        }
                        catch (Exception e)
                        {
                            failed = e;
                        }
                        returned.Set();
                    }, null);
                    Assert.True(returned.Wait(Bound),
                        what + " on the main thread returned within " + Bound.TotalSeconds + " s (close timeout " + LongCloseTimeout.TotalSeconds
                        + " s): the stop's token request must not wait for the blocked main thread");
                    Assert.True(failed == null, what + " did not throw: " + failed);
                }
                finally
                {
                    client.Dispose();
                }
                using (RemoteRenderingClient other = emulator.Client())
                {
                    Assert.Equal(RenderingSessionStatus.Stopped, other.GetSession(owned).Value.Status,
                        what + ": the owned session was stopped with a token the provider gave off the main thread");
                }
            }
        }

        [Test]
        public static void Shutdown_on_the_main_thread_the_token_provider_is_bound_to_stops_owned_sessions()
        {
            // What Unity's quit and before-reload hooks call.
            CheckQuitOnMainThread("ArrRuntime.ShutdownIfLoaded", client => ArrRuntime.ShutdownIfLoaded());
        }

        [Test]
        public static void Dispose_on_the_main_thread_the_token_provider_is_bound_to_stops_owned_sessions()
        {
            CheckQuitOnMainThread("Dispose", client => client.Dispose());
        }

        [Test]
        public static void Unity_quit_and_reload_on_the_main_thread_the_token_provider_is_bound_to_stop_owned_sessions()
        {
            Assembly unity = Assembly.LoadFrom(Environment.GetEnvironmentVariable("ARR_CSHARP_UNITY_CHECK_DLL"));
            IArrLogSink before = ArrLog.Sink;
            try
            {
                Invoke(unity, "ArrSession.Unity.ArrSessionUnity", "Initialize");
                CheckQuitOnMainThread("Application.quitting", client => Invoke(unity, "UnityEngine.Application", "Quit"));
                System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(unity.GetType("ArrSession.Editor.ArrSessionEditorHooks", true).TypeHandle);
                CheckQuitOnMainThread("beforeAssemblyReload", client => Invoke(unity, "UnityEditor.AssemblyReloadEvents", "Reload"));
            }
            finally
            {
                ArrLog.SetSink(before, before == null ? ArrLogLevel.Off : ArrLogLevel.Trace);
            }
        }

        [Test]
        public static void A_client_inherited_across_fork_fails_with_the_forked_status()
        {
            // The library answers ARR_STATUS_FORKED (18) for a handle used in a child process after fork().
            const string json = "{\"status\":\"ARR_STATUS_FORKED\",\"message\":\"the client was created in the parent process before fork(); create a new client in this process\"}";
            Assert.Equal(18, (int)ArrStatus.Forked, "the number of the header");
            Assert.Equal((ArrStatus?)ArrStatus.Forked, ArrStatusNames.Parse("ARR_STATUS_FORKED"), "the name of the header");
            var e = Internal.ErrorMapper.FromJson(ArrStatus.Forked, json) as RemoteRenderingException;
            Assert.True(e != null, "a RemoteRenderingException");
            Assert.Equal(ArrStatus.Forked, e.ArrStatus, "its status");
            Assert.True(e.Message.Contains("create a new client in this process"), "the library's message: " + e.Message);
        }

        private static void Invoke(Assembly assembly, string type, string method)
        {
            assembly.GetType(type, true).GetMethod(method, BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public).Invoke(null, null);
        }
    }
}
