using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;

namespace ArrSession.Tests
{
    /// <summary>Marks a test: a public static method, void or Task, without parameters.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    internal sealed class TestAttribute : Attribute
    {
    }

    /// <summary>Tiny assertions; a failed one throws <see cref="AssertionException"/>.</summary>
    internal static class Assert
    {
        internal static void True(bool condition, string what)
        {
            if (!condition)
            {
                throw new AssertionException(what);
            }
        }

        internal static void Equal<T>(T expected, T actual, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
            {
                throw new AssertionException(what + ": expected <" + expected + ">, got <" + actual + ">");
            }
        }

        internal static TException Throws<TException>(Action action, string what) where TException : Exception
        {
            try
            {
                action();
            }
            catch (TException e)
            {
                return e;
            }
            catch (Exception e)
            {
                throw new AssertionException(what + ": expected " + typeof(TException).Name + ", got " + e.GetType().Name + ": " + e.Message);
            }
            throw new AssertionException(what + ": expected " + typeof(TException).Name + ", nothing was thrown");
        }

        internal static async Task<TException> ThrowsAsync<TException>(Func<Task> action, string what) where TException : Exception
        {
            try
            {
                await action();
            }
            catch (TException e)
            {
                return e;
            }
            catch (Exception e)
            {
                throw new AssertionException(what + ": expected " + typeof(TException).Name + ", got " + e.GetType().Name + ": " + e.Message);
            }
            throw new AssertionException(what + ": expected " + typeof(TException).Name + ", nothing was thrown");
        }
    }

    internal sealed class AssertionException : Exception
    {
        internal AssertionException(string message)
            : base(message)
        {
        }
    }

    /// <summary>Finds every [Test], runs them in name order, prints each and "N passed, N failed".</summary>
    internal static class TestRunner
    {
        private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(90);

        internal static int Main(string[] args)
        {
            if (args.Length > 0 && args[0] == "--nupkg-smoke")
            {
                return NuGetTests.Smoke();
            }
            string filter = args.Length > 0 ? args[0] : null;
            List<MethodInfo> tests = typeof(TestRunner).Assembly.GetTypes()
                .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
                .Where(m => m.GetCustomAttributes(typeof(TestAttribute), false).Length > 0)
                .Where(m => filter == null || Name(m).IndexOf(filter, StringComparison.OrdinalIgnoreCase) >= 0)
                .OrderBy(m => Name(m), StringComparer.Ordinal)
                .ToList();
            int passed = 0, failed = 0;
            try
            {
                foreach (MethodInfo test in tests)
                {
                    var watch = Stopwatch.StartNew();
                    string error = Run(test);
                    if (error == null)
                    {
                        passed++;
                        Console.WriteLine("PASS " + Name(test) + " (" + watch.ElapsedMilliseconds + " ms)");
                    }
                    else
                    {
                        failed++;
                        Console.WriteLine("FAIL " + Name(test) + " (" + watch.ElapsedMilliseconds + " ms)\n     " + error.Replace("\n", "\n     "));
                    }
                }
            }
            finally
            {
                Fixture.DisposeAll();
            }
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 && passed > 0 ? 0 : 1;
        }

        private static string Name(MethodInfo m)
        {
            return m.DeclaringType.Name + "." + m.Name;
        }

        private static string Run(MethodInfo test)
        {
            try
            {
                object result = test.Invoke(null, null);
                var task = result as Task;
                if (task != null && !task.Wait(TestTimeout))
                {
                    return "timed out after " + TestTimeout.TotalSeconds + " s";
                }
                return null;
            }
            catch (Exception e)
            {
                Exception inner = e;
                while ((inner is TargetInvocationException || inner is AggregateException) && inner.InnerException != null)
                {
                    inner = inner.InnerException;
                }
                return inner is AssertionException ? inner.Message : inner.ToString();
            }
        }
    }
}
