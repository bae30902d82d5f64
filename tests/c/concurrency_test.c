/*
 * Concurrency: 64 threads run mixed operations (blocking and async) on one shared client while another
 * thread frees a second client that has calls in flight. Every async call must call back exactly once,
 * and none may call back after its client was freed.
 * Usage: concurrency_test BASE_URL SLOW_URL [--quick]
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arr_session.h"

enum { THREADS = 64, MAX_CALLS = 200 };

static const char *base_url;
static const char *slow_url;
static int iterations;

/* One slot per async call: how many times it called back, and whether its client was already freed. */
typedef struct {
    int calls;
    int late;
    arr_status status;
} slot;

static slot shared_slots[THREADS][MAX_CALLS];
static slot freed_slots[MAX_CALLS];
static volatile int second_client_freed;
static int blocking_failures;
static int async_failures;

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void on_done(void *user_data, arr_status status, const char *json) {
    (void)json;
    slot *s = user_data;
    __sync_fetch_and_add(&s->calls, 1);
    s->status = status;
}

static void on_done_second(void *user_data, arr_status status, const char *json) {
    (void)json;
    slot *s = user_data;
    if (second_client_freed) __sync_fetch_and_add(&s->late, 1);
    __sync_fetch_and_add(&s->calls, 1);
    s->status = status;
}

static arr_client *client_for(const char *url) {
    char cfg[600];
    snprintf(cfg, sizeof cfg,
             "{\"endpoint\":\"%s\",\"stsEndpoint\":\"%s\",\"accountId\":\"11111111-1111-1111-1111-111111111111\","
             "\"accountKey\":\"YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==\",\"pollIntervalMs\":100}",
             url, url);
    arr_client *c = NULL;
    return arr_client_new(cfg, &c) == ARR_STATUS_OK ? c : NULL;
}

typedef struct {
    arr_client *client;
    int index;
} worker_args;

static void *worker(void *p) {
    worker_args *a = p;
    for (int i = 0; i < iterations; i++) {
        char *json = NULL;
        arr_status st;
        switch (i % 4) {
        case 0:
            st = arr_client_get_session(a->client, "c-shared", &json);
            break;
        case 1:
            st = arr_client_list_sessions(a->client, &json);
            break;
        case 2:
            st = arr_client_get_access_token(a->client, &json);
            break;
        default:
            st = arr_client_get_session_async(a->client, "c-shared", on_done, &shared_slots[a->index][i], NULL);
            break;
        }
        if (st != ARR_STATUS_OK) __sync_fetch_and_add(&blocking_failures, 1);
        arr_string_free(json);
    }
    return NULL;
}

static void *freer(void *p) {
    arr_client *second = p;
    for (int i = 0; i < iterations && i < MAX_CALLS; i++) {
        arr_client_wait_until_ready_async(second, "c-slow", NULL, on_done_second, &freed_slots[i], NULL);
    }
    sleep_ms(50);
    arr_client_free(second);
    second_client_freed = 1;
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: concurrency_test BASE_URL SLOW_URL [--quick]\n");
        return 2;
    }
    base_url = argv[1];
    slow_url = argv[2];
    iterations = argc > 3 && strcmp(argv[3], "--quick") == 0 ? 8 : 40;

    arr_client *shared = client_for(base_url);
    arr_client *second = client_for(slow_url);
    char *json = NULL;
    if (!shared || !second) {
        printf("FAIL clients\n0 passed, 1 failed\n");
        return 1;
    }
    if (arr_client_create_session(shared, "{\"id\":\"c-shared\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10}", &json) == ARR_STATUS_OK) arr_string_free(json);
    if (arr_client_create_session(second, "{\"id\":\"c-slow\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10}", &json) == ARR_STATUS_OK) arr_string_free(json);

    pthread_t threads[THREADS], free_thread;
    worker_args args[THREADS];
    pthread_create(&free_thread, NULL, freer, second);
    for (int t = 0; t < THREADS; t++) {
        args[t].client = shared;
        args[t].index = t;
        pthread_create(&threads[t], NULL, worker, &args[t]);
    }
    for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
    pthread_join(free_thread, NULL);
    /* Let the shared client's async calls finish (bounded), so none is cancelled by the free below. */
    for (int waited = 0; waited < 100; waited++) {
        int pending = 0;
        for (int t = 0; t < THREADS; t++)
            for (int i = 3; i < iterations; i += 4) pending += shared_slots[t][i].calls == 0;
        if (pending == 0) break;
        sleep_ms(100);
    }
    arr_client_stop_session(shared, "c-shared");
    arr_client_free(shared);

    int passed = 0, failed = 0;
    int never = 0, twice = 0;
    for (int t = 0; t < THREADS; t++) {
        for (int i = 3; i < iterations; i += 4) {
            if (shared_slots[t][i].calls == 0) never++;
            if (shared_slots[t][i].calls > 1) twice++;
            if (shared_slots[t][i].status != ARR_STATUS_OK) async_failures++;
        }
    }
    int freed_calls = 0, freed_late = 0, freed_cancelled = 0;
    int started = iterations < MAX_CALLS ? iterations : MAX_CALLS;
    for (int i = 0; i < started; i++) {
        freed_calls += freed_slots[i].calls == 1;
        freed_late += freed_slots[i].late;
        freed_cancelled += freed_slots[i].status == ARR_STATUS_CANCELLED;
    }
    sleep_ms(200);
    for (int i = 0; i < started; i++) freed_late += freed_slots[i].late;

#define CHECK(cond, ...)                   \
    do {                                   \
        if (cond) {                        \
            passed++;                      \
            printf("ok   " __VA_ARGS__);   \
        } else {                           \
            failed++;                      \
            printf("FAIL " __VA_ARGS__);   \
        }                                  \
        printf("\n");                      \
    } while (0)

    CHECK(blocking_failures == 0, "64 threads x %d mixed calls on one client: %d failures", iterations, blocking_failures);
    CHECK(never == 0 && twice == 0, "every async call on the shared client called back exactly once (%d never, %d twice)", never, twice);
    CHECK(async_failures == 0, "async calls on the shared client succeeded (%d failed)", async_failures);
    CHECK(freed_calls == started && freed_cancelled == started,
          "the freed client's %d in-flight waits each called back once, CANCELLED (%d, %d)", started, freed_calls, freed_cancelled);
    CHECK(freed_late == 0, "no callback after arr_client_free returned (%d late)", freed_late);
    arr_shutdown();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
