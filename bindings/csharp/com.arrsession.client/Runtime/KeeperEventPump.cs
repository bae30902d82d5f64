using System;
using System.Collections.Generic;
using System.Threading;

namespace ArrSession.Internal
{
    /// <summary>
    /// Raises a keeper's events in order, one at a time, on a SynchronizationContext (none: the thread pool),
    /// then runs its end once every event before it has been raised. Events that come before the first handler
    /// is attached are held and raised to it, so attaching right after the keeper started misses nothing.
    /// </summary>
    internal sealed class KeeperEventPump
    {
        private static readonly SendOrPostCallback DrainCallback = Drain;
        private static readonly WaitCallback DrainOnPool = Drain;

        private readonly object _lock = new object();
        private readonly object _sender;
        private readonly SynchronizationContext _context;
        private readonly Queue<Item> _queue = new Queue<Item>();
        private readonly List<Item> _held = new List<Item>();
        private EventHandler<KeepSessionEventArgs> _handlers;
        private bool _subscribed;
        private bool _draining;

        private sealed class Item
        {
            internal KeepSessionEventArgs Event;
            internal Action End;
        }

        /// <param name="sender">The sender handlers see (the keeper).</param>
        /// <param name="context">Where events are raised; null: the thread pool.</param>
        internal KeeperEventPump(object sender, SynchronizationContext context)
        {
            _sender = sender;
            _context = context;
        }

        internal void AddHandler(EventHandler<KeepSessionEventArgs> handler)
        {
            if (handler == null)
            {
                return;
            }
            bool schedule = false;
            lock (_lock)
            {
                _handlers += handler;
                if (!_subscribed)
                {
                    _subscribed = true;
                    if (_held.Count > 0)
                    {
                        // The held events come before anything queued after them (only the end can be).
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

        internal void RemoveHandler(EventHandler<KeepSessionEventArgs> handler)
        {
            lock (_lock)
            {
                _handlers -= handler;
            }
        }

        /// <summary>Queues an event (held until the first handler is attached).</summary>
        internal void PostEvent(KeepSessionEventArgs e)
        {
            Enqueue(new Item { Event = e });
        }

        /// <summary>Queues the end: <paramref name="end"/> runs after every event posted before it.</summary>
        internal void PostEnd(Action end)
        {
            Enqueue(new Item { End = end });
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
            var pump = (KeeperEventPump)state;
            while (true)
            {
                Item item;
                EventHandler<KeepSessionEventArgs> handlers;
                lock (pump._lock)
                {
                    if (pump._queue.Count == 0)
                    {
                        pump._draining = false;
                        return;
                    }
                    item = pump._queue.Dequeue();
                    handlers = pump._handlers;
                }
                try
                {
                    if (item.Event == null)
                    {
                        item.End();
                    }
                    else if (handlers != null)
                    {
                        handlers(pump._sender, item.Event);
                    }
                }
                catch (Exception e)
                {
                    ArrLog.ReportCallbackException(
                        item.Event == null ? "a session keeper's end (Completion)" : "SessionKeeper.Changed handler", e);
                }
            }
        }
    }
}
