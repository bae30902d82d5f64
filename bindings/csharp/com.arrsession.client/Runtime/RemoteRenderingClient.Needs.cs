using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Internal;
using ArrSession.Native;

namespace ArrSession
{
    /// <summary>One session's bill so far: minutes from create (as the service bills), and their cost.</summary>
    public sealed class SessionCost
    {
        public string SessionId { get; internal set; }
        public string Size { get; internal set; }
        public string Status { get; internal set; }
        /// <summary>Whole minutes billed so far, rounded up.</summary>
        public int BilledMinutes { get; internal set; }
        /// <summary>Their cost at the price table; null without one, or without a price for the size.</summary>
        public double? Cost { get; internal set; }
    }

    /// <summary>The account's live sessions' bills, with totals.</summary>
    public sealed class SessionCostSummary
    {
        public IReadOnlyList<SessionCost> Sessions { get; internal set; }
        public long TotalMinutes { get; internal set; }
        /// <summary>Null without prices, or when a session's size has none.</summary>
        public double? TotalCost { get; internal set; }
        public string Currency { get; internal set; }

        internal static SessionCostSummary Parse(string text)
        {
            JsonObject json = Json.ParseObject(text);
            var sessions = new List<SessionCost>();
            foreach (object item in json.GetArray("sessions") ?? new List<object>())
            {
                var s = (JsonObject)item;
                sessions.Add(new SessionCost
                {
                    SessionId = s.GetString("id"),
                    Size = s.GetString("size"),
                    Status = s.GetString("status"),
                    BilledMinutes = s.GetInt("billedMinutes") ?? 0,
                    Cost = s.GetDouble("cost"),
                });
            }
            return new SessionCostSummary
            {
                Sessions = sessions,
                TotalMinutes = (long)(json.GetDouble("totalMinutes") ?? 0),
                TotalCost = json.GetDouble("totalCost"),
                Currency = json.GetString("currency"),
            };
        }
    }

    /// <summary>One step of a capacity fallback: a session that failed for lack of capacity, stopped, and what came next.</summary>
    public sealed class CapacityFallbackStep
    {
        public string FailedSessionId { get; internal set; }
        public string FailedSize { get; internal set; }
        public string FailedEndpoint { get; internal set; }
        public string Code { get; internal set; }
        public string Message { get; internal set; }
        public bool Stopped { get; internal set; }
        /// <summary>Null when nothing was left to try.</summary>
        public string NextSize { get; internal set; }
        public string NextEndpoint { get; internal set; }
    }

    /// <summary>The Ready session of a start with capacity fallback, and the steps that led to it.</summary>
    public sealed class CapacityFallbackResult
    {
        public RenderingSession Session { get; internal set; }
        public IReadOnlyList<CapacityFallbackStep> Fallbacks { get; internal set; }

        internal static CapacityFallbackResult Parse(string text)
        {
            JsonObject json = Json.ParseObject(text);
            var steps = new List<CapacityFallbackStep>();
            foreach (object item in json.GetArray("fallbacks") ?? new List<object>())
            {
                var s = (JsonObject)item;
                steps.Add(new CapacityFallbackStep
                {
                    FailedSessionId = s.GetString("failedSessionId"),
                    FailedSize = s.GetString("failedSize"),
                    FailedEndpoint = s.GetString("failedEndpoint"),
                    Code = s.GetString("code"),
                    Message = s.GetString("message"),
                    Stopped = s.Get("stopped") is bool && (bool)s.Get("stopped"),
                    NextSize = s.GetString("nextSize"),
                    NextEndpoint = s.GetString("nextEndpoint"),
                });
            }
            return new CapacityFallbackResult { Session = RenderingSession.FromJson(json.GetObject("session")), Fallbacks = steps };
        }
    }

    /// <summary>Costs and capacity fallback (what users asked for around sessions).</summary>
    public partial class RemoteRenderingClient
    {
        /// <summary>
        /// The account's Starting and Ready sessions with what each is billed so far. <paramref name="pricesJson"/>:
        /// <c>{"currency": "USD", "perHour": {"Standard": 3.0, "Premium": 12.0}}</c> (no price is built in), or
        /// null for minutes only.
        /// </summary>
        public virtual SessionCostSummary ListSessionCosts(
            string pricesJson = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] prices = Utf8.ToNative(pricesJson, "pricesJson");
            return NativeCall.Block(Handle, SessionCostSummary.Parse, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_list_session_costs_async(c, prices, cb, ud, out op));
        }

        /// <summary>The async form of <see cref="ListSessionCosts"/>.</summary>
        public virtual Task<SessionCostSummary> ListSessionCostsAsync(
            string pricesJson = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] prices = Utf8.ToNative(pricesJson, "pricesJson");
            return NativeCall.Start(Handle, SessionCostSummary.Parse, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_list_session_costs_async(c, prices, cb, ud, out op));
        }

        /// <summary>
        /// Starts a session and waits until it is Ready; when it ends in Error for lack of capacity (error code
        /// <c>CapacityExceeded</c>), stops it and starts one of the next of <paramref name="fallbackSizes"/>, then
        /// every size at each of <paramref name="fallbackEndpoints"/>. Other failures throw as a wait would.
        /// </summary>
        public virtual CapacityFallbackResult StartSessionWithFallback(
            string sessionId, RenderingSessionOptions options, IEnumerable<string> fallbackSizes,
            SessionWaitOptions waitOptions = null, IEnumerable<string> fallbackEndpoints = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            byte[] create = CreateJson(sessionId, options);
            byte[] wait = Utf8.ToNative(SessionWaitOptions.ToJson(waitOptions), "waitOptions");
            byte[] fallback = Utf8.ToNative(new JsonWriter()
                .AddRaw("sizes", JsonWriter.StringArray(fallbackSizes ?? new string[0]))
                .AddRaw("endpoints", JsonWriter.StringArray(fallbackEndpoints ?? new string[0]))
                .ToString(), "fallbackSizes");
            return NativeCall.Block(Handle, CapacityFallbackResult.Parse, cancellationToken,
                (ClientHandle c, ArrCallback cb, IntPtr ud, out ulong op) =>
                    NativeMethods.arr_client_create_session_with_fallback_async(c, create, wait, fallback, cb, ud, out op));
        }
    }
}
