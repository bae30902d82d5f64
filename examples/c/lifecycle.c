/*
 * A session lifecycle in C: create, wait until Ready, extend, list, stop, get.
 * Usage: lifecycle CONFIG_JSON
 *   e.g. lifecycle '{"endpoint":"http://127.0.0.1:PORT","stsEndpoint":"http://127.0.0.1:PORT",
 *                    "accountId":"11111111-1111-1111-1111-111111111111","accountKey":"..."}'
 * Links statically: cc lifecycle.c $(pkg-config --cflags --libs --static arr_session)
 */
#include <stdio.h>
#include <string.h>

#include "arr_session.h"

static int fail(const char *step) {
    char *error = arr_last_error();
    fprintf(stderr, "%s failed: %s\n", step, error ? error : "(no details)");
    arr_string_free(error);
    return 1;
}

/* Copies the "id" of a session JSON into `out`. */
static void id_of(const char *json, char *out, size_t cap) {
    const char *p = strstr(json, "\"id\":\"");
    size_t n = 0;
    if (p) {
        p += 6;
        while (p[n] && p[n] != '"' && n + 1 < cap) n++;
        memcpy(out, p, n);
    }
    out[n] = 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: lifecycle CONFIG_JSON\n");
        return 2;
    }
    printf("arr-session %s (ABI %u)\n", arr_version(), (unsigned)arr_abi_version());
    arr_client *client = NULL;
    if (arr_client_new(argv[1], &client) != ARR_STATUS_OK) return fail("arr_client_new");

    char *json = NULL;
    char id[300];
    int rc = 0;
    if (arr_client_create_session(client, "{\"size\":\"Standard\",\"maxLeaseTimeMinutes\":30}", &json) != ARR_STATUS_OK) {
        rc = fail("create");
        goto done;
    }
    id_of(json, id, sizeof id);
    printf("created: %s\n", json);
    arr_string_free(json);

    /* From here on, stop the session whatever happens. */
    if (arr_client_wait_until_ready(client, id, "{\"timeoutMs\":60000}", &json) != ARR_STATUS_OK) {
        rc = fail("wait until ready");
    } else {
        printf("ready: %s\n", json);
        arr_string_free(json);
        if (arr_client_extend_session(client, id, 15, &json) == ARR_STATUS_OK) {
            printf("extended: %s\n", json);
            arr_string_free(json);
        } else {
            rc = fail("extend");
        }
        if (arr_client_list_sessions(client, &json) == ARR_STATUS_OK) {
            printf("listed: %s\n", json);
            arr_string_free(json);
        } else {
            rc = fail("list");
        }
    }
    if (arr_client_stop_session(client, id) != ARR_STATUS_OK) rc = fail("stop");
    if (arr_client_get_session(client, id, &json) == ARR_STATUS_OK) {
        printf("after stop: %s\n", json);
        if (!strstr(json, "\"Stopped\"")) rc = 1;
        arr_string_free(json);
    } else {
        rc = fail("get");
    }
done:
    arr_client_free(client);
    arr_shutdown();
    printf(rc == 0 ? "lifecycle passed\n" : "lifecycle FAILED\n");
    return rc;
}
