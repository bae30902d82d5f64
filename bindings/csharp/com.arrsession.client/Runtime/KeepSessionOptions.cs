using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using ArrSession.Internal;

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

        /// <summary>
        /// Stop renewing once the session's billed time (from create, start-up included) would pass this;
        /// the keeper then raises <see cref="KeepSessionEventKind.BudgetReached"/>. Null: no budget.
        /// </summary>
        public TimeSpan? BudgetTime { get; set; }

        /// <summary>
        /// Stop renewing once the session's cost would pass this amount at <see cref="PricesJson"/> (required
        /// with it): <c>{"currency": "USD", "perHour": {"Standard": 3.0, "Premium": 12.0}}</c>. No price is built in.
        /// </summary>
        public double? BudgetAmount { get; set; }

        /// <summary>The price table of <see cref="BudgetAmount"/>, as JSON.</summary>
        public string PricesJson { get; set; }

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
            writer.Add("budgetMinutes", OptionalMinutes(options.BudgetTime, "BudgetTime"))
                .AddRaw("budgetAmount", options.BudgetAmount.HasValue
                    ? options.BudgetAmount.Value.ToString("R", CultureInfo.InvariantCulture) : null)
                .AddRaw("prices", options.PricesJson);
            return writer.ToString();
        }

        private static long? OptionalMinutes(TimeSpan? span, string name)
        {
            return span.HasValue ? (long?)RenderingSessionOptions.Minutes(span.Value, name) : null;
        }
    }
}
