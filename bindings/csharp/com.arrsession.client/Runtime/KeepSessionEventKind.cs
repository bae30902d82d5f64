using System;

namespace ArrSession
{
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

        /// <summary>The lease reached what the budget allows (<see cref="KeepSessionOptions.BudgetTime"/> or
        /// <see cref="KeepSessionOptions.BudgetAmount"/>): no more renewals; <c>Lease</c> is the lease.</summary>
        public static KeepSessionEventKind BudgetReached { get { return new KeepSessionEventKind("budgetReached"); } }

        /// <summary>The session ended (<see cref="KeepSessionEventArgs.Status"/> Stopped, Expired or Error, with <see cref="KeepSessionEventArgs.Error"/>); the keeper stops keeping it.</summary>
        public static KeepSessionEventKind Ended { get { return new KeepSessionEventKind("ended"); } }

        /// <summary>The service throttled a request beyond the retry policy (<see cref="KeepSessionEventArgs.Exception"/>, with <see cref="KeepSessionEventArgs.RetryAfter"/>); the keeper waits and carries on.</summary>
        public static KeepSessionEventKind Throttled { get { return new KeepSessionEventKind("throttled"); } }

        /// <summary>A request failed in a way that may pass (<see cref="KeepSessionEventArgs.Exception"/>); the keeper carries on.</summary>
        public static KeepSessionEventKind Retrying { get { return new KeepSessionEventKind("retrying"); } }

        /// <summary>The session cannot be kept (unknown session, credentials refused: <see cref="KeepSessionEventArgs.Exception"/>); the keeper stops keeping it.</summary>
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
}
