// Asset conversions and the lease keeper through the C ABI and the C++ layer.
// Usage: cpp_conversions_keeper_test URL
//   URL  an emulator started with --time-scale 60 --conversion-start-delay 1s --conversion-duration 2s
//        (simulated storage), so a conversion takes ~50 ms and an emulated minute lasts one second.
// Prints one line per check and ends with "N passed, N failed"; exits non-zero on any failure.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "arr_session.hpp"

namespace {

int passed = 0;
int failed = 0;

void check(bool ok, const std::string &what) {
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
    std::fflush(stdout);
    (ok ? passed : failed)++;
}

bool contains(const std::string &text, const std::string &part) { return text.find(part) != std::string::npos; }

std::string config_for(const std::string &url) {
    return "{\"endpoint\":\"" + url + "\",\"stsEndpoint\":\"" + url +
           "\",\"accountId\":\"11111111-1111-1111-1111-111111111111\","
           "\"accountKey\":\"YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==\",\"pollIntervalMs\":50}";
}

const char *SETTINGS =
    "{\"inputLocation\":{\"storageContainerUri\":\"https://storage.example/input\",\"blobPrefix\":\"models\","
    "\"relativeInputAssetPath\":\"car.fbx\",\"storageContainerReadListSas\":\"?sp=rl&sig=READSECRET\"},"
    "\"outputLocation\":{\"storageContainerUri\":\"https://storage.example/output\","
    "\"storageContainerWriteSas\":\"?sp=w&sig=WRITESECRET\"}}";

void conversions(const arr::Client &client) {
    auto created = client.create_conversion("cpp-conversion", SETTINGS);
    check(created.ok() && contains(created.value(), "\"status\":\"NotStarted\""), "create_conversion: NotStarted");
    check(created.ok() && !contains(created.value(), "SECRET"), "the SAS is sent, never returned");
    check(created.ok() && contains(created.value(), "\"blobPrefix\":\"models/\""), "the service's normalisation");
    auto done = client.wait_for_conversion("cpp-conversion", "{\"timeoutMs\":30000,\"pollIntervalMs\":50}");
    check(done.ok() && contains(done.value(), "\"status\":\"Succeeded\""), "wait_for_conversion: Succeeded");
    check(done.ok() && contains(done.value(), "https://storage.example/output/car.arrAsset"), "the output URI");
    auto got = client.get_conversion("cpp-conversion");
    check(got.ok() && contains(got.value(), "Succeeded"), "get_conversion");
    auto listed = client.list_conversions();
    check(listed.ok() && contains(listed.value(), "cpp-conversion"), "list_conversions");

    std::string failing = SETTINGS;
    failing.replace(failing.find("car.fbx"), 7, "missing.fbx");
    check(client.create_conversion("cpp-failing", failing).ok(), "create a conversion that will fail");
    auto failed_one = client.wait_for_conversion("cpp-failing", "{\"timeoutMs\":30000,\"pollIntervalMs\":50}");
    check(failed_one.ok() && contains(failed_one.value(), "\"status\":\"Failed\"") &&
              contains(failed_one.value(), "InputContainerError"),
          "a failed conversion is an answer with its error");

    auto bad = client.create_conversion("bad/id", SETTINGS);
    check(!bad.ok() && bad.status().code() == ARR_STATUS_INVALID_ARGUMENT, "a bad conversion id fails at once");

    std::mutex mutex;
    std::condition_variable changed;
    std::string async_result;
    auto started = client.create_conversion_async("cpp-async", SETTINGS, [&](const arr::Status &, const std::string &json) {
        std::lock_guard<std::mutex> lock(mutex);
        async_result = json;
        changed.notify_all();
    });
    check(started.ok(), "create_conversion_async starts");
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait_for(lock, std::chrono::seconds(20), [&] { return !async_result.empty(); });
    check(contains(async_result, "cpp-async"), "create_conversion_async calls back with the conversion");
}

/// Collects a keeper's events until its final call.
struct Events {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> events;
    bool finished = false;
    arr_status final_status = ARR_STATUS_OK;

    arr::Callback callback() {
        return [this](const arr::Status &status, const std::string &json) {
            std::lock_guard<std::mutex> lock(mutex);
            if (status.code() != ARR_STATUS_OK) {
                finished = true;
                final_status = status.code();
            } else {
                events.push_back(json);
            }
            changed.notify_all();
        };
    }

    bool wait_finished(int seconds) {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(seconds), [&] { return finished; });
    }

    bool saw(const std::string &part) {
        std::lock_guard<std::mutex> lock(mutex);
        for (const auto &event : events)
            if (contains(event, part)) return true;
        return false;
    }
};

std::string session_id(const std::string &json) {
    auto at = json.find("\"id\":\"");
    if (at == std::string::npos) return "";
    at += 6;
    return json.substr(at, json.find('"', at) - at);
}

void keeper(const arr::Client &client) {
    // A 3-minute lease at 1 emulated minute per second: renewed to 5 (the cap), then it expires there.
    auto created = client.create_session("{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":3}");
    check(created.ok(), "create a session to keep");
    std::string id = created.ok() ? session_id(created.value()) : "";
    check(client.wait_until_ready(id, "{\"timeoutMs\":30000}").ok(), "the session is Ready");
    Events events;
    auto keeping = client.keep_session(
        id, events.callback(),
        "{\"extendByMinutes\":2,\"renewBelowMinutes\":2,\"maxTotalMinutes\":5,\"pollIntervalMs\":100,\"warnAtMinutes\":[1]}");
    check(keeping.ok(), "keep_session starts");
    check(events.wait_finished(40), "the keeper ends when the session does");
    check(events.final_status == ARR_STATUS_SESSION_ENDED, "the last call is ARR_STATUS_SESSION_ENDED");
    check(events.saw("\"kind\":\"extended\",\"from\":3,\"to\":5"), "extended 3 -> 5 from the service's numbers");
    check(events.saw("\"kind\":\"capReached\",\"lease\":5"), "the cap is reported");
    check(events.saw("\"kind\":\"expiringSoon\""), "a warning before the end");
    check(events.saw("\"kind\":\"ended\"") && events.saw("Expired"), "ended: Expired at the cap");

    auto second = client.create_session("{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":30}");
    std::string other = second.ok() ? session_id(second.value()) : "";
    Events cancelled;
    auto op = client.keep_session(other, cancelled.callback(), "{\"pollIntervalMs\":100}");
    check(op.ok(), "a second keeper starts");
    check(op.ok() && client.cancel(op.value()).ok(), "arr_client_cancel ends it");
    check(cancelled.wait_finished(10) && cancelled.final_status == ARR_STATUS_CANCELLED,
          "its last call is ARR_STATUS_CANCELLED");
    client.stop_session(other);
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s URL\n", argv[0]);
        return 2;
    }
    auto client = arr::Client::create(config_for(argv[1]));
    check(client.ok(), "client");
    if (client.ok()) {
        conversions(client.value());
        keeper(client.value());
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
