/*
 * The whole flow in C: convert a model into an .arrAsset, then open a session to render it, then stop.
 * Usage: conversion CONFIG_JSON SETTINGS_JSON
 *   SETTINGS_JSON is the REST conversion_settings: {"inputLocation":{"storageContainerUri":...,
 *   "relativeInputAssetPath":"car.glb",...},"outputLocation":{"storageContainerUri":...}}
 *   (`cargo run --example storage_fixture` prints both for a local emulator and Azurite).
 * Links statically: cc conversion.c $(pkg-config --cflags --libs --static arr_session)
 */
#include <stdio.h>
#include <string.h>

#include "arr_session.h"

static int fail(const char *step) {
    char *error = arr_last_error();
    fprintf(stderr, "%s failed: %s\n", step, error ? error : "(no details)");
    arr_string_free(error);
    return 1;
}

/* Copies the string value of `"key":"` in `json` into `out`. */
static void string_of(const char *json, const char *key, char *out, size_t cap) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = strstr(json, pattern);
    size_t n = 0;
    if (p) {
        p += strlen(pattern);
        while (p[n] && p[n] != '"' && n + 1 < cap) n++;
        memcpy(out, p, n);
    }
    out[n] = 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: conversion CONFIG_JSON SETTINGS_JSON\n");
        return 2;
    }
    arr_client *client = NULL;
    if (arr_client_new(argv[1], &client) != ARR_STATUS_OK) return fail("arr_client_new");
    int rc = 0;
    char *json = NULL;
    char value[1024];
    if (arr_client_create_conversion(client, "example-conversion-c", argv[2], &json) != ARR_STATUS_OK) {
        rc = fail("create conversion");
        goto done;
    }
    printf("conversion started: %s\n", json);
    arr_string_free(json);
    if (arr_client_wait_for_conversion(client, "example-conversion-c", "{\"timeoutMs\":120000}", &json) != ARR_STATUS_OK) {
        rc = fail("wait for conversion");
        goto done;
    }
    string_of(json, "status", value, sizeof value);
    if (strcmp(value, "Succeeded") != 0) {
        fprintf(stderr, "the conversion ended %s: %s\n", value, json);
        arr_string_free(json);
        rc = 1;
        goto done;
    }
    string_of(json, "outputAssetUri", value, sizeof value);
    printf("converted: %s\n", value);
    arr_string_free(json);

    if (arr_client_create_session(client, "{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":30}", &json) != ARR_STATUS_OK) {
        rc = fail("create session");
        goto done;
    }
    char id[300];
    string_of(json, "id", id, sizeof id);
    arr_string_free(json);
    /* From here on, stop the session whatever happens. */
    if (arr_client_wait_until_ready(client, id, "{\"timeoutMs\":60000}", &json) != ARR_STATUS_OK) {
        rc = fail("wait until ready");
    } else {
        string_of(json, "hostname", value, sizeof value);
        printf("session %s is Ready at %s: load %s there\n", id, value, "the asset above");
        arr_string_free(json);
    }
    if (arr_client_stop_session(client, id) != ARR_STATUS_OK) rc = fail("stop");
    else printf("stopped %s\n", id);
done:
    arr_client_free(client);
    return rc;
}
