/*
 * Regressions of the lifecycle engine found under randomized load (issue #30), each as a small program:
 *   1. a callback frees (or closes) its client while another thread's arr_shutdown / arr_client_close is
 *      closing it: nothing else of that client may call back after the free returned;
 *   2. a keeper cancelled, closed or freed from inside its first event sends no further event;
 *   3. arr_client_cancel on a closed client answers ARR_STATUS_CLOSED;
 *   4. arr_client_new while another thread runs arr_shutdown waits for it and makes a working client; from
 *      a callback that shutdown waits for, it answers ARR_STATUS_SHUTDOWN at once.
 *
 * Usage: lifecycle_regressions_test FAST_URL [--quick]
 *   FAST_URL  an emulator whose sessions are Ready after a short delay
 *   --quick   fewer repetitions (under valgrind)
 * Prints one line per check and ends with "N passed, N failed"; exits non-zero on any failure.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "support.h"
#include "shared_ints.h"
#include "watchdog.h"

static const char *fast_url;
static int quick;
static long run_tag;

static int create_session(arr_client *client, const char *prefix, int n, int lease, char *id, size_t cap) {
    char options[256];
    snprintf(options, sizeof options, "{\"id\":\"%s-%ld-%d\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":%d}",
             prefix, run_tag, n, lease);
    char *json = NULL;
    arr_status st = arr_client_create_session(client, options, &json);
    if (st != ARR_STATUS_OK) {
        printf("     create failed: %u\n", (unsigned)st);
        last_error_has("");
        return 0;
    }
    const char *p = strstr(json, "\"id\":\"");
    id[0] = 0;
    if (p) {
        p += 6;
        size_t len = strcspn(p, "\"");
        if (len >= cap) len = cap - 1;
        memcpy(id, p, len);
        id[len] = 0;
    }
    arr_string_free(json);
    return id[0] != 0;
}

/* ---------- 1. free from a callback while another thread closes the client ---------- */

typedef struct {
    arr_client *client;
    volatile int closer_inside; /* the other thread is (about to be) inside shutdown/close */
    volatile int released;      /* the callback's free/close has returned */
    volatile int late;          /* callbacks of the client that entered after that */
    volatile int finals;        /* last calls seen */
    int use_close;              /* the callback closes (and main frees later) rather than frees */
} freed_during;

static void keeper_event(void *user_data, arr_status status, const char *json) {
    (void)json;
    freed_during *s = user_data;
    if (status != ARR_STATUS_OK) {
        add_int(&s->finals, 1);
        sleep_ms(30); /* last calls of 30 keepers take a while on the callback threads */
    }
    /* At the end: a callback still running after the release returned counts as much as one entering. */
    if (get_int(&s->released)) add_int(&s->late, 1);
}

static void get_then_release(void *user_data, arr_status status, const char *json) {
    (void)status;
    (void)json;
    freed_during *s = user_data;
    add_int(&s->finals, 1);
    await_int(&s->closer_inside, 1, 10000);
    sleep_ms(20); /* the other thread has cancelled the keepers and waits for this very callback */
    if (s->use_close)
        arr_client_close(s->client);
    else
        arr_client_free(s->client);
    set_int(&s->released, 1);
}

typedef struct {
    freed_during *state;
    int by_shutdown;
} closer_args;

static void *closer_thread(void *arg) {
    closer_args *a = arg;
    set_int(&a->state->closer_inside, 1);
    if (a->by_shutdown)
        arr_shutdown();
    else
        arr_client_close(a->state->client);
    return NULL;
}

static void release_during_close(int by_shutdown, int use_close) {
    char what[160];
    snprintf(what, sizeof what, "1: a callback %s its client while another thread's %s closes it",
             use_close ? "closes" : "frees", by_shutdown ? "arr_shutdown" : "arr_client_close");
    watchdog_arm(60, what);
    static freed_during s;
    memset(&s, 0, sizeof s);
    s.use_close = use_close;
    s.client = new_client(fast_url, "");
    char id[128];
    if (!s.client || !create_session(s.client, "late", by_shutdown * 2 + use_close, 10, id, sizeof id)) {
        check(0, what);
        return;
    }
    /* 30 idle keepers (one poll a minute) and one get, whose callback waits for the other thread. */
    int keepers = 30, started = 0;
    for (int i = 0; i < keepers; i++)
        started += arr_client_keep_session(s.client, id, "{\"pollIntervalMs\":60000}", keeper_event, &s, NULL) ==
                   ARR_STATUS_OK;
    sleep_ms(300); /* the keepers' first poll and events are over */
    started += arr_client_get_session_async(s.client, id, get_then_release, &s, NULL) == ARR_STATUS_OK;
    closer_args args = {&s, by_shutdown};
    pthread_t t;
    pthread_create(&t, NULL, closer_thread, &args);
    pthread_join(t, NULL);
    await_int(&s.released, 1, 10000);
    sleep_ms(200);
    int late = get_int(&s.late), finals = get_int(&s.finals);
    if (use_close) arr_client_free(s.client);
    printf("     %d callbacks after the release returned, %d of %d last calls\n", late, finals, keepers + 1);
    check(started == keepers + 1 && late == 0 && finals == keepers + 1, what);
}

/* ---------- 2. no keeper event after cancel/close/free from inside its first event ---------- */

enum how { BY_CANCEL, BY_CLOSE, BY_FREE };

typedef struct {
    arr_client *client;
    uint64_t op;
    enum how how;
    volatile int events;
    volatile int after;  /* events that entered after the cancel/close/free returned */
    volatile int ended;  /* the last call came */
    volatile int released;
} keeper_state;

static void keeper_stops_itself(void *user_data, arr_status status, const char *json) {
    (void)json;
    keeper_state *k = user_data;
    if (status != ARR_STATUS_OK) {
        set_int(&k->ended, 1);
        return;
    }
    if (get_int(&k->released)) {
        add_int(&k->after, 1);
        return;
    }
    add_int(&k->events, 1);
    pthread_mutex_lock(&shared_ints_lock);
    uint64_t op = k->op;
    pthread_mutex_unlock(&shared_ints_lock);
    switch (k->how) {
    case BY_CANCEL: arr_client_cancel(k->client, op); break;
    case BY_CLOSE: arr_client_close(k->client); break;
    case BY_FREE: arr_client_free(k->client); break;
    }
    set_int(&k->released, 1);
}

static void keeper_stopped_from_its_event(enum how how, int iterations) {
    static const char *names[] = {"arr_client_cancel", "arr_client_close", "arr_client_free"};
    char what[160];
    snprintf(what, sizeof what, "2: a keeper stopped by %s inside its first event sends no further event",
             names[how]);
    watchdog_arm(30 + iterations, what);
    arr_client *admin = new_client(fast_url, "");
    int late = 0, runs = 0, ended = 0;
    for (int i = 0; admin && i < iterations; i++) {
        char id[128];
        /* Lease 5: extended to 6, which is below the first warning (10): two events from one poll. */
        if (!create_session(admin, "ev", how * 1000 + i, 5, id, sizeof id)) break;
        static keeper_state k;
        memset(&k, 0, sizeof k);
        k.how = how;
        k.client = new_client(fast_url, "");
        pthread_mutex_lock(&shared_ints_lock); /* the event reads op under the lock: it is written first */
        arr_status st = arr_client_keep_session(
            k.client, id,
            "{\"extendByMinutes\":1,\"renewBelowMinutes\":60,\"pollIntervalMs\":20,\"warnAtMinutes\":[10,2]}",
            keeper_stops_itself, &k, &k.op);
        pthread_mutex_unlock(&shared_ints_lock);
        if (st != ARR_STATUS_OK) break;
        await_int(&k.ended, 1, 10000);
        sleep_ms(30);
        runs++;
        late += get_int(&k.after);
        ended += get_int(&k.ended);
        if (how != BY_FREE) arr_client_free(k.client);
        arr_client_stop_session(admin, id);
    }
    arr_client_free(admin);
    printf("     %d events after the call returned, in %d runs (%d ended)\n", late, runs, ended);
    check(runs == iterations && ended == iterations && late == 0, what);
}

/* ---------- 3. cancel on a closed client ---------- */

static void nothing(void *user_data, arr_status status, const char *json) {
    (void)user_data;
    (void)status;
    (void)json;
}

static void cancel_after_close(void) {
    watchdog_arm(30, "3: arr_client_cancel on a closed client");
    arr_client *client = new_client(fast_url, "");
    uint64_t op = 0;
    arr_status started = client ? arr_client_list_sessions_async(client, nothing, NULL, &op) : ARR_STATUS_PANIC;
    arr_client_close(client);
    arr_status st = client ? arr_client_cancel(client, op) : ARR_STATUS_PANIC;
    arr_status unknown = client ? arr_client_cancel(client, 987654321) : ARR_STATUS_PANIC;
    check(started == ARR_STATUS_OK && st == ARR_STATUS_CLOSED && last_error_has("closed"),
          "3: arr_client_cancel on a closed client answers ARR_STATUS_CLOSED");
    check(unknown == ARR_STATUS_CLOSED, "3: also for an operation id it never had");
    arr_client_free(client);
}

/* ---------- 4. arr_client_new during another thread's arr_shutdown ---------- */

typedef struct {
    volatile int in_callback; /* the slow callback runs: shutdown will wait for it */
    volatile int shutdown_started;
    arr_status from_callback; /* what arr_client_new answered inside a callback shutdown waits for */
} during_shutdown;

static during_shutdown ds;

static void slow_callback(void *user_data, arr_status status, const char *json) {
    (void)user_data;
    (void)status;
    (void)json;
    set_int(&ds.in_callback, 1);
    await_int(&ds.shutdown_started, 1, 10000);
    sleep_ms(200);
    arr_client *client = NULL;
    char *cfg = config_for(fast_url, "");
    ds.from_callback = arr_client_new(cfg, &client);
    free(cfg);
    arr_client_free(client);
    sleep_ms(300);
}

static void *shutdown_thread(void *unused) {
    (void)unused;
    set_int(&ds.shutdown_started, 1);
    arr_shutdown();
    return NULL;
}

static void new_during_shutdown(void) {
    watchdog_arm(60, "4: arr_client_new during another thread's arr_shutdown");
    memset(&ds, 0, sizeof ds);
    ds.from_callback = ARR_STATUS_PANIC;
    arr_client *old = new_client(fast_url, "");
    arr_status started = old ? arr_client_list_sessions_async(old, slow_callback, NULL, NULL) : ARR_STATUS_PANIC;
    await_int(&ds.in_callback, 1, 10000);
    pthread_t t;
    pthread_create(&t, NULL, shutdown_thread, NULL);
    await_int(&ds.shutdown_started, 1, 10000);
    sleep_ms(100); /* arr_shutdown now waits for slow_callback */
    arr_client *client = NULL;
    char *cfg = config_for(fast_url, "");
    long long before = now_ms();
    arr_status st = arr_client_new(cfg, &client);
    long long waited = now_ms() - before;
    free(cfg);
    if (st != ARR_STATUS_OK) last_error_has("");
    /* The shutdown waits for slow_callback, which returns some 500 ms after it began. */
    printf("     arr_client_new answered %u after %lld ms\n", (unsigned)st, waited);
    char *json = NULL;
    arr_status works = st == ARR_STATUS_OK ? arr_client_list_sessions(client, &json) : st;
    arr_string_free(json);
    pthread_join(t, NULL);
    check(started == ARR_STATUS_OK && st == ARR_STATUS_OK && waited >= 300 && works == ARR_STATUS_OK,
          "4: arr_client_new during arr_shutdown waits for it, and the client works");
    check(ds.from_callback == ARR_STATUS_SHUTDOWN,
          "4: arr_client_new in a callback that arr_shutdown waits for answers ARR_STATUS_SHUTDOWN");
    arr_client_free(client);
    arr_client_free(old);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FAST_URL [--quick]\n", argv[0]);
        return 2;
    }
    fast_url = argv[1];
    quick = argc > 2 && strcmp(argv[2], "--quick") == 0;
    run_tag = (long)getpid();
    watchdog_start("lifecycle_regressions_test");
    for (int by_shutdown = 0; by_shutdown <= 1; by_shutdown++)
        for (int use_close = 0; use_close <= 1; use_close++) release_during_close(by_shutdown, use_close);
    int iterations = quick ? 5 : 30;
    keeper_stopped_from_its_event(BY_FREE, iterations);
    keeper_stopped_from_its_event(BY_CLOSE, iterations);
    keeper_stopped_from_its_event(BY_CANCEL, iterations);
    cancel_after_close();
    new_during_shutdown();
    watchdog_disarm();
    arr_shutdown();
    return summary();
}
