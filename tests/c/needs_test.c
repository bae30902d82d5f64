/*
 * What users asked for around sessions (issue #35) through the C ABI, against the emulator: costs with a
 * price table, capacity fallback to the next size, the doctor (a skewed service clock), the call history
 * written by a C client, reaping (a dry run, then a real one after the emulated clock moves 150 min),
 * and a keeper stopped by its budget.
 * Usage: needs_test EMULATOR_URL
 */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <unistd.h>

#define PRICES "{\"currency\":\"USD\",\"perHour\":{\"Standard\":3.0,\"Premium\":12.0}}"

static int contains(const char *text, const char *part) { return text && strstr(text, part) != NULL; }

static char *create_ready(arr_client *client, const char *options) {
    char *created = NULL, *ready = NULL;
    if (arr_client_create_session(client, options, &created) != ARR_STATUS_OK) return NULL;
    char id[128] = {0};
    const char *p = strstr(created, "\"id\":\"");
    if (p) sscanf(p + 6, "%127[^\"]", id);
    arr_string_free(created);
    if (arr_client_wait_until_ready(client, id, "{\"timeoutMs\":30000,\"pollIntervalMs\":50}", &ready) != ARR_STATUS_OK)
        return NULL;
    arr_string_free(ready);
    return strdup(id);
}

/* The keeper's stream: the first budgetReached event, copied (set once, read after the flag). */
static int budget_seen = 0;
static char budget_event[1024];

static void on_keep(void *user_data, arr_status status, const char *json) {
    (void)user_data;
    if (status == ARR_STATUS_OK && json && strstr(json, "\"kind\":\"budgetReached\"") &&
        !__atomic_load_n(&budget_seen, __ATOMIC_SEQ_CST)) {
        snprintf(budget_event, sizeof budget_event, "%s", json);
        __atomic_store_n(&budget_seen, 1, __ATOMIC_SEQ_CST);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: needs_test EMULATOR_URL\n");
        return 2;
    }
    const char *url = argv[1];
    char history[256];
    snprintf(history, sizeof history, "/tmp/arr-needs-c-%ld.jsonl", (long)getpid());
    unlink(history);
    char extra[400];
    snprintf(extra, sizeof extra, ",\"callHistory\":{\"path\":\"%s\"}", history);
    arr_client *client = new_client(url, extra);
    check(client != NULL, "a client with a call history");
    if (!client) return summary();
    char *json = NULL;

    /* 2. Capacity fallback: the first create fails for lack of capacity; a Premium one is Ready instead. */
    check(inject(url, "{\"route\":\"sessions.create\",\"kind\":{\"kind\":\"sessionError\",\"code\":\"CapacityExceeded\"},"
                      "\"times\":1}"),
          "a capacity failure is armed");
    arr_status st = arr_client_create_session_with_fallback(
        client, "{\"id\":\"c-needs-fb\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":240}",
        "{\"timeoutMs\":30000,\"pollIntervalMs\":50}", "{\"sizes\":[\"Premium\"]}", &json);
    check(st == ARR_STATUS_OK, "arr_client_create_session_with_fallback succeeds");
    check(contains(json, "\"id\":\"c-needs-fb-2\"") && contains(json, "\"size\":\"Premium\"") &&
              contains(json, "\"failedSessionId\":\"c-needs-fb\"") && contains(json, "\"code\":\"CapacityExceeded\""),
          "the Ready session is the Premium fallback, and the step is reported");
    if (st != ARR_STATUS_OK) last_error_has("");
    arr_string_free(json);
    json = NULL;
    check(live_sessions(url, "c-needs-fb") == 1, "the failed session is not left running");
    check(arr_client_create_session_with_fallback(client, "{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":30}", NULL,
                                                  "{\"sizes\":[\"Tiny\"]}", &json) == ARR_STATUS_INVALID_ARGUMENT &&
              last_error_has("fallback.sizes"),
          "a bad fallback size names fallback.sizes");

    /* 1. Costs. */
    char *standard = create_ready(client, "{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":240}");
    check(standard != NULL, "a Standard session is Ready");
    check(arr_client_list_session_costs(client, PRICES, &json) == ARR_STATUS_OK, "arr_client_list_session_costs succeeds");
    check(contains(json, "\"billedMinutes\":") && contains(json, "\"totalCost\":") && contains(json, "\"currency\":\"USD\""),
          "the costs carry billed minutes, a total cost and the currency");
    arr_string_free(json);
    json = NULL;
    check(arr_client_list_session_costs(client, "{\"perHour\":{\"Standard\":-1}}", &json) == ARR_STATUS_INVALID_ARGUMENT &&
              last_error_has("prices.perHour.Standard"),
          "a negative price names its key");

    /* 5. Reaping, after 150 emulated minutes. */
    char body[512];
    check(http(url, "POST", "/_emulator/clock/advance", "{\"minutes\":150}", body, sizeof body) == 200,
          "the emulated clock moves 150 minutes");
    check(arr_client_reap_sessions(client, "{\"olderThanMinutes\":120,\"dryRun\":true}", &json) == ARR_STATUS_OK &&
              contains(json, "\"dryRun\":true") && contains(json, standard ? standard : "?") &&
              contains(json, "\"stopped\":false"),
          "a dry run names the old session and stops nothing");
    arr_string_free(json);
    json = NULL;
    check(arr_client_reap_sessions(client, "{\"olderThanMinutes\":120,\"size\":\"Standard\",\"prices\":" PRICES "}",
                                   &json) == ARR_STATUS_OK &&
              contains(json, "\"stopped\":true") && contains(json, "\"savedCost\":"),
          "reaping stops the old Standard session and says what it saved");
    arr_string_free(json);
    json = NULL;
    check(live_sessions(url, "c-needs-fb") == 1, "the Premium session is not reaped with --size Standard");
    check(arr_client_reap_sessions(client, "{\"dryRun\":true}", &json) == ARR_STATUS_INVALID_ARGUMENT &&
              last_error_has("olderThanMinutes"),
          "reaping without olderThanMinutes names it");

    /* 1. A keeper with a budget of 45 billed minutes renews a 20-minute lease once, to the budget. */
    char *kept = create_ready(client, "{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":20}");
    uint64_t keeping = 0;
    check(kept && arr_client_keep_session(client, kept,
                                          "{\"extendByMinutes\":30,\"renewBelowMinutes\":1440,\"pollIntervalMs\":50,"
                                          "\"budgetMinutes\":45}",
                                          on_keep, NULL, &keeping) == ARR_STATUS_OK,
          "a keeper with a budget starts");
    for (int i = 0; i < 200 && !__atomic_load_n(&budget_seen, __ATOMIC_SEQ_CST); i++) sleep_ms(50);
    check(__atomic_load_n(&budget_seen, __ATOMIC_SEQ_CST) && contains(budget_event, "\"budgetMinutes\":45") &&
              (contains(budget_event, "\"lease\":45") || contains(budget_event, "\"lease\":44")),
          "it stops at the budget with a budgetReached event");
    arr_client_cancel(client, keeping);
    free(kept);

    /* 3. The doctor, with the service's clock 10 minutes ahead. */
    check(http(url, "POST", "/_emulator/clock/date", "{\"offsetSeconds\":600}", body, sizeof body) == 204,
          "the emulator answers with a skewed Date");
    check(arr_client_diagnose(client, NULL, &json) == ARR_STATUS_OK, "arr_client_diagnose succeeds");
    check(contains(json, "\"name\":\"sts\",\"result\":\"ok\"") &&
              contains(json, "\"name\":\"clock\",\"result\":\"failure\""),
          "the STS is ok and the clock skew is a failure");
    arr_string_free(json);
    json = NULL;

    /* 4. The history file the C client wrote. */
    arr_client_free(client);
    FILE *f = fopen(history, "r");
    static char text[1 << 16];
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[n] = 0;
    if (f) fclose(f);
    check(contains(text, "\"sessionId\":\"c-needs-fb\"") && contains(text, "\"msCv\":\"") &&
              contains(text, "\"route\":\"sts.token\"") && !contains(text, "?"),
          "the call history has each call with its MS-CV and no query string");
    unlink(history);
    free(standard);
    return summary();
}
