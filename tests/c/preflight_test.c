/*
 * The preflight functions of the C ABI against the emulator linked to Azurite (examples/storage_fixture):
 * settings checked locally, a container SAS signed, the input linted, and a conversion the emulator fails
 * read back with its result file's error code and title (blocking and async).
 * Usage: preflight_test CONFIG_JSON FAILING_SETTINGS_JSON RESULTS_OPTIONS_JSON CODE TITLE
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arr_session.h"

/* Azurite's published development key (not a secret). */
#define AZURITE_KEY "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

static int failures = 0;
static int passes = 0;

static void expect(int ok, const char *what, const char *detail) {
    if (ok) {
        passes++;
    } else {
        failures++;
        fprintf(stderr, "FAILED: %s\n  %s\n", what, detail ? detail : "");
    }
}

static int contains(const char *text, const char *part) { return text && strstr(text, part) != NULL; }

/* The string value of the first `"key": "` in `json` (any spaces around the colon), copied into `out`. */
static void string_of(const char *json, const char *key, char *out, size_t cap) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    const char *p = strstr(json, pattern);
    size_t n = 0;
    if (p) {
        p += strlen(pattern);
        while (*p == ' ' || *p == ':') p++;
        if (*p == '"') p++;
        while (p[n] && p[n] != '"' && n + 1 < cap) n++;
        memcpy(out, p, n);
    }
    out[n] = 0;
}

typedef struct {
    volatile int done;
    arr_status status;
    char *json;
} outcome;

static void on_done(void *user_data, arr_status status, const char *json) {
    outcome *o = (outcome *)user_data;
    o->status = status;
    o->json = json ? strdup(json) : NULL;
    __atomic_store_n(&o->done, 1, __ATOMIC_SEQ_CST);
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: preflight_test CONFIG FAILING_SETTINGS RESULTS_OPTIONS CODE TITLE\n");
        return 2;
    }
    const char *config = argv[1], *settings = argv[2], *results_options = argv[3], *code = argv[4], *title = argv[5];
    char *json = NULL;
    char expected[512];

    /* Settings checked locally: the file, the JSON Pointer and the rule are named. */
    expect(arr_conversion_check_settings("box.ConversionSettings.json", "{\"axis\":[\"Default\",\"+z\",\"-y\"]}", NULL,
                                         &json) == ARR_STATUS_OK,
           "arr_conversion_check_settings succeeds", NULL);
    expect(contains(json, "\"rule\":\"enum\"") && contains(json, "\"path\":\"/axis/0\"") &&
               contains(json, "\"file\":\"box.ConversionSettings.json\""),
           "an axis of \"Default\" is an enum finding at /axis/0", json);
    arr_string_free(json);
    json = NULL;
    expect(arr_conversion_check_settings("box.ConversionSettings.json", "{\"scaling\":0.01}", "box.fbx", &json) ==
                   ARR_STATUS_OK &&
               json && strcmp(json, "[]") == 0,
           "a valid file has no findings", json);
    arr_string_free(json);
    json = NULL;
    expect(arr_conversion_check_settings(NULL, "{}", NULL, &json) == ARR_STATUS_NULL_ARGUMENT && json == NULL,
           "a NULL file name is ARR_STATUS_NULL_ARGUMENT, out untouched", NULL);

    /* A SAS signed with the least permissions; a bad key is refused without showing it. */
    char container[512];
    string_of(settings, "storageContainerUri", container, sizeof container);
    expect(arr_storage_sign_container_sas(container, AZURITE_KEY, "{\"purpose\":\"input\"}", &json) == ARR_STATUS_OK &&
               contains(json, "?sv=") && contains(json, "sp=rl"),
           "arr_storage_sign_container_sas signs a read+list token", json);
    arr_string_free(json);
    json = NULL;
    expect(arr_storage_sign_container_sas(container, "NOT-BASE64-SECRET!", "{\"purpose\":\"output\"}", &json) ==
               ARR_STATUS_INVALID_ARGUMENT,
           "a key that is not base64 is refused", NULL);
    char *error = arr_last_error();
    expect(contains(error, "\"argument\":\"account_key\"") && !contains(error, "SECRET"),
           "the error names account_key and not the key", error);
    arr_string_free(error);

    arr_client *client = NULL;
    if (arr_client_new(config, &client) != ARR_STATUS_OK) {
        error = arr_last_error();
        fprintf(stderr, "arr_client_new failed: %s\n", error);
        return 1;
    }

    /* The input linted: its model is missing, which is an error finding, and nothing is created. */
    expect(arr_client_lint_conversion_input(client, settings, NULL, &json) == ARR_STATUS_OK,
           "arr_client_lint_conversion_input succeeds", NULL);
    expect(contains(json, "\"listed\":true") && contains(json, "\"rule\":\"input-missing\""),
           "the lint lists the container and reports the missing model", json);
    arr_string_free(json);
    json = NULL;

    /* A conversion the emulator fails, read back with its result file. */
    expect(arr_client_create_conversion(client, "c-preflight-failed", settings, &json) == ARR_STATUS_OK, "create", NULL);
    arr_string_free(json);
    json = NULL;
    expect(arr_client_wait_for_conversion(client, "c-preflight-failed", "{\"timeoutMs\":120000}", &json) == ARR_STATUS_OK &&
               contains(json, "\"status\":\"Failed\""),
           "the conversion fails", json);
    arr_string_free(json);
    json = NULL;
    expect(arr_client_get_conversion_results(client, "c-preflight-failed", results_options, &json) == ARR_STATUS_OK,
           "arr_client_get_conversion_results succeeds", NULL);
    snprintf(expected, sizeof expected, "\"code\":\"%s\"", code);
    expect(contains(json, "\"results\":") && contains(json, expected), "the result file's error code", json);
    snprintf(expected, sizeof expected, "\"title\":\"%s\"", title);
    expect(contains(json, expected), "the result file's error title", json);
    expect(!contains(json, "sig="), "no SAS in the answer", json);
    arr_string_free(json);
    json = NULL;

    outcome async_outcome = {0, ARR_STATUS_OK, NULL};
    expect(arr_client_get_conversion_results_async(client, "c-preflight-failed", results_options, on_done, &async_outcome,
                                                   NULL) == ARR_STATUS_OK,
           "arr_client_get_conversion_results_async starts", NULL);
    for (int i = 0; i < 6000 && !__atomic_load_n(&async_outcome.done, __ATOMIC_SEQ_CST); i++) {
        struct timespec ms = {0, 10 * 1000 * 1000};
        nanosleep(&ms, NULL);
    }
    snprintf(expected, sizeof expected, "\"code\":\"%s\"", code);
    expect(async_outcome.done && async_outcome.status == ARR_STATUS_OK && contains(async_outcome.json, expected),
           "the async form delivers the same result", async_outcome.json);
    free(async_outcome.json);

    expect(arr_client_get_conversion_results(client, "c-preflight-failed", NULL, &json) == ARR_STATUS_INVALID_ARGUMENT,
           "without an output SAS or key the call says what it needs", NULL);
    error = arr_last_error();
    expect(contains(error, "\"argument\":\"outputSas\""), "the error names outputSas", error);
    arr_string_free(error);

    arr_client_free(client);
    printf("preflight_test: %d passed, %d failed\n", passes, failures);
    return failures == 0 ? 0 : 1;
}
