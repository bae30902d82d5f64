// The whole flow with the C++ layer: convert a model into an .arrAsset, open a session to render it, stop.
// Usage: conversion_cpp CONFIG_JSON SETTINGS_JSON (see examples/c/conversion.c; `cargo run --example
// storage_fixture` prints both for a local emulator and Azurite). Builds with and without exceptions.
#include <cstdio>
#include <string>

#include "arr_session.hpp"

namespace {
std::string string_of(const std::string &json, const std::string &key) {
    auto at = json.find("\"" + key + "\":\"");
    if (at == std::string::npos) return "";
    at += key.size() + 4;
    return json.substr(at, json.find('"', at) - at);
}

int fail(const char *step, const arr::Status &status) {
    std::fprintf(stderr, "%s failed: %s\n", step, status.error_json().c_str());
    return 1;
}
}  // namespace

int main(int argc, char **argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: conversion_cpp CONFIG_JSON SETTINGS_JSON\n");
        return 2;
    }
    auto client = arr::Client::create(argv[1]);
    if (!client.ok()) return fail("client", client.status());
    auto started = client.value().create_conversion("example-conversion-cpp", argv[2]);
    if (!started.ok()) return fail("create conversion", started.status());
    auto done = client.value().wait_for_conversion("example-conversion-cpp", "{\"timeoutMs\":120000}");
    if (!done.ok()) return fail("wait for conversion", done.status());
    if (string_of(done.value(), "status") != "Succeeded") {
        std::fprintf(stderr, "the conversion ended: %s\n", done.value().c_str());
        return 1;
    }
    std::printf("converted: %s\n", string_of(done.value(), "outputAssetUri").c_str());
    auto session = client.value().create_session("{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":30}");
    if (!session.ok()) return fail("create session", session.status());
    std::string id = string_of(session.value(), "id");
    int rc = 0;
    auto ready = client.value().wait_until_ready(id, "{\"timeoutMs\":60000}");
    if (ready.ok()) std::printf("session %s is Ready at %s\n", id.c_str(), string_of(ready.value(), "hostname").c_str());
    else rc = fail("wait until ready", ready.status());
    auto stopped = client.value().stop_session(id);
    if (!stopped.ok()) rc = fail("stop", stopped);
    else std::printf("stopped %s\n", id.c_str());
    return rc;
}
