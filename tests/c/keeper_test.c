/*
 * The lease keeper through the C ABI: many sessions kept with one list request per poll
 * (arr_client_keep_sessions), and a keeper's failures as structured events: the error object of
 * arr_last_error (status, httpStatus, code, msCv, retryAfterSeconds) for a 404, a 401 and a 429 the retry
 * policy gave up on, read without parsing any message. The last call is the first that is not OK.
 *
 * Usage: keeper_test URL (an emulator whose sessions are Ready after a short delay; faults are injected)
 * Prints one line per check and ends with "N passed, N failed"; exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>

#include "support.h"

static const char *url;
static long run_tag;

/* Every call of one stream: the events' JSON (kept), and the last call. */
typedef struct {
    pthread_mutex_t lock;
    char events[16][2048];
    int count;
    int ended;
    arr_status last_status;
    char last_json[2048];
} stream;

static void stream_init(stream *s) {
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
}

static void on_stream(void *user_data, arr_status status, const char *json) {
    stream *s = user_data;
    pthread_mutex_lock(&s->lock);
    if (status != ARR_STATUS_OK) {
        s->ended++;
        s->last_status = status;
        snprintf(s->last_json, sizeof s->last_json, "%s", json);
    } else if (s->count < 16) {
        snprintf(s->events[s->count++], sizeof s->events[0], "%s", json);
    }
    pthread_mutex_unlock(&s->lock);
}

static int stream_ended(stream *s, long ms) {
    long long deadline = now_ms() + ms;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        int ended = s->ended;
        pthread_mutex_unlock(&s->lock);
        if (ended || now_ms() > deadline) return ended;
        sleep_ms(10);
    }
}

/* The first event containing `needle`, or NULL. */
static const char *event_with(stream *s, const char *needle) {
    for (int i = 0; i < s->count; i++)
        if (strstr(s->events[i], needle)) return s->events[i];
    return NULL;
}

static void create(arr_client *client, int n, char *id, size_t cap) {
    snprintf(id, cap, "keep-%ld-%d", run_tag, n);
    char options[200];
    snprintf(options, sizeof options, "{\"id\":\"%s\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":60}", id);
    char *json = NULL;
    if (arr_client_create_session(client, options, &json) == ARR_STATUS_OK) arr_string_free(json);
    if (arr_client_wait_until_ready(client, id, "{\"timeoutMs\":20000}", &json) == ARR_STATUS_OK) arr_string_free(json);
}

static void three_sessions_one_list_per_poll(void) {
    arr_client *client = new_client(url, "");
    char ids[3][64];
    for (int i = 0; i < 3; i++) create(client, i, ids[i], sizeof ids[i]);
    char ids_json[300];
    snprintf(ids_json, sizeof ids_json, "[\"%s\",\"%s\",\"%s\"]", ids[0], ids[1], ids[2]);
    long lists = route_count(url, "sessions.list"), gets = route_count(url, "sessions.get");
    stream s;
    stream_init(&s);
    uint64_t op = 0;
    check(arr_client_keep_sessions(client, ids_json, "{\"pollIntervalMs\":200}", on_stream, &s, &op) == ARR_STATUS_OK,
          "arr_client_keep_sessions starts for three sessions");
    sleep_ms(1100);
    check(arr_client_cancel(client, op) == ARR_STATUS_OK, "cancel finds it");
    check(stream_ended(&s, 5000) == 1 && s.last_status == ARR_STATUS_CANCELLED, "its last call is ARR_STATUS_CANCELLED");
    lists = route_count(url, "sessions.list") - lists;
    gets = route_count(url, "sessions.get") - gets;
    char what[200];
    snprintf(what, sizeof what, "about one list request per poll for the three (%ld lists, %ld gets)", lists, gets);
    check(lists >= 3 && lists <= 8 && gets == 0, what);
    check(arr_client_keep_sessions(client, "[]", NULL, on_stream, &s, NULL) == ARR_STATUS_INVALID_ARGUMENT &&
              last_error_has("\"argument\":\"sessionIds\""),
          "an empty list is refused at once, naming the argument");
    check(arr_client_keep_sessions(client, "[\"a/b\"]", NULL, on_stream, &s, NULL) == ARR_STATUS_INVALID_ARGUMENT,
          "a bad id is refused at once");
    for (int i = 0; i < 3; i++) arr_client_stop_session(client, ids[i]);
    arr_client_free(client);
}

/* A keeper of `id` on a client made with `extra` config; its stream once it ended (or after 10 s). */
static void keep_until_it_ends(const char *extra, const char *id, stream *s) {
    arr_client *client = new_client(url, extra);
    stream_init(s);
    check(arr_client_keep_session(client, id, "{\"pollIntervalMs\":100}", on_stream, s, NULL) == ARR_STATUS_OK,
          "a keeper starts");
    stream_ended(s, 10000);
    arr_client_free(client);
}

static void failures_are_error_objects(void) {
    stream s;
    keep_until_it_ends("", "no-such-session", &s);
    const char *failed = event_with(&s, "\"kind\":\"failed\"");
    check(failed && strstr(failed, "\"status\":\"ARR_STATUS_NOT_FOUND\"") && strstr(failed, "\"httpStatus\":404") &&
              strstr(failed, "\"msCv\":\"") && strstr(failed, "\"code\":null"),
          "404: a failed event with the error object (status, httpStatus, code (none for a 404), msCv)");
    check(s.ended == 1 && s.last_status == ARR_STATUS_NOT_FOUND &&
              strstr(s.last_json, "\"status\":\"ARR_STATUS_NOT_FOUND\"") && strstr(s.last_json, "\"httpStatus\":404"),
          "404: then the last call, ARR_STATUS_NOT_FOUND with the same error object (the session cannot be kept)");

    /* Credentials the service refuses: an access token that is not one. */
    arr_client *bad = NULL;
    char config[600];
    snprintf(config, sizeof config,
             "{\"endpoint\":\"%s\",\"accountId\":\"11111111-1111-1111-1111-111111111111\",\"accessToken\":\"not-a-token\"}",
             url);
    check(arr_client_new(config, &bad) == ARR_STATUS_OK, "a client with a refused token");
    stream_init(&s);
    check(arr_client_keep_session(bad, "keep-any", "{\"pollIntervalMs\":100}", on_stream, &s, NULL) == ARR_STATUS_OK,
          "its keeper starts");
    stream_ended(&s, 10000);
    failed = event_with(&s, "\"kind\":\"failed\"");
    check(failed && strstr(failed, "\"status\":\"ARR_STATUS_UNAUTHORIZED\"") && strstr(failed, "\"httpStatus\":401") &&
              strstr(failed, "\"msCv\":\""),
          "401: a failed event with the error object");
    check(s.ended == 1 && s.last_status == ARR_STATUS_UNAUTHORIZED, "401: then the last call, ARR_STATUS_UNAUTHORIZED");
    arr_client_free(bad);

    /* Throttled beyond the retry policy (none here): an event carrying the 429, and the keeper goes on. */
    arr_client *client = new_client(url, ",\"retry\":{\"maxRetries\":0}");
    char id[64];
    create(client, 9, id, sizeof id);
    check(inject(url, "{\"route\":\"sessions.get\",\"kind\":{\"kind\":\"status\",\"status\":429,\"retryAfter\":1},\"times\":1}"),
          "the next GET is answered 429 with Retry-After: 1");
    stream_init(&s);
    uint64_t op = 0;
    check(arr_client_keep_session(client, id, "{\"pollIntervalMs\":100}", on_stream, &s, &op) == ARR_STATUS_OK,
          "a keeper starts");
    sleep_ms(600);
    pthread_mutex_lock(&s.lock);
    const char *throttled = event_with(&s, "\"kind\":\"throttled\"");
    check(throttled && strstr(throttled, "\"status\":\"ARR_STATUS_THROTTLED\"") && strstr(throttled, "\"httpStatus\":429") &&
              strstr(throttled, "\"retryAfterSeconds\":1") && strstr(throttled, "\"msCv\":\""),
          "429 given up: a throttled event with the error object (retryAfterSeconds included)");
    pthread_mutex_unlock(&s.lock);
    check(s.ended == 0, "the keeper carries on after throttling");
    arr_client_cancel(client, op);
    stream_ended(&s, 5000);
    arr_client_stop_session(client, id);
    arr_client_free(client);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: keeper_test URL\n");
        return 2;
    }
    url = argv[1];
    run_tag = (long)time(NULL) % 100000 * 100 + (long)(getpid() % 100);
    three_sessions_one_list_per_poll();
    failures_are_error_objects();
    arr_shutdown();
    return summary();
}
