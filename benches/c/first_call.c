/*
 * Start-up probe for arr-bench: from process start to the first successful call (STS exchange
 * included) through the C ABI, linked statically. Prints "ok" as soon as the call has succeeded.
 * Usage: first_call CONFIG_JSON SESSION_ID
 */
#include <stdio.h>

#include "arr_session.h"

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: first_call CONFIG_JSON SESSION_ID\n");
        return 2;
    }
    arr_client *client = NULL;
    char *json = NULL;
    if (arr_client_new(argv[1], &client) != ARR_STATUS_OK ||
        arr_client_get_session(client, argv[2], &json) != ARR_STATUS_OK) {
        char *error = arr_last_error();
        fprintf(stderr, "first call failed: %s\n", error ? error : "(no details)");
        arr_string_free(error);
        arr_client_free(client);
        return 1;
    }
    puts("ok");
    fflush(stdout);
    arr_string_free(json);
    arr_client_free(client);
    return 0;
}
