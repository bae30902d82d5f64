// A session lifecycle with the C++ layer: create, wait (async, with a callback), extend, list, stop.
// Usage: lifecycle_cpp CONFIG_JSON  (see examples/c/lifecycle.c). Builds with and without exceptions.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>

#include "arr_session.hpp"

static std::string id_of(const std::string &json) {
    auto start = json.find("\"id\":\"");
    if (start == std::string::npos) return {};
    start += 6;
    return json.substr(start, json.find('"', start) - start);
}

static int fail(const char *step, const arr::Status &status) {
    std::fprintf(stderr, "%s failed: %s\n", step, status.error_json().c_str());
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: lifecycle_cpp CONFIG_JSON\n");
        return 2;
    }
    int rc = 0;
    {
        auto client = arr::Client::create(argv[1]);
        if (!client) return fail("create client", client.status());

        auto created = client->create_session(R"({"size":"Standard","maxLeaseTimeMinutes":30})");
        if (!created) return fail("create", created.status());
        const std::string id = id_of(created.value());
        std::printf("created: %s\n", created.value().c_str());

        // Wait without blocking this thread: the callback runs on a library thread.
        std::mutex lock;
        std::condition_variable changed;
        bool done = false;
        arr::Status outcome;
        std::string ready;
        auto started = client->wait_until_ready_async(id, [&](const arr::Status &status, const std::string &json) {
            std::lock_guard<std::mutex> guard(lock);
            outcome = status;
            ready = json;
            done = true;
            changed.notify_all();
        });
        if (!started) return fail("start waiting", started.status());
        {
            std::unique_lock<std::mutex> guard(lock);
            changed.wait(guard, [&] { return done; });
        }
        if (!outcome) {
            rc = fail("wait until ready", outcome);
        } else {
            std::printf("ready: %s\n", ready.c_str());
            auto extended = client->extend_session(id, 15);
            if (extended) std::printf("extended: %s\n", extended.value().c_str());
            else rc = fail("extend", extended.status());
            auto listed = client->list_sessions();
            if (listed) std::printf("listed: %s\n", listed.value().c_str());
            else rc = fail("list", listed.status());
        }
        auto owned = client->owned_sessions();
        if (!owned || owned.value().find(id) == std::string::npos) rc = fail("owned sessions", owned.status());
        auto stopped = client->stop_session(id);
        if (!stopped) rc = fail("stop", stopped);
        auto after = client->get_session(id);
        if (!after || after.value().find("\"Stopped\"") == std::string::npos) rc = 1;
        else std::printf("after stop: %s\n", after.value().c_str());
#ifdef ARR_SESSION_HAS_EXCEPTIONS
        try {
            client->get_session("no-such-session").value_or_throw();
            rc = 1;
        } catch (const arr::Error &e) {
            std::printf("a missing session throws: %s\n", e.status().code() == ARR_STATUS_NOT_FOUND ? "NOT_FOUND" : e.what());
        }
#endif
    }  // the client is freed here
    arr_shutdown();
    std::printf(rc == 0 ? "lifecycle passed\n" : "lifecycle FAILED\n");
    return rc;
}
