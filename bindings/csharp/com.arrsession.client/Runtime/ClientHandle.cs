using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace ArrSession.Native
{
    /// <summary>
    /// Owns one <c>arr_client *</c>. The P/Invoke marshaller adds a reference for the duration of every
    /// call that takes the handle, so <c>arr_client_free</c> never runs while another thread is inside a
    /// call on the same client (the ABI forbids that); it runs when the last such call returns.
    /// </summary>
    internal sealed class ClientHandle : SafeHandle
    {
        // Forgets state the native side reaches through user_data (the token provider), once
        // arr_client_free has returned.
        private Action _onReleased;
        private int _closing;

        public ClientHandle()
            : base(IntPtr.Zero, ownsHandle: true)
        {
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        internal void OnReleased(Action action)
        {
            _onReleased = action;
        }

        /// <summary>The binding is closing this client (Dispose, or release): see <c>TokenBridge</c>.</summary>
        internal bool IsClosing
        {
            get { return Volatile.Read(ref _closing) != 0; }
        }

        internal void MarkClosing()
        {
            Volatile.Write(ref _closing, 1);
        }

        protected override bool ReleaseHandle()
        {
            MarkClosing();
            // Blocks until the callbacks of this client's cancelled operations have returned; afterwards
            // none of them runs.
            NativeMethods.arr_client_free(handle);
            if (_onReleased != null)
            {
                _onReleased();
            }
            return true;
        }
    }
}
