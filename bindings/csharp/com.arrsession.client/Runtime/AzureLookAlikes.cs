using System;
using System.Collections;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

// Look-alikes of the few types of Azure.Core that Microsoft's Azure.MixedReality.RemoteRendering puts in
// its signatures (namespaces Azure and Azure.Core there). They live here so that code written against
// Microsoft's SDK compiles after replacing
//     using Azure; using Azure.Core; using Azure.MixedReality.RemoteRendering;
// with
//     using ArrSession; using ArrSession.Azure;
// They are written for this package and carry only what its client needs; they are not Azure.Core.
namespace ArrSession.Azure
{
    /// <summary>An account key (Azure's <c>AzureKeyCredential</c>): exchanged at the Mixed Reality STS for access tokens.</summary>
    public class AzureKeyCredential
    {
        private volatile string _key;

        public AzureKeyCredential(string key)
        {
            Update(key);
        }

        /// <summary>The key. A secret: never log it.</summary>
        public string Key
        {
            get { return _key; }
        }

        /// <summary>Replaces the key for clients created afterwards (a client keeps the key it was created with).</summary>
        public void Update(string key)
        {
            if (key == null)
            {
                throw new ArgumentNullException("key");
            }
            if (key.Length == 0)
            {
                throw new ArgumentException("must not be empty", "key");
            }
            _key = key;
        }
    }

    /// <summary>A Mixed Reality access token used as it is, without the STS (Azure.Core's <c>AccessToken</c>).</summary>
    public struct AccessToken : IEquatable<AccessToken>
    {
        private readonly string _token;
        private readonly DateTimeOffset _expiresOn;

        public AccessToken(string accessToken, DateTimeOffset expiresOn)
        {
            _token = accessToken;
            _expiresOn = expiresOn;
        }

        /// <summary>The token. A secret: never log it.</summary>
        public string Token
        {
            get { return _token; }
        }

        /// <summary>When the token expires (the library reads the expiry from the token itself).</summary>
        public DateTimeOffset ExpiresOn
        {
            get { return _expiresOn; }
        }

        public bool Equals(AccessToken other)
        {
            return string.Equals(_token, other._token, StringComparison.Ordinal) && _expiresOn == other._expiresOn;
        }

        public override bool Equals(object obj)
        {
            return obj is AccessToken && Equals((AccessToken)obj);
        }

        public override int GetHashCode()
        {
            return (_token == null ? 0 : _token.GetHashCode()) ^ _expiresOn.GetHashCode();
        }
    }

    /// <summary>
    /// What the service answered (Azure's <c>Response</c>): the HTTP <see cref="Status"/> of the answer behind a
    /// success (201 for a created session, 200 for a read, ...) and its MS-CV, in <see cref="Headers"/> as
    /// Azure.Core has it and as <see cref="MsCv"/>. The library carries no body or other header across its ABI.
    /// For a result that came from no single answer (a wait for many sessions, stopping owned sessions, a
    /// token) <see cref="Status"/> is 200 and there is no MS-CV; failures carry both on
    /// <see cref="RequestFailedException"/>.
    /// </summary>
    public class Response
    {
        internal static readonly Response Ok = new Response(200, null);

        protected Response()
        {
        }

        internal Response(int status, string msCv)
        {
            Status = status;
            MsCv = msCv;
        }

        /// <summary>The HTTP status of the answer.</summary>
        public virtual int Status { get; private set; }

        /// <summary>The correlation vector of the answer (its <c>MS-CV</c> header); quote it in support requests.</summary>
        public virtual string MsCv { get; private set; }

        /// <summary>Azure.Core's name for the request id; here the MS-CV.</summary>
        public virtual string ClientRequestId
        {
            get { return MsCv; }
        }

        /// <summary>The answer's headers the library reports: <c>MS-CV</c> (<c>Headers.TryGetValue("MS-CV", out value)</c>).</summary>
        public virtual ResponseHeaders Headers
        {
            get { return new ResponseHeaders(MsCv == null ? new HttpHeader[0] : new[] { new HttpHeader("MS-CV", MsCv) }); }
        }

        /// <summary>Whether <see cref="Status"/> is an error status (never, for what the client returns).</summary>
        public virtual bool IsError
        {
            get { return Status >= 400; }
        }

        /// <summary>The answer behind a success, from <c>arr_last_response</c>'s <c>{"httpStatus", "msCv"}</c>; null for none.</summary>
        internal static Response FromLibrary(string json)
        {
            if (json == null)
            {
                return null;
            }
            Internal.JsonObject o = Internal.Json.ParseObject(json);
            int? status = o.GetInt("httpStatus");
            return status.HasValue ? new Response(status.Value, o.GetString("msCv")) : null;
        }

        public override string ToString()
        {
            return "Status: " + Status + (MsCv != null ? ", MS-CV: " + MsCv : string.Empty);
        }
    }

    /// <summary>A header of a <see cref="Response"/> (Azure.Core's <c>HttpHeader</c>).</summary>
    public struct HttpHeader : IEquatable<HttpHeader>
    {
        private readonly string _name;
        private readonly string _value;

        public HttpHeader(string name, string value)
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException("must not be empty", "name");
            }
            _name = name;
            _value = value;
        }

        public string Name
        {
            get { return _name; }
        }

        public string Value
        {
            get { return _value; }
        }

        public bool Equals(HttpHeader other)
        {
            return string.Equals(_name, other._name, StringComparison.OrdinalIgnoreCase) && string.Equals(_value, other._value, StringComparison.Ordinal);
        }

        public override bool Equals(object obj)
        {
            return obj is HttpHeader && Equals((HttpHeader)obj);
        }

        public override int GetHashCode()
        {
            return (_name == null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_name)) ^ (_value == null ? 0 : _value.GetHashCode());
        }

        public override string ToString()
        {
            return _name + ":" + _value;
        }
    }

    /// <summary>The headers of a <see cref="Response"/> (Azure.Core's <c>ResponseHeaders</c>); names compare case-insensitively.</summary>
    public struct ResponseHeaders : IEnumerable<HttpHeader>
    {
        private readonly HttpHeader[] _headers;

        internal ResponseHeaders(HttpHeader[] headers)
        {
            _headers = headers;
        }

        /// <summary>The value of the header <paramref name="name"/>, if the answer had it.</summary>
        public bool TryGetValue(string name, out string value)
        {
            foreach (HttpHeader header in this)
            {
                if (string.Equals(header.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    value = header.Value;
                    return true;
                }
            }
            value = null;
            return false;
        }

        /// <summary>The values of the header <paramref name="name"/>, if the answer had it.</summary>
        public bool TryGetValues(string name, out IEnumerable<string> values)
        {
            string value;
            bool found = TryGetValue(name, out value);
            values = found ? new[] { value } : null;
            return found;
        }

        public bool Contains(string name)
        {
            string value;
            return TryGetValue(name, out value);
        }

        public IEnumerator<HttpHeader> GetEnumerator()
        {
            return ((IEnumerable<HttpHeader>)(_headers ?? new HttpHeader[0])).GetEnumerator();
        }

        IEnumerator IEnumerable.GetEnumerator()
        {
            return GetEnumerator();
        }
    }

    /// <summary>A result and the answer it came with (Azure's <c>Response&lt;T&gt;</c>); converts to <typeparamref name="T"/> implicitly.</summary>
    public class Response<T>
    {
        private readonly T _value;
        private readonly Response _raw;

        protected Response()
        {
        }

        internal Response(T value, Response raw)
        {
            _value = value;
            _raw = raw ?? Response.Ok;
        }

        /// <summary>Creates a response for tests and mocks.</summary>
        public static Response<T> FromValue(T value, Response rawResponse)
        {
            return new Response<T>(value, rawResponse);
        }

        public virtual T Value
        {
            get { return _value; }
        }

        public virtual Response GetRawResponse()
        {
            return _raw;
        }

        public static implicit operator T(Response<T> response)
        {
            if (response == null)
            {
                throw new ArgumentNullException("response");
            }
            return response.Value;
        }

        public override string ToString()
        {
            return "Response<" + typeof(T).Name + ">(" + _raw + ")";
        }
    }

    /// <summary>
    /// A failed request (Azure's <c>RequestFailedException</c>): <see cref="Status"/> is the HTTP status
    /// (0 when no answer was received) and <see cref="ErrorCode"/> the service's error code. The client
    /// throws <see cref="ArrSession.RemoteRenderingException"/>, which adds the library's details.
    /// </summary>
    [Serializable]
    public class RequestFailedException : Exception
    {
        public RequestFailedException(string message)
            : this(0, message, null, null)
        {
        }

        public RequestFailedException(int status, string message)
            : this(status, message, null, null)
        {
        }

        public RequestFailedException(int status, string message, string errorCode, Exception innerException)
            : base(message, innerException)
        {
            Status = status;
            ErrorCode = errorCode;
        }

        /// <summary>The HTTP status of the failed answer; 0 if none was received (network error, timeout, cancelled token).</summary>
        public int Status { get; private set; }

        /// <summary>The service's error code (e.g. <c>"Conflict"</c>), if it sent one.</summary>
        public string ErrorCode { get; private set; }
    }

    /// <summary>A long-running operation (Azure's <c>Operation&lt;T&gt;</c>) without Azure.Core's pipeline.</summary>
    public abstract class Operation<T>
    {
        public abstract string Id { get; }
        public abstract T Value { get; }
        public abstract bool HasValue { get; }
        public abstract bool HasCompleted { get; }
        public abstract Response GetRawResponse();
        public abstract Response UpdateStatus(CancellationToken cancellationToken = default(CancellationToken));
        public abstract Task<Response> UpdateStatusAsync(CancellationToken cancellationToken = default(CancellationToken));
        public abstract Response<T> WaitForCompletion(CancellationToken cancellationToken = default(CancellationToken));
        public abstract Task<Response<T>> WaitForCompletionAsync(CancellationToken cancellationToken = default(CancellationToken));
        public abstract Task<Response<T>> WaitForCompletionAsync(TimeSpan pollingInterval, CancellationToken cancellationToken);
    }

    /// <summary>
    /// The items of a listing (Azure's <c>Pageable&lt;T&gt;</c>). The library fetches every page before
    /// answering, so this is a complete list: enumerate it, index it, count it.
    /// </summary>
    public class Pageable<T> : IEnumerable<T>, IReadOnlyList<T>
    {
        private readonly IReadOnlyList<T> _items;

        protected Pageable()
        {
            _items = new List<T>();
        }

        internal Pageable(IReadOnlyList<T> items)
        {
            _items = items;
        }

        /// <summary>Creates a listing for tests and mocks.</summary>
        public static Pageable<T> FromValues(IEnumerable<T> values)
        {
            return new Pageable<T>(new List<T>(values));
        }

        public virtual int Count
        {
            get { return _items.Count; }
        }

        public virtual T this[int index]
        {
            get { return _items[index]; }
        }

        public virtual IEnumerator<T> GetEnumerator()
        {
            return _items.GetEnumerator();
        }

        IEnumerator IEnumerable.GetEnumerator()
        {
            return GetEnumerator();
        }
    }

    /// <summary>
    /// An asynchronous listing (Azure's <c>AsyncPageable&lt;T&gt;</c>). With C# 8 or later (Unity 2020.2+),
    /// <c>await foreach (var s in client.GetSessionsAsync())</c> works as with Microsoft's SDK (the pattern
    /// needs no IAsyncEnumerable). With C# 7, <c>await client.GetSessionsAsync()</c> gives the whole list.
    /// The request starts when the listing is created.
    /// </summary>
    public class AsyncPageable<T>
    {
        private readonly Task<Pageable<T>> _task;

        protected AsyncPageable()
        {
        }

        internal AsyncPageable(Task<Pageable<T>> task)
        {
            _task = task;
        }

        /// <summary>Creates a listing for tests and mocks.</summary>
        public static AsyncPageable<T> FromValues(IEnumerable<T> values)
        {
            return new AsyncPageable<T>(Task.FromResult(Pageable<T>.FromValues(values)));
        }

        /// <summary>The whole listing.</summary>
        public virtual Task<Pageable<T>> AsTask()
        {
            return _task;
        }

        public TaskAwaiter<Pageable<T>> GetAwaiter()
        {
            return AsTask().GetAwaiter();
        }

        public Enumerator GetAsyncEnumerator(CancellationToken cancellationToken = default(CancellationToken))
        {
            return new Enumerator(AsTask());
        }

        /// <summary>Enumerates the listing for C# 8's <c>await foreach</c>.</summary>
        public sealed class Enumerator
        {
            private readonly Task<Pageable<T>> _task;
            private IEnumerator<T> _items;

            internal Enumerator(Task<Pageable<T>> task)
            {
                _task = task;
            }

            public T Current
            {
                get { return _items == null ? default(T) : _items.Current; }
            }

            public async Task<bool> MoveNextAsync()
            {
                if (_items == null)
                {
                    _items = (await _task.ConfigureAwait(false)).GetEnumerator();
                }
                return _items.MoveNext();
            }

            public Task DisposeAsync()
            {
                return Task.FromResult(0);
            }
        }
    }
}
