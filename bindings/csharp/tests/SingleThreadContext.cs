using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace ArrSession.Tests
{
    /// <summary>
    /// A stand-in for Unity's main thread: a SynchronizationContext whose posts run one by one on a single
    /// dedicated thread.
    /// </summary>
    internal sealed class SingleThreadContext : SynchronizationContext, IDisposable
    {
        private readonly BlockingCollection<KeyValuePair<SendOrPostCallback, object>> _queue =
            new BlockingCollection<KeyValuePair<SendOrPostCallback, object>>();
        private readonly Thread _thread;

        internal SingleThreadContext()
        {
            _thread = new Thread(Pump) { IsBackground = true, Name = "fake-unity-main" };
            _thread.Start();
        }

        internal Thread Thread
        {
            get { return _thread; }
        }

        public override void Post(SendOrPostCallback d, object state)
        {
            _queue.Add(new KeyValuePair<SendOrPostCallback, object>(d, state));
        }

        public override void Send(SendOrPostCallback d, object state)
        {
            throw new NotSupportedException("Send would block the main thread");
        }

        /// <summary>Starts <paramref name="body"/> on the context's thread and returns its completion.</summary>
        internal Task Run(Func<Task> body)
        {
            var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Post(_ =>
            {
                Task task;
                try
                {
                    task = body();
                }
                catch (Exception e)
                {
                    done.TrySetException(e);
                    return;
                }
                task.ContinueWith(t =>
                {
                    if (t.IsFaulted)
                    {
                        done.TrySetException(t.Exception.InnerExceptions);
                    }
                    else if (t.IsCanceled)
                    {
                        done.TrySetCanceled();
                    }
                    else
                    {
                        done.TrySetResult(true);
                    }
                }, TaskScheduler.Default);
            }, null);
            return done.Task;
        }

        private void Pump()
        {
            SetSynchronizationContext(this);
            foreach (KeyValuePair<SendOrPostCallback, object> item in _queue.GetConsumingEnumerable())
            {
                item.Key(item.Value);
            }
        }

        public void Dispose()
        {
            _queue.CompleteAdding();
        }
    }
}
