/*
 * The lifecycle engine under a randomized workload: several threads make clients one after another, each
 * starting 3-6 operations (lists, gets, extends, waits, keepers); their callbacks at random cancel a
 * sibling, close their own client, close another thread's client, start one more operation, take over the
 * free of their own client, or (rarely) call arr_shutdown. Counted per seed:
 *   - every operation started gets exactly one last call;
 *   - no callback enters after arr_client_free of its client returned;
 *   - no callback enters after arr_client_close returned, except the documented one (a keeper's last call
 *     right after its event, running when the close returned or making it, has returned);
 *   - no keeper event enters after the cancel, close or free that ended it returned;
 *   - no hang (a watchdog prints every thread's stack and the seed) and no crash.
 * A failure prints the seed; `--seeds S` replays it.
 *
 * A client pointer is used only while a reference to it is held (the host's duty: no call on a client
 * once arr_client_free may run), so the free of a client is made by whoever drops its last reference
 * after a free was asked for: its owner thread, or a callback.
 *
 * Usage: lifecycle_stress_test FAST_URL [--seeds A,B,...] [--clients N] [--threads T]
 * Prints one line per seed and ends with "N passed, N failed".
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "support.h"
#include "watchdog.h"

#define MAX_OPS 12

enum kind { LIST, GET, EXTEND, READY, KEEP, KINDS };

struct record;

typedef struct {
    struct record *rec;
    int index;
    enum kind kind;
    uint64_t id;
    int started;            /* the start call answered OK */
    int finals;             /* last calls */
    int in_event;           /* a keeper event callback is running */
    int stopped;            /* a cancel, close or free that ends it has returned */
    int last_call_exempt;   /* its last call may follow a close: see the header comment */
} op_ctx;

typedef struct record {
    pthread_mutex_t lock;
    arr_client *client;
    int refs;
    int free_asked;
    int freed;          /* arr_client_free was called */
    int free_returned;  /* ... and returned */
    int close_returned; /* an arr_client_close returned */
    int nops;
    op_ctx ops[MAX_OPS];
} record;

static const char *url;
static char session_id[128];
static long clients_per_seed = 600;
static int threads = 4;

static record *records;
static volatile long next_record; /* under table_lock */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

/* Counted violations and totals, under table_lock. */
static long after_free, after_close, events_after_stop, wrong_finals, ops_started, shutdowns, lifecycles;

static void count(long *what) {
    pthread_mutex_lock(&table_lock);
    (*what)++;
    pthread_mutex_unlock(&table_lock);
}

/* ---------- a seeded random source shared by every thread ---------- */

static uint64_t rng_state;
static pthread_mutex_t rng_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned rnd(unsigned below) {
    pthread_mutex_lock(&rng_lock);
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    pthread_mutex_unlock(&rng_lock);
    return below ? (unsigned)(x % below) : 0;
}

/* ---------- references to clients ---------- */

static arr_client *acquire(record *rec) {
    pthread_mutex_lock(&rec->lock);
    arr_client *client = rec->free_asked ? NULL : rec->client;
    if (client) rec->refs++;
    pthread_mutex_unlock(&rec->lock);
    return client;
}

static void do_free(record *rec) {
    arr_client_free(rec->client);
    pthread_mutex_lock(&rec->lock);
    rec->free_returned = 1;
    for (int i = 0; i < rec->nops; i++) {
        rec->ops[i].stopped = 1;
        /* A keeper whose event runs (this very callback, or one waiting for this thread) ends right
         * after that event returns, as documented. */
        if (rec->ops[i].in_event) rec->ops[i].last_call_exempt = 1;
    }
    pthread_mutex_unlock(&rec->lock);
}

static void release(record *rec) {
    pthread_mutex_lock(&rec->lock);
    int free_now = --rec->refs == 0 && rec->free_asked && !rec->freed;
    if (free_now) rec->freed = 1;
    pthread_mutex_unlock(&rec->lock);
    if (free_now) do_free(rec);
}

static void ask_free(record *rec) {
    pthread_mutex_lock(&rec->lock);
    rec->free_asked = 1;
    int free_now = rec->refs == 0 && !rec->freed;
    if (free_now) rec->freed = 1;
    pthread_mutex_unlock(&rec->lock);
    if (free_now) do_free(rec);
}

/* Closes `rec` (a reference held); `from` is the operation whose callback makes the call, if any. */
static void close_record(record *rec, arr_client *client, op_ctx *from) {
    arr_client_close(client);
    pthread_mutex_lock(&rec->lock);
    rec->close_returned = 1;
    for (int i = 0; i < rec->nops; i++) {
        op_ctx *op = &rec->ops[i];
        op->stopped = 1;
        if (op->in_event || op == from) op->last_call_exempt = 1;
    }
    pthread_mutex_unlock(&rec->lock);
}

/* ---------- operations and their callbacks ---------- */

static int start_op(record *rec, arr_client *client);

static void act(op_ctx *op) {
    record *rec = op->rec;
    unsigned dice = rnd(100);
    if (dice < 40) return;
    if (dice < 55) { /* cancel a sibling */
        arr_client *client = acquire(rec);
        if (!client) return;
        pthread_mutex_lock(&rec->lock);
        op_ctx *sibling = rec->nops ? &rec->ops[rnd((unsigned)rec->nops)] : NULL;
        uint64_t id = sibling && sibling->started ? sibling->id : 0;
        pthread_mutex_unlock(&rec->lock);
        if (id && arr_client_cancel(client, id) == ARR_STATUS_OK) {
            pthread_mutex_lock(&rec->lock);
            sibling->stopped = 1;
            pthread_mutex_unlock(&rec->lock);
        }
        release(rec);
    } else if (dice < 65) { /* close the own client */
        arr_client *client = acquire(rec);
        if (!client) return;
        close_record(rec, client, op);
        release(rec);
    } else if (dice < 73) { /* close another client */
        pthread_mutex_lock(&table_lock);
        long n = next_record;
        pthread_mutex_unlock(&table_lock);
        record *other = &records[rnd((unsigned)n)];
        arr_client *client = acquire(other);
        if (!client) return;
        close_record(other, client, other == rec ? op : NULL);
        release(other);
    } else if (dice < 85) { /* one more operation */
        arr_client *client = acquire(rec);
        if (!client) return;
        start_op(rec, client);
        release(rec);
    } else if (dice < 99) { /* take over the free of the own client */
        ask_free(rec);
    } else {
        count(&shutdowns);
        arr_shutdown();
    }
}

static void on_call(void *user_data, arr_status status, const char *json) {
    (void)json;
    op_ctx *op = user_data;
    record *rec = op->rec;
    int is_event = op->kind == KEEP && status == ARR_STATUS_OK;
    pthread_mutex_lock(&rec->lock);
    int exempt = !is_event && op->last_call_exempt;
    if (rec->free_returned && !exempt) count(&after_free);
    else if (rec->close_returned && !exempt) count(&after_close);
    if (is_event && op->stopped) count(&events_after_stop);
    if (is_event) op->in_event = 1;
    else op->finals++;
    pthread_mutex_unlock(&rec->lock);
    act(op);
    if (is_event) {
        pthread_mutex_lock(&rec->lock);
        op->in_event = 0;
        pthread_mutex_unlock(&rec->lock);
    }
}

/* Starts a random operation on `rec` (a reference held); returns whether it started. */
static int start_op(record *rec, arr_client *client) {
    pthread_mutex_lock(&rec->lock);
    if (rec->nops == MAX_OPS) {
        pthread_mutex_unlock(&rec->lock);
        return 0;
    }
    op_ctx *op = &rec->ops[rec->nops++];
    op->rec = rec;
    op->index = rec->nops - 1;
    op->kind = (enum kind)rnd(KINDS);
    /* Held across the start: a callback reading op->id or op->started sees them written. */
    arr_status st;
    uint64_t id = 0;
    switch (op->kind) {
    case LIST: st = arr_client_list_sessions_async(client, on_call, op, &id); break;
    case GET: st = arr_client_get_session_async(client, session_id, on_call, op, &id); break;
    case EXTEND: st = arr_client_extend_session_async(client, session_id, 30, on_call, op, &id); break;
    case READY: st = arr_client_wait_until_ready_async(client, session_id, NULL, on_call, op, &id); break;
    default:
        st = arr_client_keep_session(client, session_id, "{\"pollIntervalMs\":20,\"renewBelowMinutes\":1440,\"extendByMinutes\":1}", on_call,
                                     op, &id);
        break;
    }
    op->id = id;
    op->started = st == ARR_STATUS_OK;
    pthread_mutex_unlock(&rec->lock);
    if (op->started) count(&ops_started);
    return op->started;
}

/* ---------- the owner threads ---------- */

static void *owner_thread(void *unused) {
    (void)unused;
    for (;;) {
        pthread_mutex_lock(&table_lock); /* claimed; others see it once its client is set */
        long n = next_record < clients_per_seed ? next_record++ : -1;
        pthread_mutex_unlock(&table_lock);
        if (n < 0) return NULL;
        record *rec = &records[n];
        arr_client *made = new_client(url, "");
        pthread_mutex_lock(&rec->lock);
        rec->client = made;
        if (!made) rec->free_asked = rec->freed = rec->free_returned = 1;
        pthread_mutex_unlock(&rec->lock);
        if (made) count(&lifecycles);
        if (!made) continue;
        arr_client *client;
        client = acquire(rec);
        int k = 3 + (int)rnd(4);
        for (int i = 0; client && i < k; i++) start_op(rec, client);
        if (client) release(rec);
        sleep_ms(rnd(15));
        if (rnd(3) == 0 && (client = acquire(rec)) != NULL) {
            close_record(rec, client, NULL);
            release(rec);
        }
        ask_free(rec);
    }
}

static int run_seed(uint64_t seed) {
    char label[100];
    snprintf(label, sizeof label, "seed %llu (replay: --seeds %llu)", (unsigned long long)seed,
             (unsigned long long)seed);
    watchdog_start_once(label);
    watchdog_arm(120, label);
    rng_state = seed * 2654435761u + 1;
    records = calloc((size_t)clients_per_seed, sizeof *records);
    for (long i = 0; i < clients_per_seed; i++) pthread_mutex_init(&records[i].lock, NULL);
    next_record = 0;
    after_free = after_close = events_after_stop = wrong_finals = ops_started = shutdowns = lifecycles = 0;
    pthread_t owners[64];
    for (int t = 0; t < threads; t++) pthread_create(&owners[t], NULL, owner_thread, NULL);
    for (int t = 0; t < threads; t++) pthread_join(owners[t], NULL);
    /* Every free has been asked for; the last reference may be a callback's, still running. */
    long long deadline = now_ms() + 30000;
    int all_freed = 0;
    while (!all_freed && now_ms() < deadline) {
        all_freed = 1;
        for (long i = 0; i < clients_per_seed && all_freed; i++) {
            pthread_mutex_lock(&records[i].lock);
            all_freed = records[i].free_returned;
            pthread_mutex_unlock(&records[i].lock);
        }
        if (!all_freed) sleep_ms(5);
    }
    for (long i = 0; i < clients_per_seed; i++)
        for (int j = 0; j < records[i].nops; j++)
            if (records[i].ops[j].started && records[i].ops[j].finals != 1) wrong_finals++;
    /* Some clients could not be made (a shutdown in progress makes arr_client_new wait, not fail). */
    int ok = lifecycles == clients_per_seed && all_freed && after_free == 0 && after_close == 0 && events_after_stop == 0 && wrong_finals == 0;
    printf("%s seed %llu: %ld client lifecycles, %ld operations, %ld shutdowns; calls after free %ld, calls after "
           "close %ld, events after cancel/close/free %ld, operations without exactly one last call %ld%s\n",
           ok ? "ok  " : "FAIL", (unsigned long long)seed, lifecycles, ops_started, shutdowns, after_free,
           after_close, events_after_stop, wrong_finals, all_freed ? "" : "; not every client was freed");
    if (!ok) printf("     replay: --seeds %llu --clients %ld --threads %d\n", (unsigned long long)seed,
                    clients_per_seed, threads);
    fflush(stdout);
    for (long i = 0; i < clients_per_seed; i++) pthread_mutex_destroy(&records[i].lock);
    free(records);
    watchdog_disarm();
    return ok;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FAST_URL [--seeds A,B,...] [--clients N] [--threads T]\n", argv[0]);
        return 2;
    }
    url = argv[1];
    const char *seeds = NULL;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--seeds") == 0) seeds = argv[i + 1];
        else if (strcmp(argv[i], "--clients") == 0) clients_per_seed = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0) threads = atoi(argv[i + 1]);
    }
    if (clients_per_seed < 1 || threads < 1 || threads > 64) {
        fprintf(stderr, "--clients must be at least 1, --threads 1 to 64\n");
        return 2;
    }
    char default_seeds[100];
    if (!seeds) { /* fresh seeds each run, printed so a failure can be replayed */
        unsigned long long base = (unsigned long long)time(NULL) * 1000 + (unsigned long long)getpid() % 1000;
        snprintf(default_seeds, sizeof default_seeds, "%llu,%llu,%llu,%llu,%llu", base, base + 1, base + 2,
                 base + 3, base + 4);
        seeds = default_seeds;
    }
    printf("seeds %s, %ld clients per seed, %d threads\n", seeds, clients_per_seed, threads);
    /* The session every operation names: Ready, with a lease far from its end. */
    watchdog_start_once("setup");
    watchdog_arm(60, "creating the session");
    arr_client *admin = new_client(url, "");
    char options[200], *json = NULL;
    snprintf(options, sizeof options, "{\"id\":\"stress-%ld\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":600}",
             (long)getpid());
    if (admin && arr_client_create_session(admin, options, &json) != ARR_STATUS_OK) last_error_has("");
    arr_client_free(admin);
    const char *p = json ? strstr(json, "\"id\":\"") : NULL;
    if (p) snprintf(session_id, sizeof session_id, "%.*s", (int)strcspn(p + 6, "\""), p + 6);
    arr_string_free(json);
    check(session_id[0] != 0, "a session for the operations to name");
    for (const char *s = seeds; session_id[0] && *s;) {
        char *end;
        unsigned long long seed = strtoull(s, &end, 10);
        if (end == s) break;
        check(run_seed(seed), "a seed's invariants hold");
        s = *end == ',' ? end + 1 : end;
    }
    watchdog_arm(60, "stopping the session and shutting down");
    admin = new_client(url, ""); /* a seed's arr_shutdown may have ended the first */
    if (admin && session_id[0]) arr_client_stop_session(admin, session_id);
    arr_client_free(admin);
    arr_shutdown();
    watchdog_disarm();
    return summary();
}
