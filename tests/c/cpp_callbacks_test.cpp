// The C++ layer's callbacks: an exception thrown by the user's callable must never unwind through the
// library's (Rust) frames. The trampoline handed to the C ABI is noexcept and catches everything; the
// process survives, the callable's state is released, and later calls work.
// Usage: cpp_callbacks_test BASE_URL SLOW_URL
//   BASE_URL  an emulator whose sessions start at once; SLOW_URL one whose sessions stay Starting.
// Prints one line per check and ends with "N passed, N failed"; exits non-zero on any failure.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

#include "arr_session.hpp"

// Armed, the next allocation made through operator new off the main thread throws bad_alloc. Off the main
// thread, only the library's callback threads run C++ (its own threads allocate through Rust, not operator
// new), and the first allocation a callback of the C++ layer makes is its own (the trampoline copying the
// JSON), before the user's callable runs.
static std::atomic<bool> fail_next_callback_allocation{false};
static const std::thread::id main_thread = std::this_thread::get_id();

static bool on_callback_thread() { return std::this_thread::get_id() != main_thread; }

void *operator new(std::size_t size) {
    bool armed = true;
    if (fail_next_callback_allocation.load() && on_callback_thread() &&
        fail_next_callback_allocation.compare_exchange_strong(armed, false)) {
        throw std::bad_alloc();
    }
    if (void *p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }

namespace {

int passed = 0;
int failed = 0;

void check(bool ok, const std::string &what) {
    if (ok) {
        passed++;
        std::printf("ok   %s\n", what.c_str());
    } else {
        failed++;
        std::printf("FAIL %s\n", what.c_str());
    }
    std::fflush(stdout);
}

std::string config_for(const std::string &url) {
    return "{\"endpoint\":\"" + url + "\",\"stsEndpoint\":\"" + url +
           "\",\"accountId\":\"11111111-1111-1111-1111-111111111111\","
           "\"accountKey\":\"YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==\",\"pollIntervalMs\":50,"
           "\"retry\":{\"baseDelayMs\":10}}";
}

// Counts callback invocations; a test waits (bounded) for a number of them.
struct Counter {
    std::mutex lock;
    std::condition_variable cond;
    int calls = 0;
    arr_status last = ARR_STATUS_OK;

    void hit(arr_status status) {
        std::lock_guard<std::mutex> guard(lock);
        calls++;
        last = status;
        cond.notify_all();
    }
    bool wait_for(int n, int seconds) {
        std::unique_lock<std::mutex> guard(lock);
        return cond.wait_for(guard, std::chrono::seconds(seconds), [&] { return calls >= n; });
    }
    int count() {
        std::lock_guard<std::mutex> guard(lock);
        return calls;
    }
};

// Lives in the callable's captures: its destructor shows that the callable was released after throwing.
struct Witness {
    std::atomic<int> *destroyed;
    explicit Witness(std::atomic<int> *d) : destroyed(d) {}
    ~Witness() { destroyed->fetch_add(1); }
};

}  // namespace

int main(int argc, char **argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: cpp_callbacks_test BASE_URL SLOW_URL\n");
        return 2;
    }
    const std::string fast = argv[1];
    const std::string slow = argv[2];

    static_assert(noexcept(arr::detail::trampoline(nullptr, ARR_STATUS_OK, nullptr)),
                  "the trampoline handed to the C ABI must be noexcept");

    auto made = arr::Client::create(config_for(fast));
    check(made.ok(), "client from the emulator config");
    if (!made.ok()) {
        std::printf("%d passed, %d failed\n", passed, failed);
        return 1;
    }
    arr::Client client = std::move(made).value();
    auto created = client.create_session("{\"id\":\"cpp-throw\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10}");
    check(created.ok(), "create_session");

    // 1. One async callable throws a std::exception.
    Counter thrown;
    std::atomic<int> released{0};
    {
        auto witness = std::make_shared<Witness>(&released);
        auto started = client.get_session_async("cpp-throw", [&thrown, witness](const arr::Status &status, const std::string &) {
            thrown.hit(status.code());
            throw std::runtime_error("thrown by the user's callback");
        });
        check(started.ok(), "get_session_async with a throwing callback starts");
    }
    check(thrown.wait_for(1, 20), "the throwing callback ran");
    // The trampoline deletes the callable after it returned (or threw): give it a moment, bounded.
    for (int i = 0; i < 200 && released.load() == 0; i++) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    check(released.load() == 1, "the throwing callable was released (its captures destroyed)");

    // 2. Something that is not a std::exception, from an error path (a missing session).
    Counter odd;
    auto started = client.get_session_async("cpp-missing", [&odd](const arr::Status &status, const std::string &) {
        odd.hit(status.code());
        throw 42;
    });
    check(started.ok() && odd.wait_for(1, 20) && odd.last == ARR_STATUS_NOT_FOUND, "a callback throwing an int on NOT_FOUND ran");

    // 3. A callback that throws while its operation is being cancelled.
    {
        auto slow_made = arr::Client::create(config_for(slow));
        check(slow_made.ok(), "client for the slow emulator");
        if (slow_made.ok()) {
            std::optional<arr::Client> holder(std::move(slow_made).value());
            arr::Client &slow_client = *holder;
            auto c = slow_client.create_session("{\"id\":\"cpp-slow\",\"size\":\"Premium\",\"maxLeaseTimeMinutes\":10}");
            check(c.ok(), "create a session that stays Starting");
            Counter cancelled;
            auto op = slow_client.wait_until_ready_async(
                "cpp-slow",
                [&cancelled](const arr::Status &status, const std::string &) {
                    cancelled.hit(status.code());
                    throw std::logic_error("thrown on cancellation");
                },
                "{\"timeoutMs\":600000}");
            check(op.ok(), "a long wait starts");
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (op.ok()) check(slow_client.cancel(op.value()).ok(), "cancel finds the wait");
            check(cancelled.wait_for(1, 10) && cancelled.last == ARR_STATUS_CANCELLED, "its throwing callback ran with CANCELLED");
            // Freed with a throwing callback in flight: free cancels it; the throw stays in the trampoline.
            Counter freed;
            for (int i = 0; i < 4; i++) {
                slow_client.wait_until_ready_async("cpp-slow", [&freed](const arr::Status &status, const std::string &) {
                    freed.hit(status.code());
                    throw std::runtime_error("thrown while the client is freed");
                });
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            holder.reset();  // arr_client_free: cancels the waits, returns after their callbacks
            check(freed.count() == 4 && freed.last == ARR_STATUS_CANCELLED, "throwing callbacks cancelled by freeing the client all ran");
        }
    }

    // 4. Many throwing callbacks at once, on every callback thread.
    Counter many;
    const int n = 64;
    int starts = 0;
    for (int i = 0; i < n; i++) {
        auto s = (i % 2 == 0)
                     ? client.get_session_async("cpp-throw", [&many](const arr::Status &status, const std::string &) {
                           many.hit(status.code());
                           throw std::runtime_error("many");
                       })
                     : client.list_sessions_async([&many](const arr::Status &status, const std::string &) {
                           many.hit(status.code());
                           throw std::bad_alloc();
                       });
        starts += s.ok();
    }
    check(starts == n && many.wait_for(n, 30), "64 throwing callbacks (get and list) all ran");

    // 5. The library still works: blocking and async calls.
    auto listed = client.list_sessions();
    check(listed.ok() && listed.value().find("cpp-throw") != std::string::npos, "a blocking call works after the throws");
    Counter fine;
    std::string seen;
    auto again = client.get_session_async("cpp-throw", [&fine, &seen](const arr::Status &status, const std::string &json) {
        seen = json;
        fine.hit(status.code());
    });
    check(again.ok() && fine.wait_for(1, 20) && fine.last == ARR_STATUS_OK && seen.find("cpp-throw") != std::string::npos,
          "an async call works after the throws");

    // A success's HTTP status and MS-CV: on the result of a blocking call, on the Status of a callback.
    auto got = client.get_session("cpp-throw");
    check(got.ok() && got.status().response_json().find("\"httpStatus\":200") != std::string::npos &&
              got.status().response_json().find("\"msCv\":\"") != std::string::npos,
          "a blocking get's result has HTTP status 200 and the MS-CV");
    Counter answered;
    std::string response;
    client.get_session_async("cpp-throw", [&answered, &response](const arr::Status &status, const std::string &) {
        response = status.response_json();
        answered.hit(status.code());
    });
    check(answered.wait_for(1, 20) && response.find("\"httpStatus\":200") != std::string::npos,
          "an async get's Status has HTTP status 200 and the MS-CV");
    // A blocking stop's Status carries its answer too, as the other blocking calls' results do.
    arr::Status stopped = client.stop_session("cpp-throw");
    check(stopped.ok() && stopped.response_json().find("\"httpStatus\":") != std::string::npos &&
              stopped.response_json().find("\"msCv\":\"") != std::string::npos,
          "stop_session, with the HTTP status and the MS-CV of the service's answer");

    // 6. The stream trampoline (keeper events) runs out of memory copying an event: nothing unwinds into
    // the library, and the stream goes on to its last call.
    {
        auto kept = client.create_session("{\"id\":\"cpp-keep-oom\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10}");
        check(kept.ok() && client.wait_until_ready("cpp-keep-oom").ok(), "a Ready session to keep");
        Counter events;
        std::atomic<arr_status> last{ARR_STATUS_OK};
        std::atomic<bool> ended{false};
        fail_next_callback_allocation = true;
        auto op = client.keep_session(
            "cpp-keep-oom",
            [&](const arr::Status &status, const std::string &) {
                if (status.code() != ARR_STATUS_OK) {
                    last = status.code();
                    ended = true;
                }
                events.hit(status.code());
            },
            "{\"extendByMinutes\":30,\"renewBelowMinutes\":15,\"maxTotalMinutes\":40,\"pollIntervalMs\":50,"
            "\"warnAtMinutes\":[60]}");
        check(op.ok(), "keep_session starts with the next callback allocation failing");
        // Three events in one poll (extended, capReached, expiringSoon): the first is lost to the failed
        // allocation, the others arrive.
        check(events.wait_for(2, 20), "later events still arrive");
        check(!fail_next_callback_allocation.load(), "the allocation failure happened in a callback");
        if (op.ok()) client.cancel(op.value());
        for (int i = 0; i < 500 && !ended.load(); i++) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        check(ended.load() && last.load() == ARR_STATUS_CANCELLED, "the keeper ends with its last call, CANCELLED");
        client.stop_session("cpp-keep-oom");
    }

    // 7. close(): a blocking wait on another thread ends CANCELLED; afterwards calls answer CLOSED and an
    // async call is refused at once (its callable released, never called).
    {
        auto m = arr::Client::create(config_for(slow));
        check(m.ok(), "client to close");
        if (m.ok()) {
            arr::Client closing = std::move(m).value();
            check(closing.create_session("{\"id\":\"cpp-close\",\"size\":\"Premium\",\"maxLeaseTimeMinutes\":10}").ok(),
                  "create a session that stays Starting, to wait on");
            std::atomic<int> waited{-1};
            std::thread waiter([&closing, &waited] {
                auto r = closing.wait_until_ready("cpp-close", "{\"timeoutMs\":600000}");
                waited = r.ok() ? 0 : static_cast<int>(r.status().code());
            });
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            arr::Status closed = closing.close();
            waiter.join();
            check(closed.ok(), "close() from another thread while it waits");
            check(waited.load() == static_cast<int>(ARR_STATUS_CANCELLED), "the blocking wait returned CANCELLED");
            auto after = closing.list_sessions();
            check(!after.ok() && after.status().code() == ARR_STATUS_CLOSED, "after close(), calls answer CLOSED");
            Counter never;
            std::atomic<int> refused_released{0};
            auto witness = std::make_shared<Witness>(&refused_released);
            auto refused = closing.get_session_async("cpp-close", [&never, witness](const arr::Status &status, const std::string &) {
                never.hit(status.code());
                throw std::runtime_error("never called");
            });
            witness.reset();
            check(!refused.ok() && refused.status().code() == ARR_STATUS_CLOSED && refused_released.load() == 1,
                  "an async call after close() is refused with CLOSED, its callable released");
            check(closing.close().ok(), "close() again returns OK");
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            check(never.count() == 0, "no callback for the refused call");
        }
    }

    arr_shutdown();
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
