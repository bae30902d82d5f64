using System;
using System.Collections.Generic;
using ArrSession.Native;

namespace ArrSession.Internal
{
    /// <summary>Turns the library's error JSON into exceptions.</summary>
    internal static class ErrorMapper
    {
        /// <summary>The exception for a failed synchronous call, from this thread's <c>arr_last_error</c>.</summary>
        internal static Exception FromLastError(uint status)
        {
            // Must run on the thread of the failed call, before any other arr_ call.
            string json = Utf8.TakeOwned(NativeMethods.arr_last_error());
            return FromJson((ArrStatus)status, json);
        }

        /// <summary>
        /// The exception for <paramref name="status"/> and its error JSON. Argument errors found before
        /// any request (no HTTP status) become <see cref="ArgumentException"/>s; a cancelled blocking call
        /// an <see cref="OperationCanceledException"/>; a disposed client an <see cref="ObjectDisposedException"/>; everything else a <see cref="RemoteRenderingException"/>
        /// (a client shut down or inherited across <c>fork()</c> too: <see cref="ArrStatus.Shutdown"/>, <see cref="ArrStatus.Forked"/>).
        /// </summary>
        internal static Exception FromJson(ArrStatus status, string json)
        {
            JsonObject error = null;
            try
            {
                error = json == null ? null : Json.ParseObject(json);
            }
            catch (FormatException)
            {
                // Keep the raw text in the exception below.
            }
            if (error == null)
            {
                return new RemoteRenderingException(status, "arr-session failed with " + status + " (no details)",
                    null, null, null, null, new List<RemoteRenderingServiceError>(), null, json);
            }
            return FromObject(status, error, json);
        }

        /// <summary>
        /// The exception for an error object that names its own status (<c>"status": "ARR_STATUS_NOT_FOUND"</c>):
        /// a keeper event's <c>error</c>, an entry of a many-session result.
        /// </summary>
        internal static Exception FromErrorObject(JsonObject error)
        {
            ArrStatus status = ArrStatusNames.Parse(error.GetString("status")) ?? ArrStatus.ServiceError;
            return FromObject(status, error, null);
        }

        /// <summary>As <see cref="FromJson"/>, for an error object already parsed.</summary>
        internal static Exception FromObject(ArrStatus status, JsonObject error, string json)
        {
            string message = error.GetString("message") ?? status.ToString();
            int? httpStatus = error.GetInt("httpStatus");
            if (status == ArrStatus.NullArgument && !httpStatus.HasValue)
            {
                return new ArgumentNullException(ArgumentName(message), message);
            }
            if (status == ArrStatus.InvalidArgument && !httpStatus.HasValue)
            {
                return new ArgumentException(message, ArgumentName(message));
            }
            if (status == ArrStatus.Cancelled)
            {
                return new OperationCanceledException(message);
            }
            if (status == ArrStatus.Closed)
            {
                return new ObjectDisposedException("RemoteRenderingClient", message);
            }
            double? retryAfter = error.GetDouble("retryAfterSeconds");
            JsonObject session = error.GetObject("session");
            return new RemoteRenderingException(
                status, message, httpStatus, error.GetString("code"), error.GetString("msCv"),
                retryAfter.HasValue ? (TimeSpan?)TimeSpan.FromSeconds(retryAfter.Value) : null,
                RemoteRenderingServiceError.ListFrom(error.GetArray("details")),
                session == null ? null : RenderingSession.FromJson(session), json);
        }

        /// <summary>
        /// The argument a message names: the library starts argument errors with <c>"name: problem"</c>.
        /// </summary>
        private static string ArgumentName(string message)
        {
            int colon = message.IndexOf(':');
            if (colon <= 0)
            {
                return null;
            }
            string name = message.Substring(0, colon);
            foreach (char c in name)
            {
                if (!(char.IsLetterOrDigit(c) || c == '_' || c == '.' || c == '/'))
                {
                    return null;
                }
            }
            // The C parameter names are snake_case; say them the C# way.
            var parts = name.Split('_');
            for (int i = 1; i < parts.Length; i++)
            {
                if (parts[i].Length > 0)
                {
                    parts[i] = char.ToUpperInvariant(parts[i][0]) + parts[i].Substring(1);
                }
            }
            return string.Concat(parts);
        }
    }
}
