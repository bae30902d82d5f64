using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ArrSession.Internal;
using ArrSession.Native;

namespace ArrSession
{
    /// <summary>
    /// How a <see cref="SessionKeeper"/> renews and warns. Every property is optional (null: the library's
    /// default). Lease durations are whole minutes, counted as the service counts them.
    /// </summary>
    public sealed class KeepSessionOptions
    {
        /// <summary>Added to the lease at each renewal (default 30 minutes).</summary>
        public TimeSpan? ExtendBy { get; set; }

        /// <summary>Renew when less than this is left (default 10 minutes).</summary>
        public TimeSpan? RenewBelow { get; set; }

        /// <summary>The lease never grows beyond this in total (default and most: 24 hours); the session ends there.</summary>
        public TimeSpan? MaxTotal { get; set; }

        /// <summary>How often the session is looked at, one request each time (default 60 s).</summary>
        public TimeSpan? PollInterval { get; set; }

        /// <summary>
        /// Warn (<see cref="KeepSessionEventKind.ExpiringSoon"/>) when an end that will not be renewed is this
        /// near; each fires once, the largest first (default 10 and 2 minutes; empty: no warnings).
        /// </summary>
        public IList<TimeSpan> WarnAt { get; set; }

        internal static string ToJson(KeepSessionOptions options)
        {
            if (options == null)
            {
                return null;
            }
            var writer = new JsonWriter()
                .Add("extendByMinutes", OptionalMinutes(options.ExtendBy, "ExtendBy"))
                .Add("renewBelowMinutes", OptionalMinutes(options.RenewBelow, "RenewBelow"))
                .Add("maxTotalMinutes", OptionalMinutes(options.MaxTotal, "MaxTotal"))
                .Add("pollIntervalMs", SessionWaitOptions.Millis(options.PollInterval));
            if (options.WarnAt != null)
            {
                var list = new StringBuilder("[");
                for (int i = 0; i < options.WarnAt.Count; i++)
                {
                    list.Append(i == 0 ? string.Empty : ",")
                        .Append(RenderingSessionOptions.Minutes(options.WarnAt[i], "WarnAt").ToString(CultureInfo.InvariantCulture));
                }
                writer.AddRaw("warnAtMinutes", list.Append(']').ToString());
            }
            return writer.ToString();
        }

        private static long? OptionalMinutes(TimeSpan? span, string name)
        {
            return span.HasValue ? (long?)RenderingSessionOptions.Minutes(span.Value, name) : null;
        }
    }

    /// <summary>What happened to a kept session: an open set of names (a newer library may add kinds; they are kept as they are).</summary>
    public struct KeepSessionEventKind : IEquatable<KeepSessionEventKind>
    {
        private readonly string _value;

        public KeepSessionEventKind(string value)
        {
            if (value == null)
            {
                throw new ArgumentNullException("value");
            }
            _value = value;
        }

        /// <summary>The lease was renewed: <see cref="KeepSessionEventArgs.From"/> → <see cref="KeepSessionEventArgs.To"/>.</summary>
        public static KeepSessionEventKind Extended { get { return new KeepSessionEventKind("extended"); } }

        /// <summary>The end is <see cref="KeepSessionEventArgs.Remaining"/> away and will not be renewed (cap reached, or renewals failing).</summary>
        public static KeepSessionEventKind ExpiringSoon { get { return new KeepSessionEventKind("expiringSoon"); } }

        /// <summary>The lease reached the cap (<see cref="KeepSessionEventArgs.Lease"/>); the session ends when it runs out.</summary>
        public static KeepSessionEventKind CapReached { get { return new KeepSessionEventKind("capReached"); } }

        /// <summary>The session ended (<see cref="KeepSessionEventArgs.Status"/> Stopped, Expired or Error, with <see cref="KeepSessionEventArgs.Error"/>); the keeper stops.</summary>
        public static KeepSessionEventKind Ended { get { return new KeepSessionEventKind("ended"); } }

        /// <summary>The service throttled a request; the keeper waits <see cref="KeepSessionEventArgs.RetryAfter"/> and carries on.</summary>
        public static KeepSessionEventKind Throttled { get { return new KeepSessionEventKind("throttled"); } }

        /// <summary>A request failed in a way that may pass (<see cref="KeepSessionEventArgs.Message"/>); the keeper carries on.</summary>
        public static KeepSessionEventKind Retrying { get { return new KeepSessionEventKind("retrying"); } }

        /// <summary>The keeper cannot go on (unknown session, credentials refused: <see cref="KeepSessionEventArgs.Message"/>); it stops.</summary>
        public static KeepSessionEventKind Failed { get { return new KeepSessionEventKind("failed"); } }

        public static bool operator ==(KeepSessionEventKind left, KeepSessionEventKind right)
        {
            return left.Equals(right);
        }

        public static bool operator !=(KeepSessionEventKind left, KeepSessionEventKind right)
        {
            return !left.Equals(right);
        }

        public static implicit operator KeepSessionEventKind(string value)
        {
            return new KeepSessionEventKind(value);
        }

        public bool Equals(KeepSessionEventKind other)
        {
            return string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);
        }

        public override bool Equals(object obj)
        {
            return obj is KeepSessionEventKind && Equals((KeepSessionEventKind)obj);
        }

        public override int GetHashCode()
        {
            return _value == null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);
        }

        /// <summary>The library's name of the kind (<c>"extended"</c>, <c>"expiringSoon"</c>...).</summary>
        public override string ToString()
        {
            return _value ?? string.Empty;
        }
    }

    /// <summary>One event of a <see cref="SessionKeeper"/>. Fields that do not belong to <see cref="Kind"/> are null.</summary>
    public class KeepSessionEventArgs : EventArgs
    {
        /// <summary>For mocks and tests: an event as the library would report it.</summary>
        public KeepSessionEventArgs(string sessionId, KeepSessionEventKind kind, TimeSpan? from = null, TimeSpan? to = null,
            TimeSpan? remaining = null, TimeSpan? lease = null, RenderingSessionStatus? status = null,
            RemoteRenderingServiceError error = null, TimeSpan? retryAfter = null, string message = null, string json = null)
        {
            SessionId = sessionId;
            Kind = kind;
            From = from;
            To = to;
            Remaining = remaining;
            Lease = lease;
            Status = status;
            Error = error;
            RetryAfter = retryAfter;
            Message = message;
            Json = json;
        }

        public string SessionId { get; private set; }

        public KeepSessionEventKind Kind { get; private set; }

        /// <summary>Extended: the lease before.</summary>
        public TimeSpan? From { get; private set; }

        /// <summary>Extended: the lease now (in total, since the session became Ready).</summary>
        public TimeSpan? To { get; private set; }

        /// <summary>ExpiringSoon: what is left, by the service's count.</summary>
        public TimeSpan? Remaining { get; private set; }

        /// <summary>CapReached: the lease, at the cap.</summary>
        public TimeSpan? Lease { get; private set; }

        /// <summary>Ended: the session's final state (Stopped, Expired or Error).</summary>
        public RenderingSessionStatus? Status { get; private set; }

        /// <summary>Ended: the session's error, for Error.</summary>
        public RemoteRenderingServiceError Error { get; private set; }

        /// <summary>Throttled: how long the service asked to wait, if it said.</summary>
        public TimeSpan? RetryAfter { get; private set; }

        /// <summary>Retrying and Failed: what went wrong.</summary>
        public string Message { get; private set; }

        /// <summary>The event as the library reported it (JSON): the way to fields of kinds this binding does not know.</summary>
        public string Json { get; private set; }

        public override string ToString()
        {
            return Json ?? (SessionId + " " + Kind);
        }

        internal static KeepSessionEventArgs Parse(string json)
        {
            JsonObject o = Internal.Json.ParseObject(json);
            JsonObject error = o.GetObject("error");
            string status = o.GetString("status");
            double? retryAfter = o.GetDouble("retryAfterSeconds");
            return new KeepSessionEventArgs(
                o.GetString("sessionId"),
                new KeepSessionEventKind(o.GetString("kind") ?? string.Empty),
                Minutes(o, "from"),
                Minutes(o, "to"),
                Minutes(o, "remaining"),
                Minutes(o, "lease"),
                status == null ? (RenderingSessionStatus?)null : new RenderingSessionStatus(status),
                error == null ? null : RemoteRenderingServiceError.FromJson(error),
                retryAfter.HasValue ? (TimeSpan?)TimeSpan.FromSeconds(retryAfter.Value) : null,
                o.GetString("message"),
                json);
        }

        private static TimeSpan? Minutes(JsonObject o, string name)
        {
            double? minutes = o.GetDouble(name);
            return minutes.HasValue ? (TimeSpan?)TimeSpan.FromMinutes(minutes.Value) : null;
        }
    }

    /// <summary>
    /// A running lease keeper (<see cref="RemoteRenderingClient.KeepSession"/>): it renews the session's lease
    /// before it runs out, never beyond <see cref="KeepSessionOptions.MaxTotal"/>, and warns before an end
    /// that will not be renewed. Its events arrive through <see cref="Changed"/>, in order and one at a
    /// time, on the SynchronizationContext that was current when it started (Unity: the main thread;
    /// none: a thread-pool thread). <see cref="Completion"/> completes once, after the last event: ran to
    /// completion when the session ended, faulted when the keeper failed or the library reported an error,
    /// cancelled on <see cref="Cancel"/>, <see cref="Dispose()"/>, the start token, disposal of the client or
    /// <see cref="ArrRuntime.Shutdown"/>. Stopping a keeper leaves the lease as it is: the session then ends
    /// by itself when the lease runs out.
    /// </summary>
    public class SessionKeeper : IDisposable
    {
        // Kept in a static field so the delegate (and the native thunk made for it) lives forever.
        private static readonly ArrCallback CallbackDelegate = OnNative;
        private static readonly SendOrPostCallback DrainCallback = Drain;
        private static readonly WaitCallback DrainOnPool = Drain;
        private static readonly Action<object> CancelFromToken = state => ((SessionKeeper)state).Cancel();

        private readonly object _lock = new object();
        private readonly SynchronizationContext _context;
        private readonly TaskCompletionSource<bool> _completion =
            new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Queue<Item> _queue = new Queue<Item>();
        private readonly List<Item> _held = new List<Item>();
        private EventHandler<KeepSessionEventArgs> _changed;
        private bool _subscribed;
        private bool _draining;
        private bool _ended;
        private CancellationToken _token;
        private CancellationTokenRegistration _registration;

        // The native operation; null for a mock.
        private ClientHandle _client;
        private ulong _operationId;

        // Written by the library thread while it calls back (one call at a time), read by the drain after the
        // queue hand-over.
        private string _failure;

        private sealed class Item
        {
            internal KeepSessionEventArgs Event;
            internal ArrStatus Status;
            internal string Json;
            internal bool Cancelled;
            internal Exception Error;
        }

        /// <summary>
        /// For mocks: a keeper of <paramref name="sessionId"/> without a native operation, raising its events
        /// on the current SynchronizationContext; drive it with <see cref="OnChanged"/> and <see cref="OnStopped"/>.
        /// </summary>
        protected SessionKeeper(string sessionId)
        {
            SessionId = sessionId;
            _context = SynchronizationContext.Current;
        }

        /// <summary>The kept session.</summary>
        public string SessionId { get; private set; }

        /// <summary>
        /// Raised for every event, in order, one at a time, on the SynchronizationContext captured at start.
        /// Events that come before the first handler is attached are kept and raised to it, so attaching
        /// right after <see cref="RemoteRenderingClient.KeepSession"/> misses nothing, on any thread. An
        /// exception from a handler is reported to <see cref="ArrLog"/> and does not stop the keeper.
        /// </summary>
        public event EventHandler<KeepSessionEventArgs> Changed
        {
            add
            {
                if (value == null)
                {
                    return;
                }
                bool schedule = false;
                lock (_lock)
                {
                    _changed += value;
                    if (!_subscribed)
                    {
                        _subscribed = true;
                        if (_held.Count > 0)
                        {
                            // The held events come before anything queued after them (only the last call can be).
                            var rest = _queue.ToArray();
                            _queue.Clear();
                            foreach (Item held in _held)
                            {
                                _queue.Enqueue(held);
                            }
                            foreach (Item item in rest)
                            {
                                _queue.Enqueue(item);
                            }
                            _held.Clear();
                            schedule = !_draining;
                            _draining = true;
                        }
                    }
                }
                if (schedule)
                {
                    Schedule();
                }
            }
            remove
            {
                lock (_lock)
                {
                    _changed -= value;
                }
            }
        }

        /// <summary>Completes once the keeper has stopped and every event before has been raised (see the class).</summary>
        public virtual Task Completion
        {
            get { return _completion.Task; }
        }

        /// <summary>Stops the keeper; <see cref="Completion"/> then ends as cancelled. The lease stays as it is. Idempotent, any thread.</summary>
        public virtual void Cancel()
        {
            ClientHandle client;
            lock (_lock)
            {
                if (_ended)
                {
                    return;
                }
                client = _client;
            }
            if (client == null)
            {
                OnStopped(new OperationCanceledException());
                return;
            }
            try
            {
                // NOT_FOUND (finished meanwhile) is fine; a disposed client has cancelled it already.
                NativeMethods.arr_client_cancel(client, _operationId);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        /// <summary>The same as <see cref="Cancel"/>.</summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        protected virtual void Dispose(bool disposing)
        {
            if (disposing)
            {
                Cancel();
            }
        }

        /// <summary>For mocks: raises <paramref name="e"/> as the library's next event.</summary>
        protected void OnChanged(KeepSessionEventArgs e)
        {
            if (e == null)
            {
                throw new ArgumentNullException("e");
            }
            lock (_lock)
            {
                if (_ended)
                {
                    throw new InvalidOperationException("the keeper has stopped");
                }
            }
            Enqueue(new Item { Event = e });
        }

        /// <summary>
        /// For mocks: stops the keeper after the events so far. <paramref name="error"/> null: the session
        /// ended (ran to completion); an <see cref="OperationCanceledException"/>: cancelled; anything else: faulted.
        /// </summary>
        protected void OnStopped(Exception error)
        {
            lock (_lock)
            {
                if (_ended)
                {
                    return;
                }
                _ended = true;
            }
            Enqueue(new Item { Status = ArrStatus.Ok, Json = "null", Cancelled = error is OperationCanceledException, Error = error });
        }

        internal static SessionKeeper Start(ClientHandle client, string sessionId, string optionsJson, CancellationToken token)
        {
            byte[] id = Utf8.ToNative(sessionId, "sessionId");
            byte[] options = Utf8.ToNative(optionsJson, "options");
            var keeper = new SessionKeeper(sessionId);
            if (token.IsCancellationRequested)
            {
                // Nothing was started; the lease is untouched.
                keeper._token = token;
                keeper.OnStopped(new OperationCanceledException(token));
                return keeper;
            }
            keeper._client = client;
            keeper._token = token;
            GCHandle state = GCHandle.Alloc(keeper);
            ulong operationId;
            uint status;
            try
            {
                status = NativeMethods.arr_client_keep_session(client, id, options, CallbackDelegate, GCHandle.ToIntPtr(state), out operationId);
            }
            catch
            {
                state.Free();
                throw;
            }
            if (status != (uint)ArrStatus.Ok)
            {
                // No callback follows a failed start.
                state.Free();
                throw ErrorMapper.FromLastError(status);
            }
            lock (keeper._lock)
            {
                keeper._operationId = operationId;
            }
            if (token.CanBeCanceled)
            {
                // Runs Cancel at once if the token is already cancelled.
                CancellationTokenRegistration registration = token.Register(CancelFromToken, keeper);
                bool dispose;
                lock (keeper._lock)
                {
                    dispose = keeper._ended;
                    if (!dispose)
                    {
                        keeper._registration = registration;
                    }
                }
                if (dispose)
                {
                    registration.Dispose();
                }
            }
            return keeper;
        }

        [AOT.MonoPInvokeCallback(typeof(ArrCallback))]
        private static void OnNative(IntPtr userData, uint status, IntPtr json)
        {
            // Runs on a library thread, one call at a time per keeper. Nothing may escape into native code.
            try
            {
                GCHandle state = GCHandle.FromIntPtr(userData);
                var keeper = (SessionKeeper)state.Target;
                string text = Utf8.FromNative(json);
                if (status == (uint)ArrStatus.Ok && text != null && text.TrimStart().StartsWith("{", StringComparison.Ordinal))
                {
                    keeper.OnNativeEvent(text);
                    return;
                }
                // The last call: nothing follows it.
                state.Free();
                keeper.OnNativeEnd((ArrStatus)status, text);
            }
            catch (Exception e)
            {
                ArrLog.ReportCallbackException("session keeper callback", e);
            }
        }

        private void OnNativeEvent(string json)
        {
            KeepSessionEventArgs e;
            try
            {
                e = KeepSessionEventArgs.Parse(json);
            }
            catch (Exception error)
            {
                // Never lose an event: pass on what there is.
                e = new KeepSessionEventArgs(SessionId, new KeepSessionEventKind("unreadable"), message: error.Message, json: json);
            }
            if (e.Kind == KeepSessionEventKind.Failed)
            {
                _failure = e.Message ?? "the session keeper failed";
            }
            Enqueue(new Item { Event = e });
        }

        private void OnNativeEnd(ArrStatus status, string json)
        {
            CancellationTokenRegistration registration;
            lock (_lock)
            {
                _ended = true;
                registration = _registration;
            }
            registration.Dispose();
            Enqueue(new Item { Status = status, Json = json, Cancelled = status == ArrStatus.Cancelled });
        }

        private void Enqueue(Item item)
        {
            bool schedule;
            lock (_lock)
            {
                if (item.Event != null && !_subscribed)
                {
                    _held.Add(item);
                    return;
                }
                _queue.Enqueue(item);
                schedule = !_draining;
                _draining = true;
            }
            if (schedule)
            {
                Schedule();
            }
        }

        private void Schedule()
        {
            if (_context != null)
            {
                try
                {
                    _context.Post(DrainCallback, this);
                    return;
                }
                catch (Exception e)
                {
                    // A context that no longer takes work (e.g. torn down at quit): the keeper must still complete.
                    ArrLog.ReportCallbackException("SynchronizationContext.Post for a session keeper", e);
                }
            }
            ThreadPool.QueueUserWorkItem(DrainOnPool, this);
        }

        private static void Drain(object state)
        {
            var keeper = (SessionKeeper)state;
            while (true)
            {
                Item item;
                EventHandler<KeepSessionEventArgs> handler;
                lock (keeper._lock)
                {
                    if (keeper._queue.Count == 0)
                    {
                        keeper._draining = false;
                        return;
                    }
                    item = keeper._queue.Dequeue();
                    handler = keeper._changed;
                }
                if (item.Event != null)
                {
                    if (handler != null)
                    {
                        try
                        {
                            handler(keeper, item.Event);
                        }
                        catch (Exception e)
                        {
                            ArrLog.ReportCallbackException("SessionKeeper.Changed handler", e);
                        }
                    }
                }
                else
                {
                    keeper.Finish(item);
                }
            }
        }

        private void Finish(Item item)
        {
            if (item.Cancelled)
            {
                if (_token.IsCancellationRequested)
                {
                    _completion.TrySetCanceled(_token);
                }
                else
                {
                    _completion.TrySetCanceled();
                }
            }
            else if (item.Error != null)
            {
                _completion.TrySetException(item.Error);
            }
            else if (item.Status != ArrStatus.Ok)
            {
                _completion.TrySetException(ErrorMapper.FromJson(item.Status, item.Json));
            }
            else if (_failure != null)
            {
                _completion.TrySetException(FailureException(_failure));
            }
            else
            {
                _completion.TrySetResult(true);
            }
        }

        /// <summary>
        /// The exception for a <c>failed</c> event. The library gives only a message (e.g. "... (HTTP 404,
        /// NotFound) [MS-CV ...]"), so the HTTP status and classification are read from it when it has them.
        /// </summary>
        internal static RemoteRenderingException FailureException(string message)
        {
            int? http = null;
            int at = message.IndexOf("(HTTP ", StringComparison.Ordinal);
            if (at >= 0)
            {
                int start = at + 6, end = start;
                while (end < message.Length && char.IsDigit(message[end]))
                {
                    end++;
                }
                int value;
                if (end > start && int.TryParse(message.Substring(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out value))
                {
                    http = value;
                }
            }
            ArrStatus status = http == 404 ? ArrStatus.NotFound
                : http == 401 ? ArrStatus.Unauthorized
                : http == 403 ? ArrStatus.Forbidden
                : http == 400 || http == 422 ? ArrStatus.InvalidArgument
                : ArrStatus.ServiceError;
            return new RemoteRenderingException(status, "the session keeper stopped: " + message, http, null, null, null,
                new List<RemoteRenderingServiceError>(), null, null);
        }
    }
}
