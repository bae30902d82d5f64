using System;
using System.Threading;
using ArrSession;

namespace ArrSession.Tests
{
    /// <summary>Emulators shared by the tests, started on first use and stopped at the end of the run.</summary>
    internal static class Fixture
    {
        private static Emulator _fast;
        private static Emulator _slow;
        private static Emulator _conversions;
        private static StorageFixture _storage;
        private static int _next;

        /// <summary>Sessions become Ready after 200 ms.</summary>
        internal static Emulator Fast
        {
            get { return _fast ?? (_fast = new Emulator("--start-delay", "200ms")); }
        }

        /// <summary>Sessions stay Starting for 10 minutes: for waits that must not end by themselves.</summary>
        internal static Emulator Slow
        {
            get { return _slow ?? (_slow = new Emulator("--start-delay", "600s")); }
        }

        /// <summary>
        /// Emulated time 60000 times as fast (a conversion's 5 s NotStarted and 60 s Running last about a
        /// millisecond), simulated storage: conversions finish as soon as their storage work is done.
        /// </summary>
        internal static Emulator Conversions
        {
            get { return _conversions ?? (_conversions = new Emulator("--time-scale", "60000")); }
        }

        /// <summary>
        /// Azurite with a model uploaded and an emulator linked to it (examples/storage_fixture), shared by the
        /// tests that only start conversions of their own in it.
        /// </summary>
        internal static StorageFixture Storage
        {
            get { return _storage ?? (_storage = new StorageFixture()); }
        }

        /// <summary>A fresh emulator for tests that script faults (faults are per emulator).</summary>
        internal static Emulator Fresh(params string[] args)
        {
            return new Emulator(args);
        }

        internal static string NewId(string prefix)
        {
            return prefix + "-" + Interlocked.Increment(ref _next) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);
        }

        internal static RenderingSessionOptions Standard(int minutes = 30)
        {
            return new RenderingSessionOptions(TimeSpan.FromMinutes(minutes), RenderingServerSize.Standard);
        }

        internal static void DisposeAll()
        {
            if (_fast != null)
            {
                _fast.Dispose();
            }
            if (_slow != null)
            {
                _slow.Dispose();
            }
            if (_conversions != null)
            {
                _conversions.Dispose();
            }
            if (_storage != null)
            {
                _storage.Dispose();
            }
        }
    }
}
