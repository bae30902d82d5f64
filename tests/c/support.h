/*
 * What the C test programs share: the pass/fail tally, sleeping and clocks, client configurations for the
 * emulator's development account, and the emulator's control endpoints over a plain loopback socket (no
 * client library involved, so a test can see the service's side of what the library did).
 *
 * Header-only (static inline), for test programs of one translation unit. Define SUPPORT_NO_SOCKETS before
 * including it where the control endpoints are not needed. Builds for POSIX and Windows (portable.h).
 */
#ifndef ARR_TEST_SUPPORT_H
#define ARR_TEST_SUPPORT_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portable.h" /* sockets for POSIX and Windows (mingw-w64); getpid, _exit */

#include "arr_session.h"

static int passed, failed;

static inline void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

static inline long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static inline void check(int ok, const char *what) {
    if (ok) {
        passed++;
        printf("ok   %s\n", what);
    } else {
        failed++;
        printf("FAIL %s\n", what);
    }
    fflush(stdout);
}

/* Prints the closing line every runner of ours ends with and returns the exit code. */
static inline int summary(void) {
    printf("%d passed, %d failed\n", passed, failed);
    fflush(stdout);
    return failed == 0 && passed > 0 ? 0 : 1;
}

/* The last error JSON contains `needle` (and is freed). */
static inline int last_error_has(const char *needle) {
    char *json = arr_last_error();
    int ok = json != NULL && strstr(json, needle) != NULL;
    if (!ok) printf("     last error: %s (wanted %s)\n", json ? json : "(null)", needle);
    arr_string_free(json);
    return ok;
}

/* A client configuration for the emulator's development account at `url`, with `extra` JSON members
 * (",\"key\":value...") appended. The caller frees it. */
static inline char *config_for(const char *url, const char *extra) {
    static const char *fmt =
        "{\"endpoint\":\"%s\",\"stsEndpoint\":\"%s\","
        "\"accountId\":\"11111111-1111-1111-1111-111111111111\","
        "\"accountKey\":\"YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==\","
        "\"pollIntervalMs\":50,\"retry\":{\"baseDelayMs\":10}%s}";
    size_t n = strlen(fmt) + 2 * strlen(url) + strlen(extra) + 1;
    char *s = malloc(n);
    snprintf(s, n, fmt, url, url, extra);
    return s;
}

static inline arr_client *new_client(const char *url, const char *extra) {
    char *cfg = config_for(url, extra);
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

#ifndef SUPPORT_NO_SOCKETS

/* One HTTP/1.1 request with "Connection: close"; the response body goes to `body` (NUL-terminated,
 * truncated to cap). Returns the HTTP status, or -1 when the request could not be made. */
static inline int http(const char *base, const char *method, const char *path, const char *payload, char *body,
                       size_t cap) {
    char host[256], port[16];
    const char *p = strstr(base, "://");
    p = p ? p + 3 : base;
    const char *colon = strchr(p, ':');
    if (!colon || (size_t)(colon - p) >= sizeof host) return -1;
    memcpy(host, p, (size_t)(colon - p));
    host[colon - p] = 0;
    size_t plen = strcspn(colon + 1, "/");
    if (plen == 0 || plen >= sizeof port) return -1;
    memcpy(port, colon + 1, plen);
    port[plen] = 0;

    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res) return -1;
    int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        if (fd >= 0) sock_close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    sock_set_recv_timeout(fd, 10);

    size_t n = payload ? strlen(payload) : 0;
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "%s %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      method, path, host, port, n);
    if (sock_write(fd, head, (size_t)hl) != hl || (n > 0 && sock_write(fd, payload, n) != (long)n)) {
        sock_close(fd);
        return -1;
    }
    size_t got = 0, room = 65536;
    char *buf = malloc(room + 1);
    for (;;) {
        if (got == room) {
            room *= 2;
            buf = realloc(buf, room + 1);
        }
        long r = sock_read(fd, buf + got, room - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    sock_close(fd);
    buf[got] = 0;
    int status = -1;
    if (sscanf(buf, "HTTP/1.1 %d", &status) != 1) status = -1;
    const char *start = strstr(buf, "\r\n\r\n");
    if (body && cap > 0) {
        snprintf(body, cap, "%s", start ? start + 4 : "");
    }
    free(buf);
    return status;
}

/* Sessions whose id starts with `prefix` that are Starting or Ready (still billed); -1 if unknown. */
static inline int live_sessions(const char *url, const char *prefix) {
    static char body[1 << 20];
    if (http(url, "GET", "/_emulator/sessions", NULL, body, sizeof body) != 200) return -1;
    int live = 0;
    char needle[200];
    snprintf(needle, sizeof needle, "\"id\":\"%s", prefix);
    for (char *open = strchr(body, '{'); open; open = strchr(open + 1, '{')) {
        char *end = strchr(open, '}');
        if (!end) break;
        *end = 0; /* snapshots have no nested objects */
        if (strstr(open, needle) && (strstr(open, "\"status\":\"Starting\"") || strstr(open, "\"status\":\"Ready\"")))
            live++;
        *end = '}';
        open = end;
    }
    return live;
}

/* How many requests the emulator counted for `route` (e.g. "sessions.create"); -1 if unknown. */
static inline long route_count(const char *url, const char *route) {
    char body[4096];
    if (http(url, "GET", "/_emulator/counts", NULL, body, sizeof body) != 200) return -1;
    char needle[100];
    snprintf(needle, sizeof needle, "\"%s\":", route);
    const char *p = strstr(body, needle);
    return p ? strtol(p + strlen(needle), NULL, 10) : 0;
}

/* Every request the emulator counted, on all routes; -1 if unknown. */
static inline long total_count(const char *url) {
    char body[4096];
    if (http(url, "GET", "/_emulator/counts", NULL, body, sizeof body) != 200) return -1;
    long total = 0;
    for (const char *p = strchr(body, ':'); p; p = strchr(p + 1, ':')) total += strtol(p + 1, NULL, 10);
    return total;
}

/* Arms a fault (POST /_emulator/faults); returns whether the emulator took it. */
static inline int inject(const char *url, const char *fault_json) {
    char body[1024];
    int st = http(url, "POST", "/_emulator/faults", fault_json, body, sizeof body);
    if (st < 200 || st > 299) printf("     fault %s refused: HTTP %d %s\n", fault_json, st, body);
    return st >= 200 && st <= 299;
}

#endif /* SUPPORT_NO_SOCKETS */

#endif /* ARR_TEST_SUPPORT_H */
