// arr_session.hpp: a header-only C++17 layer over arr_session.h.
//
// RAII handles (the client and returned strings are released automatically), results as values
// (`arr::Result<T>`), and async calls taking any callable. Builds with and without exceptions
// (-fno-exceptions): errors are values; `value_or_throw()` exists only when exceptions are enabled.
// JSON stays JSON (std::string): parse it with the library of your engine.
#ifndef ARR_SESSION_HPP
#define ARR_SESSION_HPP

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "arr_session.h"

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define ARR_SESSION_HAS_EXCEPTIONS 1
#include <stdexcept>
#endif

namespace arr {

/// Owns a string returned by the library and frees it with arr_string_free.
struct StringDeleter {
    void operator()(char *s) const noexcept { arr_string_free(s); }
};
using OwnedString = std::unique_ptr<char, StringDeleter>;

/// Takes ownership of a library string and copies it into a std::string.
inline std::string take_string(char *s) {
    OwnedString owned(s);
    return owned ? std::string(owned.get()) : std::string();
}

/// The outcome of a call: a status and, on failure, the error JSON (see arr_last_error); on success, the
/// service's answer behind it (see arr_last_response).
class Status {
  public:
    Status() = default;
    Status(arr_status status, std::string error_json) : status_(status), error_json_(std::move(error_json)) {}

    /// The failure of the last call on this thread, read from arr_last_error().
    static Status from_last_error(arr_status status) { return Status(status, take_string(arr_last_error())); }
    /// The success of the last call on this thread, with arr_last_response() (also inside an async
    /// callback, for its operation).
    static Status from_last_response() {
        Status status;
        status.response_json_ = take_string(arr_last_response());
        return status;
    }

    bool ok() const noexcept { return status_ == ARR_STATUS_OK; }
    explicit operator bool() const noexcept { return ok(); }
    arr_status code() const noexcept { return status_; }
    /// `{"status":"ARR_STATUS_...","httpStatus":..,"code":..,"message":..,"msCv":..,...}`, empty on success.
    const std::string &error_json() const noexcept { return error_json_; }
    /// On success, `{"httpStatus":201,"msCv":"..."}` of the service's answer, or empty when the result came
    /// from no single answer.
    const std::string &response_json() const noexcept { return response_json_; }

  private:
    arr_status status_ = ARR_STATUS_OK;
    std::string error_json_;
    std::string response_json_;
};

#ifdef ARR_SESSION_HAS_EXCEPTIONS
/// Thrown by value_or_throw(); what() is the error JSON.
class Error : public std::runtime_error {
  public:
    explicit Error(const Status &status) : std::runtime_error(status.error_json()), status_(status) {}
    const Status &status() const noexcept { return status_; }

  private:
    Status status_;
};
#endif

/// A value or the Status saying why there is none.
template <class T>
class Result {
  public:
    Result(T value, Status status = Status()) : value_(std::move(value)), status_(std::move(status)) {}
    Result(Status status) : status_(std::move(status)) {}

    bool ok() const noexcept { return value_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }
    const Status &status() const noexcept { return status_; }
    /// The value; call only when ok().
    T &value() & { return *value_; }
    const T &value() const & { return *value_; }
    T &&value() && { return std::move(*value_); }
    T *operator->() { return &*value_; }
    const T *operator->() const { return &*value_; }

#ifdef ARR_SESSION_HAS_EXCEPTIONS
    T value_or_throw() && {
        if (!ok()) throw Error(status_);
        return std::move(*value_);
    }
#endif

  private:
    std::optional<T> value_;
    Status status_;
};

/// Receives the outcome of an async call: status and the result or error JSON. Runs on a library thread.
/// An exception it throws is caught and dropped (it never reaches the library).
using Callback = std::function<void(const Status &status, const std::string &json)>;

namespace detail {
struct ClientDeleter {
    void operator()(arr_client *c) const noexcept { arr_client_free(c); }
};

/// Runs a C call that returns a string through its last argument.
template <class Call>
inline Result<std::string> string_call(Call call) {
    char *out = nullptr;
    arr_status status = call(&out);
    if (status != ARR_STATUS_OK) return Status::from_last_error(status);
    std::string value = take_string(out);
    return Result<std::string>(std::move(value), Status::from_last_response());
}

/// The C callback: hands the outcome to the heap-allocated std::function and deletes it (exactly once).
/// The library calls it from its own (Rust) frames, which an exception must never unwind through: it is
/// noexcept, and whatever the user's callable throws (or copying the strings throws) ends here,
/// swallowed. A callback that needs to report a failure must do so itself (e.g. into a promise).
extern "C" inline void trampoline(void *user_data, arr_status status, const char *json) noexcept {
    std::unique_ptr<Callback> callback(static_cast<Callback *>(user_data));
#ifdef ARR_SESSION_HAS_EXCEPTIONS
    try {
#endif
        std::string text = json ? json : "";
        Status outcome = status == ARR_STATUS_OK ? Status::from_last_response() : Status(status, text);
        (*callback)(outcome, text);
#ifdef ARR_SESSION_HAS_EXCEPTIONS
    } catch (...) {
        // Swallowed on purpose: the alternative is undefined behaviour (or std::terminate) in the library.
    }
#endif
}

/// The C callback of a stream (arr_client_keep_session[s]): calls the std::function for every event and
/// deletes it after the last call, the first with a status other than OK. noexcept, like `trampoline`: an
/// event that cannot be copied (out of memory) is dropped, and the stream goes on.
extern "C" inline void event_trampoline(void *user_data, arr_status status, const char *json) noexcept {
    auto *callback = static_cast<Callback *>(user_data);
    const bool last = status != ARR_STATUS_OK;
#ifdef ARR_SESSION_HAS_EXCEPTIONS
    try {
#endif
        std::string text = json ? json : "";
        Status outcome = status == ARR_STATUS_OK ? Status() : Status(status, text);
        (*callback)(outcome, text);
#ifdef ARR_SESSION_HAS_EXCEPTIONS
    } catch (...) {
    }
#endif
    if (last) delete callback;
}

/// An optional JSON argument: NULL when empty.
inline const char *or_null(const std::string &json) noexcept { return json.empty() ? nullptr : json.c_str(); }

/// Starts an async call or a stream; if starting fails, the callback is destroyed unused and the failure
/// returned.
template <class Start>
inline Result<std::uint64_t> start_async(Callback callback, Start start) {
    auto *state = new Callback(std::move(callback));
    std::uint64_t operation = 0;
    arr_status status = start(state, &operation);
    if (status != ARR_STATUS_OK) {
        delete state;
        return Status::from_last_error(status);
    }
    return operation;
}
}  // namespace detail

/// A client for one account. Movable, not copyable; freeing it cancels its operations in flight (their
/// callbacks run with ARR_STATUS_CANCELLED before the destructor returns). Thread-safe for calls.
class Client {
  public:
    /// `config_json` as for arr_client_new, e.g.
    /// {"endpoint":"westus2","accountId":"...","accountDomain":"westus2","accountKey":"..."}.
    static Result<Client> create(const std::string &config_json) {
        arr_client *raw = nullptr;
        arr_status status = arr_client_new(config_json.c_str(), &raw);
        if (status != ARR_STATUS_OK) return Status::from_last_error(status);
        return Client(raw);
    }

    const arr_client *get() const noexcept { return handle_.get(); }

    /// options_json: {"id":"my-session","size":"Standard","maxLeaseTimeMinutes":60}. Returns the session JSON.
    Result<std::string> create_session(const std::string &options_json) const {
        return detail::string_call([&](char **out) { return arr_client_create_session(get(), options_json.c_str(), out); });
    }
    Result<std::string> get_session(const std::string &id) const {
        return detail::string_call([&](char **out) { return arr_client_get_session(get(), id.c_str(), out); });
    }
    /// Sets the lease to `max_lease_minutes` in total (absolute).
    Result<std::string> update_session(const std::string &id, std::uint32_t max_lease_minutes) const {
        return detail::string_call([&](char **out) { return arr_client_update_session(get(), id.c_str(), max_lease_minutes, out); });
    }
    /// Adds `by_minutes` to the current lease.
    Result<std::string> extend_session(const std::string &id, std::uint32_t by_minutes) const {
        return detail::string_call([&](char **out) { return arr_client_extend_session(get(), id.c_str(), by_minutes, out); });
    }
    Status stop_session(const std::string &id) const {
        arr_status status = arr_client_stop_session(get(), id.c_str());
        return status == ARR_STATUS_OK ? Status::from_last_response() : Status::from_last_error(status);
    }
    /// A JSON array of the Starting and Ready sessions.
    Result<std::string> list_sessions() const {
        return detail::string_call([&](char **out) { return arr_client_list_sessions(get(), out); });
    }
    /// wait_options_json: empty for defaults, or {"timeoutMs":600000,"pollIntervalMs":2000}.
    Result<std::string> wait_until_ready(const std::string &id, const std::string &wait_options_json = "") const {
        return detail::string_call([&](char **out) { return arr_client_wait_until_ready(get(), id.c_str(), detail::or_null(wait_options_json), out); });
    }
    /// ids_json: ["a","b"]. Returns one {"id","status","session"|"error"} per id.
    Result<std::string> wait_for_sessions(const std::string &ids_json, const std::string &wait_options_json = "") const {
        return detail::string_call([&](char **out) { return arr_client_wait_for_sessions(get(), ids_json.c_str(), detail::or_null(wait_options_json), out); });
    }

    /// Asset conversions (api-version 2021-01-01). settings_json is the REST conversion_settings:
    /// {"inputLocation":{"storageContainerUri":"...","relativeInputAssetPath":"box.fbx",...},
    ///  "outputLocation":{"storageContainerUri":"...",...}}. Returns the conversion JSON (never a SAS).
    Result<std::string> create_conversion(const std::string &id, const std::string &settings_json) const {
        return detail::string_call([&](char **out) {
            return arr_client_create_conversion(get(), id.c_str(), settings_json.c_str(), out);
        });
    }
    Result<std::string> get_conversion(const std::string &id) const {
        return detail::string_call([&](char **out) { return arr_client_get_conversion(get(), id.c_str(), out); });
    }
    /// A JSON array of every conversion of the account.
    Result<std::string> list_conversions() const {
        return detail::string_call([&](char **out) { return arr_client_list_conversions(get(), out); });
    }
    /// Waits until Succeeded, Failed or Cancelled and returns the conversion in that state.
    Result<std::string> wait_for_conversion(const std::string &id, const std::string &wait_options_json = "") const {
        return detail::string_call(
            [&](char **out) { return arr_client_wait_for_conversion(get(), id.c_str(), detail::or_null(wait_options_json), out); });
    }

    /// `{"accessToken":"..."}`: a valid Mixed Reality access token (a secret; never log it).
    Result<std::string> access_token() const {
        return detail::string_call([&](char **out) { return arr_client_get_access_token(get(), out); });
    }
    /// The ids of the sessions this client owns, as a JSON array.
    Result<std::string> owned_sessions() const {
        return detail::string_call([&](char **out) { return arr_client_get_owned_sessions(get(), out); });
    }
    /// Stops every owned session within `timeout_ms`; one {"id","status"[,"error"]} per session.
    Result<std::string> stop_owned_sessions(std::uint32_t timeout_ms) const {
        return detail::string_call([&](char **out) { return arr_client_stop_owned_sessions(get(), timeout_ms, out); });
    }

    /// The async forms return the operation id (for cancel()); `callback` runs exactly once.
    Result<std::uint64_t> create_session_async(const std::string &options_json, Callback callback) const {
        return detail::start_async(std::move(callback), [&](Callback *state, std::uint64_t *op) {
            return arr_client_create_session_async(get(), options_json.c_str(), detail::trampoline, state, op);
        });
    }
    Result<std::uint64_t> get_session_async(const std::string &id, Callback callback) const {
        return detail::start_async(std::move(callback), [&](Callback *state, std::uint64_t *op) {
            return arr_client_get_session_async(get(), id.c_str(), detail::trampoline, state, op);
        });
    }
    Result<std::uint64_t> wait_until_ready_async(const std::string &id, Callback callback,
                                                 const std::string &wait_options_json = "") const {
        return detail::start_async(std::move(callback), [&](Callback *state, std::uint64_t *op) {
            return arr_client_wait_until_ready_async(get(), id.c_str(), detail::or_null(wait_options_json), detail::trampoline, state, op);
        });
    }
    Result<std::uint64_t> update_session_async(const std::string &id, std::uint32_t max_lease_minutes,
                                               Callback callback) const {
        return detail::start_async(std::move(callback), [&](Callback *state, std::uint64_t *op) {
            return arr_client_update_session_async(get(), id.c_str(), max_lease_minutes, detail::trampoline, state, op);
        });
    }
    Result<std::uint64_t> extend_session_async(const std::string &id, std::uint32_t by_minutes, Callback callback) const {
        return detail::start_async(std::move(callback), [&](Callback *state, std::uint64_t *op) {
            return arr_client_extend_session_async(get(), id.c_str(), by_minutes, detail::trampoline, state, op);
        });
    }
    Result<std::uint64_t> list_sessions_async(Callback callback) const {
        return detail::start_async(std::move(callback), [&](Callback *state, std::uint64_t *op) {
            return arr_client_list_sessions_async(get(), detail::trampoline, state, op);
        });
    }
    Result<std::uint64_t> wait_for_sessions_async(const std::string &ids_json, Callback callback,
                                                  const std::string &wait_options_json = "") const {
        return detail::start_async(std::move(callback), [&](Callback *state, std::uint64_t *op) {
            return arr_client_wait_for_sessions_async(get(), ids_json.c_str(), detail::or_null(wait_options_json), detail::trampoline, state, op);
        });
    }
    Result<std::uint64_t> stop_session_async(const std::string &id, Callback callback) const {
        return detail::start_async(std::move(callback), [&](Callback *state, std::uint64_t *op) {
            return arr_client_stop_session_async(get(), id.c_str(), detail::trampoline, state, op);
        });
    }
    /// Keeps the session alive (arr_client_keep_session): `on_event` runs for each event (status OK, the
    /// event JSON), one at a time and in order, then once more to end the operation, with another status:
    /// ARR_STATUS_SESSION_ENDED when the session ended, the failure's status (e.g. ARR_STATUS_NOT_FOUND) when it
    /// cannot be kept, ARR_STATUS_CANCELLED after cancel()/close().
    /// options_json: empty for defaults, or
    /// {"extendByMinutes":30,"renewBelowMinutes":10,"maxTotalMinutes":240,"warnAtMinutes":[10,2]}.
    Result<std::uint64_t> keep_session(const std::string &id, Callback on_event,
                                       const std::string &options_json = "") const {
        return detail::start_async(std::move(on_event), [&](Callback *state, std::uint64_t *op) {
            return arr_client_keep_session(get(), id.c_str(), detail::or_null(options_json), detail::event_trampoline,
                                           state, op);
        });
    }
    /// Keeps many sessions alive with one list request per poll (arr_client_keep_sessions): as keep_session,
    /// the events naming their session; ids_json: ["a","b"].
    Result<std::uint64_t> keep_sessions(const std::string &ids_json, Callback on_event,
                                        const std::string &options_json = "") const {
        return detail::start_async(std::move(on_event), [&](Callback *state, std::uint64_t *op) {
            return arr_client_keep_sessions(get(), ids_json.c_str(), detail::or_null(options_json),
                                            detail::event_trampoline, state, op);
        });
    }
    Result<std::uint64_t> create_conversion_async(const std::string &id, const std::string &settings_json,
                                                  Callback callback) const {
        return detail::start_async(std::move(callback), [&](Callback *state, std::uint64_t *op) {
            return arr_client_create_conversion_async(get(), id.c_str(), settings_json.c_str(), detail::trampoline,
                                                      state, op);
        });
    }
    Result<std::uint64_t> get_conversion_async(const std::string &id, Callback callback) const {
        return detail::start_async(std::move(callback), [&](Callback *state, std::uint64_t *op) {
            return arr_client_get_conversion_async(get(), id.c_str(), detail::trampoline, state, op);
        });
    }
    Result<std::uint64_t> list_conversions_async(Callback callback) const {
        return detail::start_async(std::move(callback), [&](Callback *state, std::uint64_t *op) {
            return arr_client_list_conversions_async(get(), detail::trampoline, state, op);
        });
    }
    Result<std::uint64_t> wait_for_conversion_async(const std::string &id, Callback callback,
                                                    const std::string &wait_options_json = "") const {
        return detail::start_async(std::move(callback), [&](Callback *state, std::uint64_t *op) {
            return arr_client_wait_for_conversion_async(get(), id.c_str(), detail::or_null(wait_options_json), detail::trampoline, state, op);
        });
    }
    /// Closes the client (arr_client_close): every operation is cancelled (blocking calls on other threads
    /// return ARR_STATUS_CANCELLED, async callbacks run with it) and, with "stopOwnedSessionsOnClose", the
    /// owned sessions are stopped within closeTimeoutMs. Afterwards every call answers ARR_STATUS_CLOSED;
    /// the destructor still frees the handle. Any thread, also while others are in calls; more than once.
    Status close() const {
        arr_status status = arr_client_close(get());
        return status == ARR_STATUS_OK ? Status() : Status::from_last_error(status);
    }
    /// Cancels an async operation of this client; its callback then runs with ARR_STATUS_CANCELLED.
    Status cancel(std::uint64_t operation) const {
        arr_status status = arr_client_cancel(get(), operation);
        return status == ARR_STATUS_OK ? Status() : Status::from_last_error(status);
    }

  private:
    explicit Client(arr_client *raw) : handle_(raw) {}
    std::unique_ptr<arr_client, detail::ClientDeleter> handle_;
};

}  // namespace arr

#endif  // ARR_SESSION_HPP
