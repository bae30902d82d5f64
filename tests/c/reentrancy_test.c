/*
 * Close, free and shutdown from anywhere: inside the library's own callbacks (session, conversion, keeper,
 * token, log), across clients, many at once, and after fork. Each scenario runs under a watchdog: one that
 * does not return in time is reported as hung and ends the run (a deadlocked library cannot be recovered).
 *
 * Usage: reentrancy_test FAST_URL SLOW_URL [--slow] [--only NAME]
 *   FAST_URL  an emulator whose sessions are Ready after a short delay
 *   SLOW_URL  an emulator whose sessions stay Starting (--start-delay 1h)
 *   --slow    wider bounds (under valgrind and AddressSanitizer)
 *   --only    run one scenario
 * Prints one line per check and ends with "N passed, N failed"; exits non-zero on any failure.
 */
#ifdef __linux__
#define _GNU_SOURCE
#else
#define _POSIX_C_SOURCE 200809L
#endif
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"
#include "shared_ints.h"

#ifndef ARR_STATUS_FORKED
#define ARR_STATUS_FORKED 18 /* lets this test build against a library from before fork support */
#endif

static const char *fast_url;
static const char *slow_url;
static int slow = 1; /* a factor on every bound */
static long run_tag;

/* ---------- small shared state ---------- */

/* Waits until *flag >= value, at most ms times the slowness factor; returns whether it got there. */
static int await_flag(volatile int *flag, int value, long ms) {
    return await_int(flag, value, ms * slow);
}

static void session_id_of(const char *json, char *out, size_t cap) {
    const char *p = json ? strstr(json, "\"id\":\"") : NULL;
    out[0] = 0;
    if (!p) return;
    p += 6;
    size_t n = strcspn(p, "\"");
    if (n >= cap) n = cap - 1;
    memcpy(out, p, n);
    out[n] = 0;
}

/* Creates a session (blocking) with id PREFIX-<run>-<n> and returns its id in `id`. */
static int create_session(arr_client *client, const char *prefix, int n, char *id, size_t cap) {
    char options[256];
    snprintf(options, sizeof options, "{\"id\":\"%s-%ld-%d\",\"size\":\"Standard\",\"maxLeaseTimeMinutes\":10}", prefix,
             run_tag, n);
    char *json = NULL;
    arr_status st = arr_client_create_session(client, options, &json);
    if (st != ARR_STATUS_OK) {
        printf("     create failed: %u\n", (unsigned)st);
        last_error_has("");
        return 0;
    }
    session_id_of(json, id, cap);
    arr_string_free(json);
    return 1;
}

static void stop_session(const char *url, const char *id) {
    arr_client *admin = new_client(url, "");
    if (admin) arr_client_stop_session(admin, id);
    arr_client_free(admin);
}

/* Library threads alive now (Linux: by name; tokio workers "arr-session", callback and log threads
 * "arr-session-cal", "arr-session-log"); -1 where this cannot be read. */
static int library_threads(void) {
#ifdef __linux__
    DIR *dir = opendir("/proc/self/task");
    if (!dir) return -1;
    int n = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        char path[300], name[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", entry->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        if (fgets(name, sizeof name, f) && strncmp(name, "arr-session", 11) == 0) n++;
        fclose(f);
    }
    closedir(dir);
    return n;
#else
    return -1;
#endif
}

/* ---------- the watchdog ---------- */

typedef struct {
    void (*body)(void);
    volatile int done;
} bounded;

static void *run_body(void *p) {
    bounded *b = p;
    b->body();
    set_int(&b->done, 1);
    return NULL;
}

/* Runs a scenario on a thread of its own; if it does not return within `seconds`, reports it as hung and
 * ends the process (the library it deadlocked cannot be used any more). */
static void run_bounded(const char *name, void (*body)(void), int seconds) {
    printf("--- %s\n", name);
    fflush(stdout);
    bounded b = {body, 0};
    pthread_t thread;
    pthread_create(&thread, NULL, run_body, &b);
    if (!await_flag(&b.done, 1, seconds * 1000L)) {
        char what[300];
        snprintf(what, sizeof what, "%s: returned within %d s (it hung)", name, seconds * slow);
        check(0, what);
        summary();
        _exit(1);
    }
    pthread_join(thread, NULL);
}

/* ---------- 1. free inside the first event of a keeper ---------- */

static struct {
    arr_client *client;
    volatile int events, events_after_free, last_calls, calls_after_last, freed;
    volatile arr_status last_status;
} keeper;

static void on_keeper_event(void *user_data, arr_status status, const char *json) {
    (void)user_data;
    (void)json;
    int last = status != ARR_STATUS_OK; /* the stream rule: the first call that is not OK is the last */
    pthread_mutex_lock(&shared_ints_lock);
    if (keeper.last_calls > 0) keeper.calls_after_last++;
    if (last) {
        keeper.last_calls++;
        keeper.last_status = status;
    } else {
        if (keeper.freed) keeper.events_after_free++;
        keeper.events++;
    }
    int first = !last && keeper.events == 1;
    pthread_mutex_unlock(&shared_ints_lock);
    if (first) {
        arr_client_free(keeper.client);
        set_int(&keeper.freed, 1);
    }
}

static void keeper_freed_from_its_first_event(void) {
    arr_client *admin = new_client(fast_url, "");
    char id[128];
    check(admin && create_session(admin, "keep-free", 0, id, sizeof id), "1: a session to keep");
    char *json = NULL;
    check(arr_client_wait_until_ready(admin, id, "{\"timeoutMs\":20000}", &json) == ARR_STATUS_OK, "1: it is Ready");
    arr_string_free(json);
    keeper.client = new_client(fast_url, "");
    /* One poll makes three events at once: extended 10 -> 40 (the cap), capReached, expiringSoon. */
    const char *options =
        "{\"extendByMinutes\":30,\"renewBelowMinutes\":15,\"maxTotalMinutes\":40,\"pollIntervalMs\":50,"
        "\"warnAtMinutes\":[60]}";
    check(arr_client_keep_session(keeper.client, id, options, on_keeper_event, NULL, NULL) == ARR_STATUS_OK,
          "1: arr_client_keep_session starts");
    check(await_flag(&keeper.freed, 1, 10000), "1: arr_client_free from inside the keeper's first event returns");
    check(await_flag(&keeper.last_calls, 1, 5000), "1: the keeper's last call comes");
    sleep_ms(500 * slow);
    char what[200];
    snprintf(what, sizeof what, "1: no event after arr_client_free returned (%d late)", get_int(&keeper.events_after_free));
    check(get_int(&keeper.events_after_free) == 0, what);
    snprintf(what, sizeof what, "1: exactly one last call, ARR_STATUS_CANCELLED (%d, status %u)", get_int(&keeper.last_calls),
             (unsigned)keeper.last_status);
    check(get_int(&keeper.last_calls) == 1 && keeper.last_status == ARR_STATUS_CANCELLED, what);
    check(get_int(&keeper.calls_after_last) == 0, "1: nothing after the last call");
    stop_session(fast_url, id);
    arr_client_free(admin);
}

/* ---------- 2. arr_shutdown from a callback while another thread is in arr_shutdown ---------- */

static struct {
    volatile int started, inner_returned;
} nested;

static void on_shutdown_inside(void *user_data, arr_status status, const char *json) {
    (void)user_data;
    (void)status;
    (void)json;
    set_int(&nested.started, 1);
    sleep_ms(300);
    arr_shutdown();
    set_int(&nested.inner_returned, 1);
}

static void shutdown_inside_a_callback_during_shutdown(void) {
    arr_client *client = new_client(fast_url, "");
    check(arr_client_get_session_async(client, "no-such-session", on_shutdown_inside, NULL, NULL) == ARR_STATUS_OK,
          "2: an async call starts");
    check(await_flag(&nested.started, 1, 10000), "2: its callback runs");
    arr_shutdown();
    check(1, "2: arr_shutdown on the main thread returned");
    check(await_flag(&nested.inner_returned, 1, 5000), "2: arr_shutdown inside the callback returned");
    arr_client_free(client);
}

/* ---------- 3. two clients, each closing the other from its callback ---------- */

static struct {
    arr_client *a, *b;
    volatile int arrived, closed;
} mutual;

static void close_the_other(arr_client *other) {
    add_int(&mutual.arrived, 1);
    await_flag(&mutual.arrived, 2, 5000); /* both callbacks are running before either closes */
    arr_client_close(other);
    add_int(&mutual.closed, 1);
}

static void on_a(void *user_data, arr_status status, const char *json) {
    (void)user_data;
    (void)status;
    (void)json;
    close_the_other(mutual.b);
}

static void on_b(void *user_data, arr_status status, const char *json) {
    (void)user_data;
    (void)status;
    (void)json;
    close_the_other(mutual.a);
}

static void two_clients_closing_each_other(void) {
    mutual.a = new_client(fast_url, "");
    mutual.b = new_client(fast_url, "");
    /* A conversion callback on one side, a session callback on the other. */
    check(arr_client_get_conversion_async(mutual.a, "no-such-conversion", on_a, NULL, NULL) == ARR_STATUS_OK,
          "3: client A's call starts");
    check(arr_client_get_session_async(mutual.b, "no-such-session", on_b, NULL, NULL) == ARR_STATUS_OK,
          "3: client B's call starts");
    check(await_flag(&mutual.closed, 2, 15000), "3: A's callback closing B and B's closing A both return");
    char *json = NULL;
    check(arr_client_list_sessions(mutual.a, &json) == ARR_STATUS_CLOSED, "3: A is closed");
    check(arr_client_list_sessions(mutual.b, &json) == ARR_STATUS_CLOSED, "3: B is closed");
    arr_client_free(mutual.a);
    arr_client_free(mutual.b);
}

/* ---------- 4. twenty clients freeing themselves from their own callbacks at once ---------- */

enum { SELF_FREEING = 20 };

static struct {
    arr_client *client;
    volatile int waits_called, wait_status, calls_when_freed, freed;
} self_freeing[SELF_FREEING];

static void on_long_wait(void *user_data, arr_status status, const char *json) {
    (void)json;
    int i = (int)(intptr_t)user_data;
    pthread_mutex_lock(&shared_ints_lock);
    self_freeing[i].waits_called++;
    self_freeing[i].wait_status = (int)status;
    pthread_mutex_unlock(&shared_ints_lock);
}

static void on_free_myself(void *user_data, arr_status status, const char *json) {
    (void)status;
    (void)json;
    int i = (int)(intptr_t)user_data;
    sleep_ms(200); /* so that the callbacks overlap and fill the callback threads */
    arr_client_free(self_freeing[i].client);
    pthread_mutex_lock(&shared_ints_lock);
    self_freeing[i].calls_when_freed = self_freeing[i].waits_called;
    self_freeing[i].freed = 1;
    pthread_mutex_unlock(&shared_ints_lock);
}

static void twenty_clients_freeing_themselves(void) {
    arr_client *admin = new_client(slow_url, "");
    char id[128];
    check(admin && create_session(admin, "self-free", 0, id, sizeof id), "4: a session that stays Starting");
    for (int i = 0; i < SELF_FREEING; i++) {
        self_freeing[i].client = new_client(slow_url, "");
        void *me = (void *)(intptr_t)i;
        arr_client_wait_until_ready_async(self_freeing[i].client, id, NULL, on_long_wait, me, NULL);
    }
    sleep_ms(200);
    for (int i = 0; i < SELF_FREEING; i++) {
        arr_client_get_session_async(self_freeing[i].client, "no-such-session", on_free_myself,
                                     (void *)(intptr_t)i, NULL);
    }
    int all = 1;
    for (int i = 0; i < SELF_FREEING; i++) all &= await_flag(&self_freeing[i].freed, 1, 20000);
    check(all, "4: all twenty arr_client_free calls return");
    int once = 1, cancelled = 1;
    for (int i = 0; i < SELF_FREEING; i++) {
        once &= self_freeing[i].calls_when_freed == 1;
        cancelled &= self_freeing[i].wait_status == ARR_STATUS_CANCELLED;
    }
    check(once && cancelled, "4: each client's wait called back once, CANCELLED, before its free returned");
    stop_session(slow_url, id);
    arr_client_free(admin);
}

/* ---------- 5. fork ---------- */

/* In the child: a new client works; the inherited one answers FORKED; freeing it returns. */
static int child_after_fork(arr_client *inherited) {
    int failures = 0;
    arr_client *fresh = new_client(fast_url, "");
    char *json = NULL;
    if (!fresh || arr_client_list_sessions(fresh, &json) != ARR_STATUS_OK) failures |= 1;
    arr_string_free(json);
    json = NULL;
    if (arr_client_list_sessions(inherited, &json) != ARR_STATUS_FORKED) failures |= 2;
    if (!last_error_has("fork")) failures |= 4;
    arr_client_free(inherited);
    arr_client_free(fresh);
    arr_shutdown();
    return failures;
}

static void a_forked_child_makes_new_clients(void) {
    arr_client *parent = new_client(fast_url, "");
    char *json = NULL;
    check(arr_client_list_sessions(parent, &json) == ARR_STATUS_OK, "5: the parent uses a client (threads running)");
    arr_string_free(json);
    fflush(stdout);
    /* The child reports through a pipe, not its exit status: under valgrind a child of a threaded process
     * "leaks" what its vanished threads held, which would change its exit status. */
    int report[2];
    if (pipe(report) != 0) {
        check(0, "5: a pipe");
        return;
    }
    pid_t child = fork();
    if (child == 0) {
        close(report[0]);
        unsigned char failures = (unsigned char)child_after_fork(parent);
        if (write(report[1], &failures, 1) != 1) _exit(3);
        _exit(0);
    }
    close(report[1]);
    int status = 0, exited = 0;
    long long deadline = now_ms() + 20000L * slow;
    while (now_ms() < deadline) {
        if (waitpid(child, &status, WNOHANG) == child) {
            exited = 1;
            break;
        }
        sleep_ms(20);
    }
    if (!exited) {
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
    }
    unsigned char failures = 0xff;
    int reported = exited && read(report[0], &failures, 1) == 1;
    close(report[0]);
    check(exited && reported, "5: the child finishes (a new client's first call does not hang)");
    check(reported && !(failures & 1), "5: in the child, a new client lists sessions");
    check(reported && !(failures & 2), "5: in the child, the inherited client answers ARR_STATUS_FORKED");
    check(reported && !(failures & 4), "5: ... and its last error says why");
    check(arr_client_list_sessions(parent, &json) == ARR_STATUS_OK, "5: the parent's client still works");
    arr_string_free(json);
    arr_client_free(parent);
}

/* ---------- 6. free while arr_shutdown runs on another thread ---------- */

static struct {
    volatile int started, finished;
} during;

static void on_slow_callback(void *user_data, arr_status status, const char *json) {
    (void)user_data;
    (void)status;
    (void)json;
    set_int(&during.started, 1);
    sleep_ms(1000);
    set_int(&during.finished, 1);
}

static void *shutdown_thread(void *p) {
    (void)p;
    arr_shutdown();
    return NULL;
}

static void free_while_shutdown_runs(void) {
    arr_client *client = new_client(fast_url, "");
    arr_client_get_session_async(client, "no-such-session", on_slow_callback, NULL, NULL);
    check(await_flag(&during.started, 1, 10000), "6: a slow callback runs");
    pthread_t thread;
    pthread_create(&thread, NULL, shutdown_thread, NULL);
    sleep_ms(150);
    arr_client_free(client);
    check(get_int(&during.finished), "6: arr_client_free during arr_shutdown returns only after the client's callback");
    pthread_join(thread, NULL);
}

/* ---------- 7. arr_shutdown from a callback of a client that is being freed ---------- */

static struct {
    volatile int started;
} freeing;

static void on_shutdown_while_freed(void *user_data, arr_status status, const char *json) {
    (void)user_data;
    (void)status;
    (void)json;
    set_int(&freeing.started, 1);
    sleep_ms(300); /* the main thread is inside arr_client_free by now */
    arr_shutdown();
}

static void shutdown_from_a_callback_of_a_client_being_freed(void) {
    arr_client *client = new_client(fast_url, ",\"stopOwnedSessionsOnClose\":true,\"closeTimeoutMs\":5000");
    char id[128];
    char prefix[64];
    snprintf(prefix, sizeof prefix, "freed-%ld", run_tag);
    check(client && create_session(client, "freed", 0, id, sizeof id), "7: the client creates a session");
    arr_client_get_session_async(client, "no-such-session", on_shutdown_while_freed, NULL, NULL);
    check(await_flag(&freeing.started, 1, 10000), "7: a callback that will call arr_shutdown runs");
    arr_client_free(client);
    check(live_sessions(fast_url, prefix) == 0, "7: the owned session is stopped (by the free or by the shutdown)");
}

/* ---------- 8. the thread that called arr_shutdown from a callback runs no later callback ---------- */

enum { LATER = 24 };

static struct {
    pthread_t caller;
    arr_client *later_client;
    volatile int shut, later_done, on_caller;
} shutdown_caller;

static void on_later(void *user_data, arr_status status, const char *json) {
    (void)user_data;
    (void)status;
    (void)json;
    if (pthread_equal(pthread_self(), shutdown_caller.caller)) add_int(&shutdown_caller.on_caller, 1);
    sleep_ms(400);
    add_int(&shutdown_caller.later_done, 1);
}

static void on_shutdown_then_more_work(void *user_data, arr_status status, const char *json) {
    (void)user_data;
    (void)status;
    (void)json;
    shutdown_caller.caller = pthread_self();
    arr_shutdown();
    /* A new generation: more callbacks than callback threads, queued while this one still runs. */
    shutdown_caller.later_client = new_client(fast_url, "");
    for (int i = 0; i < LATER; i++)
        arr_client_get_session_async(shutdown_caller.later_client, "no-such-session", on_later, NULL, NULL);
    sleep_ms(300);
    set_int(&shutdown_caller.shut, 1);
}

static void later_callbacks_after_shutdown_from_a_callback(void) {
    arr_client *client = new_client(fast_url, "");
    arr_client_get_session_async(client, "no-such-session", on_shutdown_then_more_work, NULL, NULL);
    check(await_flag(&shutdown_caller.shut, 1, 10000), "8: a callback calls arr_shutdown, then starts more work");
    check(await_flag(&shutdown_caller.later_done, LATER, 20000), "8: the later callbacks run");
    check(get_int(&shutdown_caller.on_caller) == 0, "8: none runs on the thread that called arr_shutdown");
    arr_client_free(shutdown_caller.later_client);
    arr_client_free(client);
    arr_shutdown();
    int threads = library_threads();
    char what[200];
    snprintf(what, sizeof what, "8: the next arr_shutdown leaves no library thread (%d left)", threads);
    check(threads <= 0, what);
}

/* ---------- 9. free from inside the client's own token callback ---------- */

static struct {
    arr_client *client;
    volatile int asked, freed, list_calls, list_calls_when_freed;
    volatile arr_status list_status;
} token_free;

static void on_token_free(void *user_data, arr_token_request *request) {
    (void)user_data;
    add_int(&token_free.asked, 1);
    arr_client_free(token_free.client);
    set_int(&token_free.list_calls_when_freed, get_int(&token_free.list_calls));
    set_int(&token_free.freed, 1);
    arr_token_request_fail(request, "the client is gone");
}

static void on_listed(void *user_data, arr_status status, const char *json) {
    (void)user_data;
    (void)json;
    token_free.list_status = status;
    add_int(&token_free.list_calls, 1);
}

static void free_inside_a_token_callback(void) {
    char config[600];
    snprintf(config, sizeof config,
             "{\"endpoint\":\"%s\",\"accountId\":\"11111111-1111-1111-1111-111111111111\",\"retry\":{\"maxRetries\":0}}",
             fast_url);
    arr_status st = arr_client_new_with_token_provider(config, ARR_TOKEN_KIND_ACCESS_TOKEN, on_token_free, NULL,
                                                       &token_free.client);
    check(st == ARR_STATUS_OK, "9: a client with a token provider");
    check(arr_client_list_sessions_async(token_free.client, on_listed, NULL, NULL) == ARR_STATUS_OK, "9: a list starts");
    check(await_flag(&token_free.freed, 1, 10000), "9: arr_client_free inside the token callback returns");
    sleep_ms(300 * slow);
    check(get_int(&token_free.list_calls) == 1 && token_free.list_status == ARR_STATUS_CANCELLED,
          "9: the list called back once, CANCELLED");
    check(get_int(&token_free.list_calls_when_freed) == 1, "9: ... before the free returned");
}

/* ---------- 10. arr_shutdown from inside the log callback ---------- */

static volatile int log_lines, log_shutdowns;

static void on_log(void *user_data, arr_log_level level, const char *target, const char *message) {
    (void)user_data;
    (void)level;
    (void)target;
    (void)message;
    add_int(&log_lines, 1);
    if (get_int(&log_shutdowns) == 0) {
        set_int(&log_shutdowns, 1);
        arr_shutdown();
        set_int(&log_shutdowns, 2);
    }
}

static void shutdown_inside_the_log_callback(void) {
    check(arr_set_log_callback(on_log, NULL, ARR_LOG_LEVEL_INFO) == ARR_STATUS_OK, "10: a log callback");
    arr_client *client = new_client(fast_url, "");
    char *json = NULL;
    arr_status st = arr_client_list_sessions(client, &json);
    arr_string_free(json);
    check(st == ARR_STATUS_OK || st == ARR_STATUS_SHUTDOWN || st == ARR_STATUS_CANCELLED, "10: a call that logs");
    check(await_flag(&log_shutdowns, 2, 10000), "10: arr_shutdown inside the log callback returns");
    arr_client_free(client);
    int before = get_int(&log_lines);
    client = new_client(fast_url, "");
    check(client && arr_client_list_sessions(client, &json) == ARR_STATUS_OK, "10: a new client works afterwards");
    arr_string_free(json);
    check(await_flag(&log_lines, before + 1, 5000), "10: ... and its lines reach the log callback");
    arr_set_log_callback(NULL, NULL, ARR_LOG_LEVEL_OFF);
    arr_client_free(client);
}

/* ---------- 11. close from the token callback that the guard's close of the same client asked for ---------- */

static struct {
    arr_client *client;
    int shutdown; /* what the token callback calls: arr_shutdown (1) or arr_client_close (0) */
    volatile int closing, asked_while_closing, closed;
    volatile arr_status inner_status;
} guard_token;

/* An AAD-kind provider handing out the development account's "id:key" bearer, which the STS exchanges. */
static void on_guard_token(void *user_data, arr_token_request *request) {
    (void)user_data;
    if (get_int(&guard_token.closing) && !get_int(&guard_token.asked_while_closing)) {
        set_int(&guard_token.asked_while_closing, 1);
        if (guard_token.shutdown) {
            arr_shutdown(); /* returns nothing: reaching the next line is what counts */
            guard_token.inner_status = ARR_STATUS_OK;
        } else {
            guard_token.inner_status = arr_client_close(guard_token.client);
        }
        set_int(&guard_token.closed, 1);
    }
    arr_token_request_complete(request, "11111111-1111-1111-1111-111111111111:YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==");
}

/* The guard's close (stop-on-close) asks the token callback for a new token, and that callback closes the
 * client or shuts the library down: the inner call returns at once, the outer close still stops the session. */
static void check_in(const char *scenario, int ok, const char *what) {
    char line[200];
    snprintf(line, sizeof line, "%s: %s", scenario, what);
    check(ok, line);
}

static void lifecycle_call_inside_the_token_callback_of_the_guards_close(const char *n, int shutdown) {
    memset(&guard_token, 0, sizeof guard_token);
    guard_token.shutdown = shutdown;
    char config[700];
    snprintf(config, sizeof config,
             "{\"endpoint\":\"%s\",\"stsEndpoint\":\"%s\",\"accountId\":\"11111111-1111-1111-1111-111111111111\","
             "\"stopOwnedSessionsOnClose\":true,\"closeTimeoutMs\":%d}",
             fast_url, fast_url, 15000 * slow);
    arr_status st =
        arr_client_new_with_token_provider(config, ARR_TOKEN_KIND_AAD, on_guard_token, NULL, &guard_token.client);
    check_in(n, st == ARR_STATUS_OK, "a stop-on-close client with a token provider");
    char id[128];
    char name[32], prefix[64];
    snprintf(name, sizeof name, "guard-token-%s", n);
    snprintf(prefix, sizeof prefix, "%s-%ld", name, run_tag);
    if (!create_session(guard_token.client, name, 1, id, sizeof id)) return;
    arr_client *bystander = new_client(fast_url, "");
    /* Every token issued so far is refused from now on: the guard's stop has to ask for a new one. */
    char body[256];
    check_in(n, http(fast_url, "POST", "/_emulator/revoke-tokens", "", body, sizeof body) / 100 == 2, "tokens revoked");
    set_int(&guard_token.closing, 1);
    check_in(n, arr_client_close(guard_token.client) == ARR_STATUS_OK, "arr_client_close returns OK");
    check_in(n, get_int(&guard_token.asked_while_closing) == 1, "the guard's stop asked the token callback");
    check_in(n, get_int(&guard_token.closed) == 1 && guard_token.inner_status == ARR_STATUS_OK,
             "the call inside it returned OK at once (the outer close goes on)");
    check_in(n, live_sessions(fast_url, prefix) == 0, "the session is stopped when the outer close returns");
    if (live_sessions(fast_url, prefix) != 0) stop_session(fast_url, id);
    char *json = NULL;
    arr_status after = arr_client_get_session(bystander, id, &json);
    arr_string_free(json);
    check_in(n, after == (shutdown ? ARR_STATUS_SHUTDOWN : ARR_STATUS_OK),
             shutdown ? "the shutdown ran once the outer close was done" : "other clients are untouched");
    arr_client_free(bystander);
    arr_client_free(guard_token.client);
}

static void close_inside_the_token_callback_of_the_guards_close(void) {
    lifecycle_call_inside_the_token_callback_of_the_guards_close("11", 0);
}

static void shutdown_inside_the_token_callback_of_the_guards_close(void) {
    lifecycle_call_inside_the_token_callback_of_the_guards_close("12", 1);
}

/* ---------- main ---------- */

typedef struct {
    const char *name;
    void (*body)(void);
    int seconds;
} scenario;

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: reentrancy_test FAST_URL SLOW_URL [--slow] [--only NAME]\n");
        return 2;
    }
    fast_url = argv[1];
    slow_url = argv[2];
    const char *only = NULL;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--slow") == 0) slow = 4;
        if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
    }
    run_tag = (long)time(NULL) % 100000 * 100 + (long)(getpid() % 100);
    if (live_sessions(fast_url, "") < 0 || live_sessions(slow_url, "") < 0) {
        check(0, "the emulators' control endpoints answer");
        return summary();
    }
    const scenario scenarios[] = {
        {"keeper_freed_from_its_first_event", keeper_freed_from_its_first_event, 30},
        {"shutdown_inside_a_callback_during_shutdown", shutdown_inside_a_callback_during_shutdown, 20},
        {"two_clients_closing_each_other", two_clients_closing_each_other, 30},
        {"twenty_clients_freeing_themselves", twenty_clients_freeing_themselves, 40},
        {"a_forked_child_makes_new_clients", a_forked_child_makes_new_clients, 40},
        {"free_while_shutdown_runs", free_while_shutdown_runs, 20},
        {"shutdown_from_a_callback_of_a_client_being_freed", shutdown_from_a_callback_of_a_client_being_freed, 30},
        {"later_callbacks_after_shutdown_from_a_callback", later_callbacks_after_shutdown_from_a_callback, 40},
        {"free_inside_a_token_callback", free_inside_a_token_callback, 20},
        {"shutdown_inside_the_log_callback", shutdown_inside_the_log_callback, 20},
        {"close_inside_the_token_callback_of_the_guards_close", close_inside_the_token_callback_of_the_guards_close, 40},
        {"shutdown_inside_the_token_callback_of_the_guards_close", shutdown_inside_the_token_callback_of_the_guards_close, 40},
    };
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        if (only && strcmp(only, scenarios[i].name) != 0) continue;
        run_bounded(scenarios[i].name, scenarios[i].body, scenarios[i].seconds);
    }
    arr_shutdown();
    return summary();
}
