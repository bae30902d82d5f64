/*
 * Loading and unloading the shared library, as Unity (domain reloads), plug-in hosts and Python do:
 * dlopen, resolve with dlsym, create a client, make blocking and async calls against the emulator, free
 * it, arr_shutdown, dlclose; 20 times. arr_shutdown must leave nothing of the library running (no thread
 * executing its code, no callback pending) once it returns, so that dlclose is safe; every other round two
 * threads call arr_shutdown at once, and neither may return before the threads are gone.
 * Usage: dlopen_test LIBRARY_PATH BASE_URL [ROUNDS]
 * Prints one line per check and ends with "N passed, N failed"; exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arr_session.h" /* types only: every function is resolved with dlsym */

typedef uint32_t (*abi_version_fn)(void);
typedef arr_status (*client_new_fn)(const char *, arr_client **);
typedef void (*client_free_fn)(arr_client *);
typedef arr_status (*get_session_fn)(const arr_client *, const char *, char **);
typedef arr_status (*list_sessions_fn)(const arr_client *, char **);
typedef arr_status (*list_sessions_async_fn)(const arr_client *, arr_callback, void *, uint64_t *);
typedef void (*string_free_fn)(char *);
typedef void (*shutdown_fn)(void);

typedef struct {
    abi_version_fn abi_version;
    client_new_fn client_new;
    client_free_fn client_free;
    get_session_fn get_session;
    list_sessions_fn list_sessions;
    list_sessions_async_fn list_sessions_async;
    string_free_fn string_free;
    shutdown_fn shutdown;
} api;

static int passed, failed;

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

/* ISO C has no conversion from void * to a function pointer; POSIX guarantees the representation. */
static int resolve(void *lib, const char *name, void *fn_out, size_t size) {
    void *sym = dlsym(lib, name);
    if (!sym) {
        printf("     dlsym %s: %s\n", name, dlerror());
        return 0;
    }
    memcpy(fn_out, &sym, size);
    return 1;
}

#define RESOLVE(lib, a, field, name) resolve(lib, name, &(a)->field, sizeof (a)->field)

/* Threads of this process (Linux: /proc/self/task), or -1 where that cannot be read. */
static int thread_count(void) {
    DIR *dir = opendir("/proc/self/task");
    if (!dir) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) n += e->d_name[0] != '.';
    closedir(dir);
    return n;
}

/* Under qemu-user, the host thread behind a joined thread ends a moment after pthread_join returned (qemu
 * clears the thread id before its own thread exits), so it may still be listed. ARR_TEST_THREAD_EXIT_GRACE_MS
 * (set by tests/c/cross.sh; unset natively, where the count is taken once, as always) lets the count settle
 * down to `at_most` for that many milliseconds. */
static int thread_exit_grace_ms;

static int thread_count_settled(int at_most) {
    int n = thread_count();
    for (int waited = 0; n > at_most && waited < thread_exit_grace_ms; waited++) {
        struct timespec ms = {0, 1000000L};
        nanosleep(&ms, NULL);
        n = thread_count();
    }
    return n;
}

typedef struct {
    pthread_mutex_t lock;
    int calls;
    arr_status status;
} async_state;

static void on_listed(void *user_data, arr_status status, const char *json) {
    (void)json;
    async_state *s = user_data;
    pthread_mutex_lock(&s->lock);
    s->calls++;
    s->status = status;
    pthread_mutex_unlock(&s->lock);
}

static int async_calls(async_state *s) {
    pthread_mutex_lock(&s->lock);
    int n = s->calls;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* Two threads calling arr_shutdown at once: each, when its call returns, counts the threads left. */
typedef struct {
    shutdown_fn shutdown;
    pthread_barrier_t *start;
    int settled_at; /* the count to settle to (see thread_count_settled) */
    int threads_after;
} concurrent_shutdown;

static void *shutdown_thread(void *p) {
    concurrent_shutdown *c = p;
    pthread_barrier_wait(c->start);
    c->shutdown();
    c->threads_after = thread_count_settled(c->settled_at);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: dlopen_test LIBRARY_PATH BASE_URL [ROUNDS]\n");
        return 2;
    }
    const char *path = argv[1];
    const char *url = argv[2];
    int rounds = argc > 3 ? atoi(argv[3]) : 20;
    char cfg[800];
    snprintf(cfg, sizeof cfg,
             "{\"endpoint\":\"%s\",\"stsEndpoint\":\"%s\",\"accountId\":\"11111111-1111-1111-1111-111111111111\","
             "\"accountKey\":\"YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==\",\"retry\":{\"maxRetries\":0}}",
             url, url);

    int loaded = 0, resolved = 0, worked = 0, async_ok = 0, unloaded = 0, lingering = 0, max_lingering = 0;
    thread_exit_grace_ms = getenv("ARR_TEST_THREAD_EXIT_GRACE_MS") ? atoi(getenv("ARR_TEST_THREAD_EXIT_GRACE_MS")) : 0;
    int baseline = thread_count();
    for (int round = 0; round < rounds; round++) {
        void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            printf("     dlopen %s: %s\n", path, dlerror());
            break;
        }
        loaded++;
        api a;
        int ok = RESOLVE(lib, &a, abi_version, "arr_abi_version") && RESOLVE(lib, &a, client_new, "arr_client_new") &&
                 RESOLVE(lib, &a, client_free, "arr_client_free") && RESOLVE(lib, &a, get_session, "arr_client_get_session") &&
                 RESOLVE(lib, &a, list_sessions, "arr_client_list_sessions") &&
                 RESOLVE(lib, &a, list_sessions_async, "arr_client_list_sessions_async") &&
                 RESOLVE(lib, &a, string_free, "arr_string_free") && RESOLVE(lib, &a, shutdown, "arr_shutdown");
        if (!ok || a.abi_version() != ARR_ABI_VERSION) {
            dlclose(lib);
            break;
        }
        resolved++;

        arr_client *client = NULL;
        char *json = NULL;
        arr_status st_new = a.client_new(cfg, &client);
        arr_status st_list = st_new == ARR_STATUS_OK ? a.list_sessions(client, &json) : st_new;
        if (st_list == ARR_STATUS_OK) a.string_free(json);
        json = NULL;
        arr_status st_get = st_new == ARR_STATUS_OK ? a.get_session(client, "dlopen-missing", &json) : st_new;
        if (st_get == ARR_STATUS_OK) a.string_free(json);
        if (st_new == ARR_STATUS_OK && st_list == ARR_STATUS_OK && st_get == ARR_STATUS_NOT_FOUND) {
            worked++;
        } else {
            printf("     round %d: new %u, list %u, get %u\n", round, (unsigned)st_new, (unsigned)st_list, (unsigned)st_get);
        }
        /* One async call still in flight (or its callback pending) when the client is freed. */
        async_state s;
        memset(&s, 0, sizeof s);
        pthread_mutex_init(&s.lock, NULL);
        if (st_new == ARR_STATUS_OK && a.list_sessions_async(client, on_listed, &s, NULL) == ARR_STATUS_OK) {
            a.client_free(client);
            if (async_calls(&s) == 1) async_ok++;
        } else if (st_new == ARR_STATUS_OK) {
            a.client_free(client);
        }
        int extra;
        if (round % 2 == 0) {
            a.shutdown();
            /* arr_shutdown joins the library's threads: none may be left to run the library's code after dlclose. */
            extra = baseline < 0 ? 0 : thread_count_settled(baseline) - baseline;
        } else {
            /* A second concurrent arr_shutdown waits for the first: neither returns before the threads are gone.
             * (The two calling threads themselves still exist when they count, or one has just ended.) */
            pthread_barrier_t start;
            pthread_barrier_init(&start, NULL, 2);
            concurrent_shutdown c1 = {a.shutdown, &start, baseline + 2, 0}, c2 = {a.shutdown, &start, baseline + 2, 0};
            pthread_t t1, t2;
            pthread_create(&t1, NULL, shutdown_thread, &c1);
            pthread_create(&t2, NULL, shutdown_thread, &c2);
            pthread_join(t1, NULL);
            pthread_join(t2, NULL);
            pthread_barrier_destroy(&start);
            int worst = c1.threads_after > c2.threads_after ? c1.threads_after : c2.threads_after;
            extra = baseline < 0 ? 0 : worst - baseline - 2;
        }
        if (extra > 0) {
            lingering++;
            if (extra > max_lingering) max_lingering = extra;
        }
        pthread_mutex_destroy(&s.lock);
        dlclose(lib);
        /* Informational: whether the loader really unmapped the library (it may keep it, e.g. while
         * thread-local destructors are registered). Code of an unmapped library must not run any more. */
        void *again = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
        if (again) {
            dlclose(again);
        } else {
            unloaded++;
        }
    }
    char label[200];
    snprintf(label, sizeof label, "dlopen + dlsym of every function used, %d/%d rounds", resolved, rounds);
    check(loaded == rounds && resolved == rounds, label);
    snprintf(label, sizeof label, "a client per round: list_sessions OK, get_session NOT_FOUND (%d/%d rounds)", worked, rounds);
    check(worked == rounds, label);
    snprintf(label, sizeof label, "an async call per round called back once before arr_client_free returned (%d/%d)", async_ok, rounds);
    check(async_ok == rounds, label);
    snprintf(label, sizeof label, "no library thread left when arr_shutdown returned, also from two threads at once (%d of %d rounds left some, up to %d)", lingering, rounds,
             max_lingering);
    check(lingering == 0, label);
    snprintf(label, sizeof label, "arr_shutdown then dlclose, %d times, and the process lives on", rounds);
    check(1, label);
    printf("     the library was unmapped by dlclose in %d of %d rounds\n", unloaded, rounds);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
