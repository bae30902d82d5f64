/*
 * The C ABI test: every exported function, success paths against the emulator and every kind of bad
 * input. Usage: abi_test BASE_URL SLOW_URL [--quick]
 *   BASE_URL  an emulator whose sessions start at once (its STS and rendering API), from tests/c/run.sh
 *   SLOW_URL  an emulator whose sessions stay Starting, for cancellation tests
 *   --quick   fewer repetitions (used under valgrind)
 * Prints one line per check and ends with "N passed, N failed"; exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arr_session.h"

static int passed, failed;
static const char *base_url;
static const char *fast_url;
static const char *slow_url;
static int quick;

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void check(int ok, const char *what) {
    if (ok) {
        passed++;
        printf("ok   %s\n", what);
    } else {
        failed++;
        printf("FAIL %s\n", what);
    }
    fflush(stdout);
}

/* The last error JSON contains `needle` (and is freed). */
static int last_error_has(const char *needle) {
    char *json = arr_last_error();
    int ok = json != NULL && strstr(json, needle) != NULL;
    if (!ok) printf("     last error: %s (wanted %s)\n", json ? json : "(null)", needle);
    arr_string_free(json);
    return ok;
}

static int expect(arr_status got, arr_status want, const char *needle, const char *what) {
    int ok = got == want && (needle == NULL || last_error_has(needle));
    if (got != want) printf("     status %u, wanted %u\n", (unsigned)got, (unsigned)want);
    check(ok, what);
    return ok;
}

static char *config_json(const char *extra) {
    static const char *fmt =
        "{\"endpoint\":\"%s\",\"stsEndpoint\":\"%s\","
        "\"accountId\":\"11111111-1111-1111-1111-111111111111\","
        "\"accountKey\":\"YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==\","
        "\"pollIntervalMs\":50,\"retry\":{\"baseDelayMs\":10}%s}";
    size_t n = strlen(fmt) + 2 * strlen(base_url) + strlen(extra) + 1;
    char *s = malloc(n);
    snprintf(s, n, fmt, base_url, base_url, extra);
    return s;
}

static arr_client *new_client(const char *extra) {
    char *cfg = config_json(extra);
    arr_client *client = NULL;
    arr_status st = arr_client_new(cfg, &client);
    free(cfg);
    if (st != ARR_STATUS_OK) {
        printf("     arr_client_new failed: %u\n", (unsigned)st);
        last_error_has("");
        return NULL;
    }
    return client;
}

/* Pulls the "id" value out of a session JSON (good enough for our own output). */
static void session_id_of(const char *json, char *out, size_t cap) {
    const char *p = strstr(json, "\"id\":\"");
    out[0] = 0;
    if (!p) return;
    p += 6;
    size_t i = 0;
    while (p[i] && p[i] != '"' && i + 1 < cap) { out[i] = p[i]; i++; }
    out[i] = 0;
}

/* ---------- async plumbing ---------- */

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int calls;
    arr_status status;
    char json[4096];
    char response[512]; /* arr_last_response() read inside the callback */
    pthread_t thread;
    pthread_t caller;
    int after_free; /* set once arr_client_free/arr_shutdown returned: a callback now is a bug */
    int late_calls;
} waiter;

static void waiter_init(waiter *w) {
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->caller = pthread_self();
}

static void waiter_destroy(waiter *w) {
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
}

static void on_done(void *user_data, arr_status status, const char *json) {
    waiter *w = user_data;
    pthread_mutex_lock(&w->lock);
    if (w->after_free) w->late_calls++;
    w->calls++;
    w->status = status;
    w->thread = pthread_self();
    snprintf(w->json, sizeof w->json, "%s", json ? json : "(null)");
    char *response = arr_last_response();
    snprintf(w->response, sizeof w->response, "%s", response ? response : "(null)");
    arr_string_free(response);
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static int wait_for(waiter *w, int calls, int seconds) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += seconds;
    pthread_mutex_lock(&w->lock);
    while (w->calls < calls) {
        if (pthread_cond_timedwait(&w->cond, &w->lock, &deadline) != 0) break;
    }
    int ok = w->calls >= calls;
    pthread_mutex_unlock(&w->lock);
    return ok;
}

/* ---------- tests ---------- */

static void test_version(void) {
    check(arr_version() != NULL && strlen(arr_version()) > 0, "arr_version is a string");
    check(arr_abi_version() == ARR_ABI_VERSION, "arr_abi_version matches the header");
    arr_string_free(NULL);
    arr_client_free(NULL);
    check(1, "arr_string_free(NULL) and arr_client_free(NULL) are no-ops");
}

static void test_client_new_errors(void) {
    arr_client *c = NULL;
    expect(arr_client_new(NULL, &c), ARR_STATUS_NULL_ARGUMENT, "config_json", "client_new: NULL config");
    char *cfg = config_json("");
    expect(arr_client_new(cfg, NULL), ARR_STATUS_NULL_ARGUMENT, "out_client", "client_new: NULL out");
    free(cfg);
    expect(arr_client_new("{not json", &c), ARR_STATUS_INVALID_ARGUMENT, "not valid JSON", "client_new: malformed JSON");
    expect(arr_client_new("[1,2]", &c), ARR_STATUS_INVALID_ARGUMENT, "JSON object", "client_new: not an object");
    const char bad_utf8[] = {'{', '"', (char)0xff, (char)0xfe, '"', '}', 0};
    expect(arr_client_new(bad_utf8, &c), ARR_STATUS_INVALID_ARGUMENT, "UTF-8", "client_new: invalid UTF-8");
    char *unknown = config_json(",\"colour\":\"blue\"");
    expect(arr_client_new(unknown, &c), ARR_STATUS_INVALID_ARGUMENT, "colour", "client_new: unknown key named");
    free(unknown);
    char *bad_type = config_json(",\"requestTimeoutMs\":\"soon\"");
    expect(arr_client_new(bad_type, &c), ARR_STATUS_INVALID_ARGUMENT, "requestTimeoutMs", "client_new: bad value named");
    free(bad_type);
    expect(arr_client_new("{\"endpoint\":\"westus2\",\"accountId\":\"nope\",\"accountKey\":\"k\",\"accountDomain\":\"westus2\"}", &c),
           ARR_STATUS_INVALID_ARGUMENT, "accountId", "client_new: bad account id");
    /* 10 MiB of JSON: refused with a status, not parsed into memory. */
    size_t big = 10u << 20;
    char *huge = malloc(big + 1);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    huge[big] = 0;
    expect(arr_client_new(huge, &c), ARR_STATUS_INVALID_ARGUMENT, "config_json", "client_new: 10 MiB JSON");
    free(huge);
    /* Deep nesting. */
    char deep[4096];
    size_t d = 0;
    for (; d < 1500; d++) deep[d] = '[';
    deep[d] = 0;
    expect(arr_client_new(deep, &c), ARR_STATUS_INVALID_ARGUMENT, "not valid JSON", "client_new: deeply nested JSON");
    check(c == NULL, "client_new: out-param untouched on failure");
    expect(arr_client_new_with_token_provider(NULL, 0, NULL, NULL, &c), ARR_STATUS_NULL_ARGUMENT, NULL, "client_new_with_token_provider: NULL callback");
}

/* arr_last_response() contains `needle` (and is freed). */
static int last_response_has(const char *needle) {
    char *json = arr_last_response();
    int ok = needle == NULL ? json == NULL : json != NULL && strstr(json, needle) != NULL;
    if (!ok) printf("     last response: %s (wanted %s)\n", json ? json : "(null)", needle ? needle : "(null)");
    arr_string_free(json);
    return ok;
}

static void lifecycle(arr_client *client, int v1) {
    char *json = NULL;
    char id[300];
    char options[200];
    if (v1) {
        snprintf(options, sizeof options, "{\"size\":\"standard\",\"maxLeaseTimeMinutes\":30}");
    } else {
        /* Unique per run, so the test can be repeated against one emulator. */
        snprintf(options, sizeof options, "{\"id\":\"c-lifecycle-%ld\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":30}", (long)time(NULL));
    }
    check(arr_client_create_session(client, options, &json) == ARR_STATUS_OK && strstr(json, "\"Starting\""), "create_session");
    check(last_response_has(v1 ? "\"httpStatus\":202" : "\"httpStatus\":201") && last_response_has("\"msCv\":\""),
          "arr_last_response: the create's HTTP status (201; v1 202) and MS-CV");
    session_id_of(json, id, sizeof id);
    arr_string_free(json);
    json = NULL;
    check(arr_client_wait_until_ready(client, id, "{\"timeoutMs\":20000}", &json) == ARR_STATUS_OK && strstr(json, "\"Ready\"") &&
              strstr(json, "\"handshakePort\""),
          "wait_until_ready");
    arr_string_free(json);
    check(arr_client_get_session(client, id, &json) == ARR_STATUS_OK && strstr(json, "\"hostname\""), "get_session");
    check(last_response_has("\"httpStatus\":200") && last_response_has("\"msCv\":\""), "arr_last_response: 200 and the get's MS-CV");
    arr_string_free(json);
    check(arr_client_extend_session(client, id, 10, &json) == ARR_STATUS_OK && strstr(json, "\"maxLeaseTimeMinutes\":40"), "extend_session");
    arr_string_free(json);
    check(arr_client_update_session(client, id, 60, &json) == ARR_STATUS_OK && strstr(json, "\"maxLeaseTimeMinutes\":60"), "update_session");
    arr_string_free(json);
    check(arr_client_list_sessions(client, &json) == ARR_STATUS_OK && json[0] == '[' && strstr(json, id), "list_sessions");
    arr_string_free(json);
    char ids[400];
    snprintf(ids, sizeof ids, "[\"%s\"]", id);
    check(arr_client_wait_for_sessions(client, ids, NULL, &json) == ARR_STATUS_OK && strstr(json, "ARR_STATUS_OK"), "wait_for_sessions");
    check(last_response_has(NULL), "arr_last_response: none for a result made of many answers");
    arr_string_free(json);
    check(arr_client_get_access_token(client, &json) == ARR_STATUS_OK && strstr(json, "accessToken"), "get_access_token");
    arr_string_free(json);
    check(arr_client_stop_session(client, id) == ARR_STATUS_OK, "stop_session");
    check(arr_client_get_session(client, id, &json) == ARR_STATUS_OK && strstr(json, "\"Stopped\""), "get_session after stop");
    arr_string_free(json);
    expect(arr_client_wait_until_ready(client, id, NULL, &json), ARR_STATUS_SESSION_ENDED, "\"session\"", "wait on a stopped session: SESSION_ENDED with the session");
    check(last_response_has(NULL), "arr_last_response: none after a failure");
}

static void test_service_errors(arr_client *client) {
    char *json = NULL;
    expect(arr_client_get_session(client, "no-such-session", &json), ARR_STATUS_NOT_FOUND, "\"msCv\":\"", "get unknown: NOT_FOUND with MS-CV");
    check(arr_client_create_session(client, "{\"id\":\"c-conflict\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10}", &json) == ARR_STATUS_OK, "create for conflict");
    arr_string_free(json);
    expect(arr_client_create_session(client, "{\"id\":\"c-conflict\",\"size\":\"Premium\",\"maxLeaseTimeMinutes\":10}", &json),
           ARR_STATUS_CONFLICT, "\"code\":\"Conflict\"", "create with other settings: CONFLICT");
    expect(arr_client_update_session(client, "c-conflict", 5, &json), ARR_STATUS_INVALID_ARGUMENT, "\"httpStatus\":422", "lease down: 422");
    check(arr_client_stop_session(client, "c-conflict") == ARR_STATUS_OK, "stop conflict session");

    char *cfg = config_json("");
    /* Replace the key with a wrong one: unauthorized at the STS. */
    char *p = strstr(cfg, "YXJy");
    memcpy(p, "WRONG", 5);
    arr_client *bad = NULL;
    check(arr_client_new(cfg, &bad) == ARR_STATUS_OK, "client with a wrong key is created (nothing sent yet)");
    expect(arr_client_list_sessions(bad, &json), ARR_STATUS_UNAUTHORIZED, "\"httpStatus\":401", "wrong key: UNAUTHORIZED");
    char *error = arr_last_error();
    check(error != NULL && strstr(error, "WRONG") == NULL, "the key is not in the error");
    arr_string_free(error);
    arr_client_free(bad);
    free(cfg);
}

static void test_bad_arguments(arr_client *client) {
    char *json = (char *)0x1; /* must stay untouched */
    const char bad_utf8[] = {'a', (char)0xc3, (char)0x28, 0};
    char long_id[300];
    memset(long_id, 'a', 257);
    long_id[257] = 0;

    expect(arr_client_get_session(NULL, "x", &json), ARR_STATUS_NULL_ARGUMENT, "client", "get: NULL client");
    expect(arr_client_get_session(client, NULL, &json), ARR_STATUS_NULL_ARGUMENT, "session_id", "get: NULL id");
    expect(arr_client_get_session(client, "x", NULL), ARR_STATUS_NULL_ARGUMENT, "out_session_json", "get: NULL out");
    expect(arr_client_get_session(client, bad_utf8, &json), ARR_STATUS_INVALID_ARGUMENT, "UTF-8", "get: invalid UTF-8 id");
    expect(arr_client_get_session(client, "bad/id", &json), ARR_STATUS_INVALID_ARGUMENT, "sessionId", "get: bad id");
    expect(arr_client_get_session(client, long_id, &json), ARR_STATUS_INVALID_ARGUMENT, "sessionId", "get: 257-char id");
    expect(arr_client_create_session(client, NULL, &json), ARR_STATUS_NULL_ARGUMENT, "options_json", "create: NULL options");
    expect(arr_client_create_session(client, "{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10}", NULL), ARR_STATUS_NULL_ARGUMENT, "out_session_json", "create: NULL out");
    expect(arr_client_create_session(client, "{", &json), ARR_STATUS_INVALID_ARGUMENT, "options_json", "create: malformed JSON");
    expect(arr_client_create_session(client, "{\"size\":\"Tiny\",\"maxLeaseTimeMinutes\":10}", &json), ARR_STATUS_INVALID_ARGUMENT, "size", "create: size Tiny");
    expect(arr_client_create_session(client, "{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":1441}", &json), ARR_STATUS_INVALID_ARGUMENT, "maxLeaseTimeMinutes", "create: lease 1441");
    expect(arr_client_create_session(client, "{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":-1}", &json), ARR_STATUS_INVALID_ARGUMENT, "maxLeaseTimeMinutes", "create: negative lease");
    expect(arr_client_create_session(client, "{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":1e309}", &json), ARR_STATUS_INVALID_ARGUMENT, "options_json", "create: huge number");
    expect(arr_client_create_session(client, "{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10,\"colour\":1}", &json), ARR_STATUS_INVALID_ARGUMENT, "colour", "create: unknown key");
    expect(arr_client_create_session(client, "{\"id\":\"a b\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10}", &json), ARR_STATUS_INVALID_ARGUMENT, "sessionId", "create: bad id");
    expect(arr_client_update_session(client, "x", 5000, &json), ARR_STATUS_INVALID_ARGUMENT, "maxLeaseTimeMinutes", "update: lease out of range");
    expect(arr_client_update_session(client, NULL, 10, &json), ARR_STATUS_NULL_ARGUMENT, "session_id", "update: NULL id");
    expect(arr_client_update_session(client, "x", 10, NULL), ARR_STATUS_NULL_ARGUMENT, "out_session_json", "update: NULL out");
    expect(arr_client_extend_session(client, "x", 0, &json), ARR_STATUS_INVALID_ARGUMENT, "by_minutes", "extend: zero");
    expect(arr_client_extend_session(client, NULL, 5, &json), ARR_STATUS_NULL_ARGUMENT, "session_id", "extend: NULL id");
    expect(arr_client_extend_session(client, "x", 5, NULL), ARR_STATUS_NULL_ARGUMENT, "out_session_json", "extend: NULL out");
    expect(arr_client_stop_session(client, NULL), ARR_STATUS_NULL_ARGUMENT, "session_id", "stop: NULL id");
    expect(arr_client_stop_session(NULL, "x"), ARR_STATUS_NULL_ARGUMENT, "client", "stop: NULL client");
    expect(arr_client_list_sessions(client, NULL), ARR_STATUS_NULL_ARGUMENT, "out_sessions_json", "list: NULL out");
    expect(arr_client_list_sessions(NULL, &json), ARR_STATUS_NULL_ARGUMENT, "client", "list: NULL client");
    expect(arr_client_wait_until_ready(client, "x", "{\"timeoutMs\":-5}", &json), ARR_STATUS_INVALID_ARGUMENT, "timeoutMs", "wait: bad timeout");
    expect(arr_client_wait_until_ready(client, "x", "{\"soon\":1}", &json), ARR_STATUS_INVALID_ARGUMENT, "soon", "wait: unknown option");
    expect(arr_client_wait_until_ready(client, NULL, NULL, &json), ARR_STATUS_NULL_ARGUMENT, "session_id", "wait: NULL id");
    expect(arr_client_wait_until_ready(client, "x", NULL, NULL), ARR_STATUS_NULL_ARGUMENT, "out_session_json", "wait: NULL out");
    expect(arr_client_wait_for_sessions(client, "{\"a\":1}", NULL, &json), ARR_STATUS_INVALID_ARGUMENT, "session_ids_json", "wait many: not an array");
    expect(arr_client_wait_for_sessions(client, NULL, NULL, &json), ARR_STATUS_NULL_ARGUMENT, "session_ids_json", "wait many: NULL ids");
    expect(arr_client_wait_for_sessions(client, "[]", NULL, NULL), ARR_STATUS_NULL_ARGUMENT, "out_results_json", "wait many: NULL out");
    expect(arr_client_get_access_token(client, NULL), ARR_STATUS_NULL_ARGUMENT, "out_json", "token: NULL out");
    expect(arr_client_get_access_token(NULL, &json), ARR_STATUS_NULL_ARGUMENT, "client", "token: NULL client");
    expect(arr_client_cancel(NULL, 1), ARR_STATUS_NULL_ARGUMENT, "client", "cancel: NULL client");
    expect(arr_client_cancel(client, 999999999), ARR_STATUS_NOT_FOUND, "operation_id", "cancel: unknown operation");
    expect(arr_token_request_complete(NULL, "t"), ARR_STATUS_NULL_ARGUMENT, "request", "token_request_complete: NULL");
    expect(arr_token_request_fail(NULL, "t"), ARR_STATUS_NULL_ARGUMENT, "request", "token_request_fail: NULL");
    expect(arr_set_log_callback(NULL, NULL, 99), ARR_STATUS_INVALID_ARGUMENT, "max_level", "set_log_callback: bad level");
    waiter w;
    waiter_init(&w);
    expect(arr_client_get_session_async(client, "x", NULL, &w, NULL), ARR_STATUS_NULL_ARGUMENT, "callback", "get_async: NULL callback");
    expect(arr_client_get_session_async(client, "bad/id", on_done, &w, NULL), ARR_STATUS_INVALID_ARGUMENT, "sessionId", "get_async: bad id fails at once");
    expect(arr_client_create_session_async(client, "{", on_done, &w, NULL), ARR_STATUS_INVALID_ARGUMENT, "options_json", "create_async: malformed JSON fails at once");
    sleep_ms(100);
    check(w.calls == 0, "no callback for a call that failed at once");
    waiter_destroy(&w);
    check(json == (char *)0x1, "out-params untouched by every failure");
}

static void test_async(arr_client *client) {
    waiter w;
    waiter_init(&w);
    uint64_t op = 0;
    check(arr_client_create_session_async(client, "{\"id\":\"c-async\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10}", on_done, &w, &op) == ARR_STATUS_OK && op != 0,
          "create_async returns an operation id");
    check(wait_for(&w, 1, 10) && w.status == ARR_STATUS_OK && strstr(w.json, "c-async"), "create_async callback with the session");
    check(!pthread_equal(w.thread, w.caller), "callback ran off the calling thread");

#define ASYNC_CASE(call, label, want)                                                          \
    do {                                                                                       \
        int before = w.calls;                                                                  \
        check((call) == ARR_STATUS_OK, label " starts");                                       \
        check(wait_for(&w, before + 1, 20) && w.status == ARR_STATUS_OK && strstr(w.json, want), \
              label " completes once with its result");                                        \
    } while (0)

    ASYNC_CASE(arr_client_wait_until_ready_async(client, "c-async", NULL, on_done, &w, NULL), "wait_until_ready_async", "\"Ready\"");
    ASYNC_CASE(arr_client_get_session_async(client, "c-async", on_done, &w, NULL), "get_session_async", "\"Ready\"");
    check(strstr(w.response, "\"httpStatus\":200") && strstr(w.response, "\"msCv\":\""),
          "inside the callback, arr_last_response has the operation's status and MS-CV");
    ASYNC_CASE(arr_client_update_session_async(client, "c-async", 20, on_done, &w, NULL), "update_session_async", "\"maxLeaseTimeMinutes\":20");
    ASYNC_CASE(arr_client_extend_session_async(client, "c-async", 5, on_done, &w, NULL), "extend_session_async", "\"maxLeaseTimeMinutes\":25");
    ASYNC_CASE(arr_client_list_sessions_async(client, on_done, &w, NULL), "list_sessions_async", "c-async");
    ASYNC_CASE(arr_client_wait_for_sessions_async(client, "[\"c-async\",\"missing\"]", NULL, on_done, &w, NULL), "wait_for_sessions_async", "ARR_STATUS_NOT_FOUND");
    ASYNC_CASE(arr_client_get_access_token_async(client, on_done, &w, NULL), "get_access_token_async", "accessToken");
    ASYNC_CASE(arr_client_stop_session_async(client, "c-async", on_done, &w, NULL), "stop_session_async", "null");
    int before = w.calls;
    check(arr_client_get_session_async(client, "missing", on_done, &w, NULL) == ARR_STATUS_OK, "get_async of a missing session starts");
    check(wait_for(&w, before + 1, 10) && w.status == ARR_STATUS_NOT_FOUND && strstr(w.json, "ARR_STATUS_NOT_FOUND"), "its callback carries the error JSON");
    sleep_ms(200);
    check(w.calls == before + 1, "each callback fired exactly once");
    waiter_destroy(&w);
}

/* A session that never becomes Ready within the test (the emulator is started with a long delay for it). */
static void start_slow_session(arr_client *client, const char *id) {
    char *json = NULL;
    char opts[200];
    snprintf(opts, sizeof opts, "{\"id\":\"%s\",\"size\":\"Premium\",\"maxLeaseTimeMinutes\":10}", id);
    if (arr_client_create_session(client, opts, &json) == ARR_STATUS_OK) arr_string_free(json);
}

static void test_cancel_free_shutdown(void) {
    base_url = slow_url;
    arr_client *client = new_client(",\"pollIntervalMs\":100");
    start_slow_session(client, "c-slow");

    waiter w;
    waiter_init(&w);
    uint64_t op = 0;
    check(arr_client_wait_until_ready_async(client, "c-slow", "{\"timeoutMs\":600000}", on_done, &w, &op) == ARR_STATUS_OK, "a long wait starts");
    sleep_ms(200);
    check(arr_client_cancel(client, op) == ARR_STATUS_OK, "cancel finds it");
    check(wait_for(&w, 1, 5) && w.status == ARR_STATUS_CANCELLED && strstr(w.json, "ARR_STATUS_CANCELLED"), "cancelled wait calls back CANCELLED");
    char *json = NULL;
    check(arr_client_get_session(client, "c-slow", &json) == ARR_STATUS_OK && strstr(json, "\"Starting\""), "cancelling a wait does not stop the session");
    arr_string_free(json);
    check(arr_client_cancel(client, op) == ARR_STATUS_NOT_FOUND, "a finished operation cannot be cancelled");

    waiter freed;
    waiter_init(&freed);
    for (int i = 0; i < 5; i++) arr_client_wait_until_ready_async(client, "c-slow", NULL, on_done, &freed, NULL);
    sleep_ms(100);
    arr_client_free(client);
    pthread_mutex_lock(&freed.lock);
    int calls = freed.calls;
    freed.after_free = 1;
    pthread_mutex_unlock(&freed.lock);
    check(calls == 5 && freed.status == ARR_STATUS_CANCELLED, "arr_client_free completes in-flight calls as CANCELLED before returning");
    sleep_ms(300);
    check(freed.late_calls == 0 && freed.calls == 5, "no callback after arr_client_free returned");

    arr_client *a = new_client("");
    arr_client *b = new_client("");
    waiter down;
    waiter_init(&down);
    arr_client_wait_until_ready_async(a, "c-slow", NULL, on_done, &down, NULL);
    arr_client_wait_until_ready_async(b, "c-slow", NULL, on_done, &down, NULL);
    sleep_ms(100);
    arr_shutdown();
    pthread_mutex_lock(&down.lock);
    calls = down.calls;
    down.after_free = 1;
    pthread_mutex_unlock(&down.lock);
    check(calls == 2 && down.status == ARR_STATUS_CANCELLED, "arr_shutdown completes every in-flight call as CANCELLED");
    expect(arr_client_list_sessions(a, &json), ARR_STATUS_SHUTDOWN, "create a new client", "an old client answers SHUTDOWN");
    arr_client_free(a);
    arr_client_free(b);
    arr_shutdown();
    arr_client *fresh = new_client("");
    check(fresh && arr_client_list_sessions(fresh, &json) == ARR_STATUS_OK, "a new client works after arr_shutdown");
    arr_string_free(json);
    sleep_ms(200);
    check(down.late_calls == 0, "no callback after arr_shutdown returned");
    arr_client_free(fresh);
    waiter_destroy(&w);
    waiter_destroy(&freed);
    waiter_destroy(&down);
}

/* Blocking calls from inside a callback are refused; freeing the client from its own callback works. */
typedef struct {
    arr_client *client;
    arr_status inner;
    waiter done;
} reentry;

static void on_reenter(void *user_data, arr_status status, const char *json) {
    (void)status;
    (void)json;
    reentry *r = user_data;
    char *out = NULL;
    r->inner = arr_client_list_sessions(r->client, &out);
    arr_client_free(r->client); /* from inside the client's own callback */
    on_done(&r->done, r->inner, "");
}

static void test_callback_reentry(void) {
    reentry r;
    r.client = new_client("");
    waiter_init(&r.done);
    check(arr_client_list_sessions_async(r.client, on_reenter, &r, NULL) == ARR_STATUS_OK, "reentry call starts");
    check(wait_for(&r.done, 1, 10) && r.inner == ARR_STATUS_BLOCKING_IN_CALLBACK, "a blocking call inside a callback is refused");
    check(1, "arr_client_free from the client's own callback returned");
    waiter_destroy(&r.done);
}

/* Many threads share one client. */
typedef struct {
    arr_client *client;
    int calls;
    int failures;
} worker_args;

static void *worker(void *p) {
    worker_args *a = p;
    for (int i = 0; i < a->calls; i++) {
        char *json = NULL;
        if (arr_client_get_session(a->client, "c-shared", &json) != ARR_STATUS_OK) a->failures++;
        arr_string_free(json);
    }
    return NULL;
}

static void test_threads(void) {
    arr_client *client = new_client("");
    char *json = NULL;
    if (arr_client_create_session(client, "{\"id\":\"c-shared\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10}", &json) == ARR_STATUS_OK) arr_string_free(json);
    enum { THREADS = 16 };
    pthread_t threads[THREADS];
    worker_args args[THREADS];
    int calls = quick ? 25 : 1000;
    for (int i = 0; i < THREADS; i++) {
        args[i].client = client;
        args[i].calls = calls;
        args[i].failures = 0;
        pthread_create(&threads[i], NULL, worker, &args[i]);
    }
    int failures = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        failures += args[i].failures;
    }
    char label[100];
    snprintf(label, sizeof label, "16 threads x %d calls on one client, %d failures", calls, failures);
    check(failures == 0, label);
    arr_client_stop_session(client, "c-shared");
    arr_client_free(client);
}

static int log_lines;
static int log_leaks;
static void on_log(void *user_data, arr_log_level level, const char *target, const char *message) {
    (void)user_data;
    (void)level;
    (void)target;
    __sync_fetch_and_add(&log_lines, 1);
    if (strstr(message, "YXJy") || strstr(message, "Bearer")) __sync_fetch_and_add(&log_leaks, 1);
}

static void test_logging(arr_client *client) {
    char *json = NULL;
    check(arr_set_log_callback(on_log, NULL, ARR_LOG_LEVEL_TRACE) == ARR_STATUS_OK, "set_log_callback");
    arr_client_list_sessions(client, &json);
    arr_string_free(json);
    /* Lines are delivered in order from the library's log thread, shortly after they happen. */
    for (int waited = 0; __sync_fetch_and_add(&log_lines, 0) == 0 && waited < 5000; waited += 10) sleep_ms(10);
    check(log_lines > 0, "log lines arrive at the callback (from the log thread)");
    check(log_leaks == 0, "no key or Authorization in the logs");
    check(arr_set_log_callback(NULL, NULL, ARR_LOG_LEVEL_OFF) == ARR_STATUS_OK, "logging off");
    sleep_ms(200); /* lines queued before turning it off are dropped, not delivered */
    int before = log_lines;
    arr_client_list_sessions(client, &json);
    arr_string_free(json);
    check(log_lines == before, "no log lines after turning logging off");
}

typedef struct {
    int asked;
    const char *token;
} provider_state;

static void on_token(void *user_data, arr_token_request *request) {
    provider_state *s = user_data;
    __sync_fetch_and_add(&s->asked, 1);
    arr_token_request_complete(request, s->token);
}

static void on_token_refused(void *user_data, arr_token_request *request) {
    (void)user_data;
    arr_token_request_fail(request, "backend said no");
}

static volatile int slow_provider_done;
static void on_token_slowly(void *user_data, arr_token_request *request) {
    (void)user_data;
    sleep_ms(500);
    arr_token_request_fail(request, "too late");
    slow_provider_done = 1;
}

static void test_token_provider(arr_client *keyed) {
    char *json = NULL;
    arr_client_get_access_token(keyed, &json);
    /* {"accessToken":"<jwt>"} -> <jwt> */
    static char token[4096];
    const char *start = strstr(json, ":\"") + 2;
    size_t n = strcspn(start, "\"");
    memcpy(token, start, n);
    token[n] = 0;
    arr_string_free(json);

    provider_state state = {0, token};
    char cfg[1024];
    snprintf(cfg, sizeof cfg, "{\"endpoint\":\"%s\",\"accountId\":\"11111111-1111-1111-1111-111111111111\"}", base_url);
    arr_client *client = NULL;
    check(arr_client_new_with_token_provider(cfg, ARR_TOKEN_KIND_ACCESS_TOKEN, on_token, &state, &client) == ARR_STATUS_OK, "client with a token provider");
    check(arr_client_list_sessions(client, &json) == ARR_STATUS_OK, "calls succeed with the provided token");
    arr_string_free(json);
    check(state.asked == 1, "the provider was asked once");
    arr_client_free(client);
    expect(arr_client_new_with_token_provider(cfg, 7, on_token, &state, &client), ARR_STATUS_INVALID_ARGUMENT, "kind", "token provider: bad kind");
    check(arr_client_new_with_token_provider(cfg, ARR_TOKEN_KIND_ACCESS_TOKEN, on_token_refused, NULL, &client) == ARR_STATUS_OK, "client with a refusing token provider");
    expect(arr_client_list_sessions(client, &json), ARR_STATUS_UNAUTHORIZED, "backend said no", "arr_token_request_fail reaches the caller's error");
    arr_client_free(client);
    /* A token callback still running when the client is freed: free waits for it. */
    check(arr_client_new_with_token_provider(cfg, ARR_TOKEN_KIND_ACCESS_TOKEN, on_token_slowly, NULL, &client) == ARR_STATUS_OK, "client with a slow token provider");
    waiter w;
    waiter_init(&w);
    arr_client_list_sessions_async(client, on_done, &w, NULL);
    sleep_ms(100);
    arr_client_free(client);
    check(slow_provider_done == 1 && w.calls == 1, "arr_client_free returns only after a token callback in progress has returned");
    waiter_destroy(&w);
    char aad_cfg[1024];
    snprintf(aad_cfg, sizeof aad_cfg, "{\"endpoint\":\"%s\",\"stsEndpoint\":\"%s\",\"accountId\":\"11111111-1111-1111-1111-111111111111\"}", base_url, base_url);
    /* The emulator's STS exchanges the development account's "id:key" bearer as well as an AAD token, so
     * the provider hands out the former: what is tested is that ARR_TOKEN_KIND_AAD tokens go to the STS,
     * not to the rendering endpoint. */
    provider_state aad = {0, "11111111-1111-1111-1111-111111111111:YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ=="};
    check(arr_client_new_with_token_provider(aad_cfg, ARR_TOKEN_KIND_AAD, on_token, &aad, &client) == ARR_STATUS_OK, "client with an AAD-kind token provider");
    check(arr_client_list_sessions(client, &json) == ARR_STATUS_OK && aad.asked == 1, "AAD-kind tokens are exchanged at the STS");
    arr_string_free(json);
    arr_client_free(client);
}

/* Every string parameter of every function, given a NULL, invalid UTF-8, and a 10 MiB string: each call
 * returns a status naming the argument, never crashes, and leaves its out-parameter alone. */
static void test_hostile_strings(arr_client *client) {
    size_t big = 10u << 20;
    char *huge = malloc(big + 1);
    memset(huge, 'a', big);
    huge[big] = 0;
    const char bad_utf8[] = {'x', (char)0xf0, (char)0x28, (char)0x8c, (char)0x28, 0};
    const char *inputs[] = {NULL, bad_utf8, huge};
    const char *labels[] = {"NULL", "invalid UTF-8", "10 MiB"};
    waiter w;
    waiter_init(&w);
    int all_ok = 1, count = 0;
    for (int i = 0; i < 3; i++) {
        const char *in = inputs[i];
        char *out = (char *)0x1;
        uint64_t op = 77;
        arr_client *c = (arr_client *)0x1;
        arr_status got[] = {
            arr_client_new(in, &c),
            arr_client_create_session(client, in, &out),
            arr_client_create_session_async(client, in, on_done, &w, &op),
            arr_client_get_session(client, in, &out),
            arr_client_get_session_async(client, in, on_done, &w, &op),
            arr_client_update_session(client, in, 10, &out),
            arr_client_update_session_async(client, in, 10, on_done, &w, &op),
            arr_client_extend_session(client, in, 10, &out),
            arr_client_extend_session_async(client, in, 10, on_done, &w, &op),
            arr_client_stop_session(client, in),
            arr_client_stop_session_async(client, in, on_done, &w, &op),
            arr_client_wait_until_ready(client, in, NULL, &out),
            arr_client_wait_until_ready_async(client, in, NULL, on_done, &w, &op),
            arr_client_wait_for_sessions(client, in, NULL, &out),
            arr_client_wait_for_sessions_async(client, in, NULL, on_done, &w, &op),
            /* wait options may be NULL (defaults), so only the other two inputs are errors there */
            i == 0 ? ARR_STATUS_INVALID_ARGUMENT : arr_client_wait_until_ready(client, "x", in, &out),
            i == 0 ? ARR_STATUS_INVALID_ARGUMENT : arr_client_wait_for_sessions_async(client, "[]", in, on_done, &w, &op),
        };
        for (size_t k = 0; k < sizeof got / sizeof got[0]; k++) {
            int ok = (i == 0) ? (got[k] == ARR_STATUS_NULL_ARGUMENT || k >= 15) : got[k] == ARR_STATUS_INVALID_ARGUMENT;
            if (!ok) {
                printf("     %s: call %zu returned %u\n", labels[i], k, (unsigned)got[k]);
                all_ok = 0;
            }
            count++;
        }
        if (out != (char *)0x1 || op != 77 || c != (arr_client *)0x1) all_ok = 0;
    }
    char label[120];
    snprintf(label, sizeof label, "hostile strings: %d calls with NULL / invalid UTF-8 / 10 MiB each returned a status", count);
    check(all_ok, label);
    char *out = NULL;
    expect(arr_client_update_session(client, "x", 0xFFFFFFFFu, &out), ARR_STATUS_INVALID_ARGUMENT, "maxLeaseTimeMinutes", "update: lease UINT32_MAX");
    expect(arr_client_extend_session(client, "x", 0xFFFFFFFFu, &out), ARR_STATUS_INVALID_ARGUMENT, "by_minutes", "extend: UINT32_MAX minutes");
    expect(arr_client_create_session(client, "{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":NaN}", &out), ARR_STATUS_INVALID_ARGUMENT, "options_json", "create: NaN lease");
    expect(arr_client_create_session(client, "{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":18446744073709551616}", &out), ARR_STATUS_INVALID_ARGUMENT, "maxLeaseTimeMinutes", "create: lease 2^64");
    expect(arr_client_create_session(client, "{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10.5}", &out), ARR_STATUS_INVALID_ARGUMENT, "maxLeaseTimeMinutes", "create: fractional lease");
    expect(arr_client_wait_until_ready(client, "x", "{\"timeoutMs\":1e400}", &out), ARR_STATUS_INVALID_ARGUMENT, "wait_options_json", "wait: huge timeout");
    sleep_ms(100);
    check(w.calls == 0, "no callback for any refused async call");
    waiter_destroy(&w);
    free(huge);
}

/* The session guard: owned sessions are stopped on request and, when configured, by arr_client_free. */
static void test_session_guard(void) {
    char *json = NULL;
    arr_client *observer = new_client("");
    arr_client *client = new_client("");
    check(arr_client_create_session(client, "{\"id\":\"c-owned\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10}", &json) == ARR_STATUS_OK, "guard: create an owned session");
    arr_string_free(json);
    check(arr_client_create_session(client, "{\"id\":\"c-unowned\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10,\"owned\":false}", &json) == ARR_STATUS_OK, "guard: create an unowned session");
    arr_string_free(json);
    check(arr_client_get_owned_sessions(client, &json) == ARR_STATUS_OK && strcmp(json, "[\"c-owned\"]") == 0, "get_owned_sessions lists the owned session only");
    arr_string_free(json);
    expect(arr_client_get_owned_sessions(client, NULL), ARR_STATUS_NULL_ARGUMENT, "out_ids_json", "get_owned_sessions: NULL out");
    expect(arr_client_get_owned_sessions(NULL, &json), ARR_STATUS_NULL_ARGUMENT, "client", "get_owned_sessions: NULL client");
    check(arr_client_stop_owned_sessions(client, 10000, &json) == ARR_STATUS_OK && strstr(json, "c-owned") && !strstr(json, "c-unowned") && strstr(json, "ARR_STATUS_OK"),
          "stop_owned_sessions stops only the owned session");
    arr_string_free(json);
    check(arr_client_get_session(observer, "c-unowned", &json) == ARR_STATUS_OK && !strstr(json, "\"Stopped\""), "the unowned session still runs");
    arr_string_free(json);
    expect(arr_client_stop_owned_sessions(client, 0, &json), ARR_STATUS_INVALID_ARGUMENT, "timeout_ms", "stop_owned_sessions: zero timeout");
    expect(arr_client_stop_owned_sessions(client, 100, NULL), ARR_STATUS_NULL_ARGUMENT, "out_results_json", "stop_owned_sessions: NULL out");
    waiter w;
    waiter_init(&w);
    check(arr_client_stop_owned_sessions_async(client, 1000, on_done, &w, NULL) == ARR_STATUS_OK && wait_for(&w, 1, 10) && w.status == ARR_STATUS_OK && strcmp(w.json, "[]") == 0,
          "stop_owned_sessions_async with nothing owned");
    waiter_destroy(&w);
    arr_client_stop_session(client, "c-unowned");
    arr_client_free(client);

    arr_client *guarded = new_client(",\"stopOwnedSessionsOnClose\":true,\"closeTimeoutMs\":5000");
    check(arr_client_create_session(guarded, "{\"id\":\"c-on-close\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10}", &json) == ARR_STATUS_OK, "guard: create with stopOwnedSessionsOnClose");
    arr_string_free(json);
    arr_client_free(guarded);
    check(arr_client_get_session(observer, "c-on-close", &json) == ARR_STATUS_OK && strstr(json, "\"Stopped\""), "arr_client_free stopped the owned session");
    arr_string_free(json);
    arr_client_free(observer);
}

/* An account domain given as a URL is the STS itself: the emulator's URL works there too. */
static void test_account_domain_as_url(void) {
    char cfg[800];
    snprintf(cfg, sizeof cfg,
             "{\"endpoint\":\"%s\",\"accountDomain\":\"%s\",\"accountId\":\"11111111-1111-1111-1111-111111111111\","
             "\"accountKey\":\"YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==\"}",
             fast_url, fast_url);
    arr_client *client = NULL;
    char *json = NULL;
    check(arr_client_new(cfg, &client) == ARR_STATUS_OK && arr_client_list_sessions(client, &json) == ARR_STATUS_OK,
          "accountDomain given as the emulator's URL is its STS (a key is exchanged there)");
    arr_string_free(json);
    arr_client_free(client);
}

/* Every call clears the last error on entry, the functions without a status included; only freeing a
 * string (and reading the last error) leaves it. */
static int cleared_by(void (*call)(void)) {
    arr_client *none = NULL;
    if (arr_client_new("{not json", &none) != ARR_STATUS_INVALID_ARGUMENT) return 0;
    call();
    char *error = arr_last_error();
    arr_string_free(error);
    return error == NULL;
}

static void free_null_string(void) { arr_string_free(NULL); }
static void free_null_client(void) { arr_client_free(NULL); }

static void test_last_error_cleared_by_every_call(void) {
    check(cleared_by(free_null_client), "arr_client_free clears the last error");
    check(cleared_by(arr_shutdown), "arr_shutdown clears the last error");
    check(!cleared_by(free_null_string), "arr_string_free leaves the last error");
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: abi_test BASE_URL SLOW_URL [--quick]\n");
        return 2;
    }
    base_url = fast_url = argv[1];
    slow_url = argv[2];
    quick = argc > 3 && strcmp(argv[3], "--quick") == 0;

    test_version();
    test_client_new_errors();
    test_account_domain_as_url();
    arr_client *client = new_client("");
    check(client != NULL, "client_new");
    lifecycle(client, 0);
    arr_client *v1 = new_client(",\"apiVersion\":\"v1\"");
    lifecycle(v1, 1);
    arr_client_free(v1);
    test_service_errors(client);
    test_bad_arguments(client);
    test_hostile_strings(client);
    test_async(client);
    test_logging(client);
    test_token_provider(client);
    arr_client_free(client);
    test_callback_reentry();
    test_session_guard();
    test_threads();
    test_cancel_free_shutdown();
    base_url = fast_url;
#ifdef ARR_SESSION_TEST_HOOKS
    expect(arr_test_force_panic(), ARR_STATUS_PANIC, "panic", "a panic inside the library returns ARR_STATUS_PANIC");
    arr_client *after = new_client("");
    char *json = NULL;
    check(after && arr_client_list_sessions(after, &json) == ARR_STATUS_OK, "the library works after a panic");
    arr_string_free(json);
    arr_client_free(after);
#endif
    test_last_error_cleared_by_every_call();
    arr_shutdown();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
