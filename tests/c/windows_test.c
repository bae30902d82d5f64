/*
 * Windows only: arr_session.dll as Unity, .NET and Python load it, from where Windows users keep it.
 *   a. LoadLibraryW from a folder whose name has spaces and non-ASCII characters (a backslash path),
 *      GetProcAddress, a client with blocking and async calls against the emulator, arr_client_free with
 *      a call in flight, arr_shutdown (every other round from two threads at once), FreeLibrary; 20 times.
 *      arr_shutdown must leave no thread of the library behind, so that FreeLibrary is safe.
 *   b. A config file as a Windows editor writes it (CRLF line endings, the emulator's certificate PEM with
 *      CRLF inside, a non-ASCII comment line before it) in a folder with a non-ASCII name, read back with
 *      _wfopen and handed to arr_client_new: calls over HTTPS work (rustls, with the Windows certificate
 *      store loaded as for any https endpoint). The same file with a UTF-8 byte order mark in front (as
 *      Notepad saves) is refused with INVALID_ARGUMENT ("not valid JSON"), not a crash: strip it before.
 *   c. A process that ends with work in flight (async waits, a blocking wait on another thread) ends
 *      promptly: returning from main, and calling exit() from inside a library callback. No hang under the
 *      loader lock while the library's threads are still running.
 * Usage: windows_test BASE_URL SLOW_URL TLS_URL
 *   run from the folder holding arr_session.dll and emulator-cert.pem (the TLS emulator's certificate)
 *        windows_test --exit-child return|callback SLOW_URL   (started by part c)
 * Prints one line per check and ends with "N passed, N failed"; exits non-zero on any failure.
 */
#include <windows.h>
#include <tlhelp32.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "arr_session.h" /* types only: every function is resolved with GetProcAddress */

typedef uint32_t (*abi_version_fn)(void);
typedef arr_status (*client_new_fn)(const char *, arr_client **);
typedef void (*client_free_fn)(arr_client *);
typedef arr_status (*get_session_fn)(const arr_client *, const char *, char **);
typedef arr_status (*list_sessions_fn)(const arr_client *, char **);
typedef arr_status (*list_sessions_async_fn)(const arr_client *, arr_callback, void *, uint64_t *);
typedef arr_status (*create_session_fn)(const arr_client *, const char *, char **);
typedef arr_status (*wait_until_ready_fn)(const arr_client *, const char *, const char *, char **);
typedef arr_status (*wait_until_ready_async_fn)(const arr_client *, const char *, const char *, arr_callback, void *, uint64_t *);
typedef char *(*last_error_fn)(void);
typedef void (*string_free_fn)(char *);
typedef void (*shutdown_fn)(void);

typedef struct {
    abi_version_fn abi_version;
    client_new_fn client_new;
    client_free_fn client_free;
    get_session_fn get_session;
    list_sessions_fn list_sessions;
    list_sessions_async_fn list_sessions_async;
    create_session_fn create_session;
    wait_until_ready_fn wait_until_ready;
    wait_until_ready_async_fn wait_until_ready_async;
    last_error_fn last_error;
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

/* ISO C has no conversion from a FARPROC to another function pointer type: copy the representation. */
static int resolve(HMODULE lib, const char *name, void *fn_out, size_t size) {
    FARPROC sym = GetProcAddress(lib, name);
    if (!sym) {
        printf("     GetProcAddress %s: error %lu\n", name, (unsigned long)GetLastError());
        return 0;
    }
    memcpy(fn_out, &sym, size);
    return 1;
}

#define RESOLVE(lib, a, field, name) resolve(lib, name, &(a)->field, sizeof (a)->field)

static int load_api(HMODULE lib, api *a) {
    return RESOLVE(lib, a, abi_version, "arr_abi_version") && RESOLVE(lib, a, client_new, "arr_client_new") &&
           RESOLVE(lib, a, client_free, "arr_client_free") && RESOLVE(lib, a, get_session, "arr_client_get_session") &&
           RESOLVE(lib, a, list_sessions, "arr_client_list_sessions") &&
           RESOLVE(lib, a, list_sessions_async, "arr_client_list_sessions_async") &&
           RESOLVE(lib, a, create_session, "arr_client_create_session") &&
           RESOLVE(lib, a, wait_until_ready, "arr_client_wait_until_ready") &&
           RESOLVE(lib, a, wait_until_ready_async, "arr_client_wait_until_ready_async") &&
           RESOLVE(lib, a, last_error, "arr_last_error") && RESOLVE(lib, a, string_free, "arr_string_free") &&
           RESOLVE(lib, a, shutdown, "arr_shutdown");
}

/* Threads of this process, or -1 where the snapshot fails. */
static int thread_count(void) {
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
    if (snap == INVALID_HANDLE_VALUE) return -1;
    THREADENTRY32 entry;
    entry.dwSize = sizeof entry;
    int n = 0;
    DWORD self = GetCurrentProcessId();
    for (BOOL more = Thread32First(snap, &entry); more; more = Thread32Next(snap, &entry)) n += entry.th32OwnerProcessID == self;
    CloseHandle(snap);
    return n;
}

/* The folder this program runs from, with a trailing backslash. */
static void exe_dir(wchar_t *out, size_t cap) {
    DWORD n = GetModuleFileNameW(NULL, out, (DWORD)cap);
    out[n < cap ? n : cap - 1] = 0;
    wchar_t *slash = wcsrchr(out, L'\\');
    if (slash) slash[1] = 0;
}

/* A folder name with a space, Latin-1 and CJK characters. */
static const wchar_t PLUGIN_DIR[] = L"Plug-ins J\u00f6rg \u00e4rr \u76ee\u5f55";
static const wchar_t CONFIG_DIR[] = L"Konfiguration \u00fcber \u8a2d\u5b9a";

/* <exe dir>\<name>\ created; `out` gets the folder with a trailing backslash. */
static int make_dir(const wchar_t *name, wchar_t *out, size_t cap) {
    exe_dir(out, cap);
    if (wcslen(out) + wcslen(name) + 2 >= cap) return 0;
    wcscat(out, name);
    if (!CreateDirectoryW(out, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) return 0;
    wcscat(out, L"\\");
    return 1;
}

static char *config_for(const char *url) {
    static const char *fmt =
        "{\"endpoint\":\"%s\",\"stsEndpoint\":\"%s\",\"accountId\":\"11111111-1111-1111-1111-111111111111\","
        "\"accountKey\":\"YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==\",\"retry\":{\"maxRetries\":0},\"pollIntervalMs\":100}";
    size_t n = strlen(fmt) + 2 * strlen(url) + 1;
    char *s = malloc(n);
    snprintf(s, n, fmt, url, url);
    return s;
}

/* ---------- a: LoadLibraryW, use, arr_shutdown, FreeLibrary, 20 times ---------- */

typedef struct {
    CRITICAL_SECTION lock;
    int calls;
} async_state;

static void on_listed(void *user_data, arr_status status, const char *json) {
    (void)status;
    (void)json;
    async_state *s = user_data;
    EnterCriticalSection(&s->lock);
    s->calls++;
    LeaveCriticalSection(&s->lock);
}

typedef struct {
    shutdown_fn shutdown;
    HANDLE start;
    int threads_after;
} concurrent_shutdown;

static DWORD WINAPI shutdown_thread(LPVOID p) {
    concurrent_shutdown *c = p;
    WaitForSingleObject(c->start, INFINITE);
    c->shutdown();
    c->threads_after = thread_count();
    return 0;
}

static void test_load_use_unload(const char *url) {
    wchar_t dir[MAX_PATH], dll[MAX_PATH], source[MAX_PATH];
    int rounds = 20;
    check(make_dir(PLUGIN_DIR, dir, MAX_PATH), "a: a plug-in folder with spaces and non-ASCII characters");
    exe_dir(source, MAX_PATH);
    wcscat(source, L"arr_session.dll");
    swprintf(dll, MAX_PATH, L"%lsarr_session.dll", dir);
    check(CopyFileW(source, dll, FALSE) != 0, "a: arr_session.dll copied into it");
    char *cfg = config_for(url);

    int loaded = 0, resolved = 0, worked = 0, async_ok = 0, lingering = 0, max_lingering = 0, unloaded = 0;
    int baseline = thread_count();
    for (int round = 0; round < rounds; round++) {
        HMODULE lib = LoadLibraryW(dll);
        if (!lib) {
            printf("     LoadLibraryW: error %lu\n", (unsigned long)GetLastError());
            break;
        }
        loaded++;
        api a;
        if (!load_api(lib, &a) || a.abi_version() != ARR_ABI_VERSION) {
            FreeLibrary(lib);
            break;
        }
        resolved++;
        arr_client *client = NULL;
        char *json = NULL;
        arr_status st_new = a.client_new(cfg, &client);
        arr_status st_list = st_new == ARR_STATUS_OK ? a.list_sessions(client, &json) : st_new;
        if (st_list == ARR_STATUS_OK) a.string_free(json);
        json = NULL;
        arr_status st_get = st_new == ARR_STATUS_OK ? a.get_session(client, "windows-missing", &json) : st_new;
        if (st_get == ARR_STATUS_OK) a.string_free(json);
        if (st_new == ARR_STATUS_OK && st_list == ARR_STATUS_OK && st_get == ARR_STATUS_NOT_FOUND) {
            worked++;
        } else {
            printf("     round %d: new %u, list %u, get %u\n", round, (unsigned)st_new, (unsigned)st_list, (unsigned)st_get);
        }
        async_state s;
        s.calls = 0;
        InitializeCriticalSection(&s.lock);
        if (st_new == ARR_STATUS_OK) {
            if (a.list_sessions_async(client, on_listed, &s, NULL) == ARR_STATUS_OK) {
                a.client_free(client);
                EnterCriticalSection(&s.lock);
                async_ok += s.calls == 1;
                LeaveCriticalSection(&s.lock);
            } else {
                a.client_free(client);
            }
        }
        int extra;
        if (round % 2 == 0) {
            a.shutdown();
            extra = baseline < 0 ? 0 : thread_count() - baseline;
        } else {
            HANDLE start = CreateEventW(NULL, TRUE, FALSE, NULL);
            concurrent_shutdown c1 = {a.shutdown, start, 0}, c2 = {a.shutdown, start, 0};
            HANDLE t[2];
            t[0] = CreateThread(NULL, 0, shutdown_thread, &c1, 0, NULL);
            t[1] = CreateThread(NULL, 0, shutdown_thread, &c2, 0, NULL);
            SetEvent(start);
            WaitForMultipleObjects(2, t, TRUE, INFINITE);
            CloseHandle(t[0]);
            CloseHandle(t[1]);
            CloseHandle(start);
            int worst = c1.threads_after > c2.threads_after ? c1.threads_after : c2.threads_after;
            /* the two calling threads still exist when they count, or one has just ended */
            extra = baseline < 0 ? 0 : worst - baseline - 2;
        }
        if (extra > 0) {
            lingering++;
            if (extra > max_lingering) max_lingering = extra;
        }
        DeleteCriticalSection(&s.lock);
        FreeLibrary(lib);
        /* Informational: whether the loader really unmapped the DLL. */
        unloaded += GetModuleHandleW(dll) == NULL;
    }
    free(cfg);
    char label[240];
    snprintf(label, sizeof label, "a: LoadLibraryW of a backslash path with non-ASCII characters + GetProcAddress, %d/%d rounds", resolved, rounds);
    check(loaded == rounds && resolved == rounds, label);
    snprintf(label, sizeof label, "a: a client per round: list_sessions OK, get_session NOT_FOUND (%d/%d rounds)", worked, rounds);
    check(worked == rounds, label);
    snprintf(label, sizeof label, "a: an async call per round called back once before arr_client_free returned (%d/%d)", async_ok, rounds);
    check(async_ok == rounds, label);
    snprintf(label, sizeof label, "a: no library thread left when arr_shutdown returned, also from two threads at once (%d of %d rounds left some, up to %d)",
             lingering, rounds, max_lingering);
    check(lingering == 0, label);
    snprintf(label, sizeof label, "a: arr_shutdown then FreeLibrary, %d times, and the process lives on", rounds);
    check(1, label);
    printf("     the DLL was unmapped by FreeLibrary in %d of %d rounds\n", unloaded, rounds);
}

/* ---------- b: a config file written the Windows way, from a non-ASCII folder ---------- */

/* The whole file, NUL-terminated; NULL when it cannot be read. */
static char *read_file(const wchar_t *path) {
    FILE *f = _wfopen(path, L"rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) buf = realloc(buf, (cap *= 2) + 1);
    }
    fclose(f);
    buf[n] = 0;
    return buf;
}

static int write_file(const wchar_t *path, const char *text) {
    FILE *f = _wfopen(path, L"wb");
    if (!f) return 0;
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

/* The PEM as one JSON string body with CRLF line ends (\r\n escapes), as read from a Windows file. */
static char *pem_as_json_crlf(const char *pem) {
    char *out = malloc(strlen(pem) * 6 + 1);
    size_t o = 0;
    for (const char *p = pem; *p; p++) {
        if (*p == '\r') continue;
        if (*p == '\n') {
            memcpy(out + o, "\\r\\n", 4);
            o += 4;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = 0;
    return out;
}

static void test_config_file(const char *tls_url) {
    wchar_t dir[MAX_PATH], path[MAX_PATH], cert_path[MAX_PATH];
    char label[240];
    exe_dir(cert_path, MAX_PATH);
    wcscat(cert_path, L"emulator-cert.pem");
    char *pem = read_file(cert_path);
    check(pem != NULL && strstr(pem, "BEGIN CERTIFICATE") != NULL, "b: the TLS emulator's certificate (PEM) is there");
    check(make_dir(CONFIG_DIR, dir, MAX_PATH), "b: a config folder with a non-ASCII name");
    if (!pem) return;
    char *escaped = pem_as_json_crlf(pem);
    /* A comment line before the certificate, as `openssl x509 -text` and certificate exports write one. */
    static const char *fmt =
        "{\r\n"
        "  \"endpoint\": \"%s\",\r\n"
        "  \"stsEndpoint\": \"%s\",\r\n"
        "  \"accountId\": \"11111111-1111-1111-1111-111111111111\",\r\n"
        "  \"accountKey\": \"YXJyLWVtdWxhdG9yLWRldmVsb3BtZW50LWtleQ==\",\r\n"
        "  \"extraRootCaPem\": \"Entwicklungszertifikat f\xc3\xbcr 127.0.0.1 \xe2\x80\x94 \xe9\x96\x8b\xe7\x99\xba\\r\\n%s\",\r\n"
        "  \"retry\": {\"maxRetries\": 0}\r\n"
        "}\r\n";
    size_t n = strlen(fmt) + 2 * strlen(tls_url) + strlen(escaped) + 4;
    char *text = malloc(n + 3);
    snprintf(text, n, fmt, tls_url, tls_url, escaped);
    swprintf(path, MAX_PATH, L"%lsarrconfig.json", dir);
    check(write_file(path, text), "b: arrconfig.json written (CRLF, UTF-8) into the non-ASCII folder");

    HMODULE lib = LoadLibraryW(L"arr_session.dll");
    api a;
    if (!lib || !load_api(lib, &a)) {
        check(0, "b: arr_session.dll loads");
        return;
    }
    char *read_back = read_file(path);
    check(read_back != NULL && strcmp(read_back, text) == 0, "b: _wfopen reads it back from the non-ASCII path");
    arr_client *client = NULL;
    char *json = NULL;
    arr_status st = read_back ? a.client_new(read_back, &client) : ARR_STATUS_NULL_ARGUMENT;
    if (st != ARR_STATUS_OK) {
        char *error = a.last_error();
        printf("     arr_client_new: %u %s\n", (unsigned)st, error ? error : "");
        a.string_free(error);
    }
    snprintf(label, sizeof label, "b: arr_client_new accepts the file's text: CRLF, escaped CRLF in the PEM, non-ASCII comment (status %u)", (unsigned)st);
    check(st == ARR_STATUS_OK, label);
    if (st == ARR_STATUS_OK) {
        st = a.list_sessions(client, &json);
        if (st == ARR_STATUS_OK) {
            a.string_free(json);
        } else {
            char *error = a.last_error();
            printf("     list_sessions: %u %s\n", (unsigned)st, error ? error : "");
            a.string_free(error);
        }
        snprintf(label, sizeof label, "b: list_sessions over HTTPS trusting that certificate (status %u)", (unsigned)st);
        check(st == ARR_STATUS_OK, label);
        a.client_free(client);
    }

    /* Notepad's UTF-8 has a byte order mark in front. */
    char *with_bom = malloc(strlen(text) + 4);
    memcpy(with_bom, "\xef\xbb\xbf", 3);
    strcpy(with_bom + 3, text);
    swprintf(path, MAX_PATH, L"%lsarrconfig-bom.json", dir);
    write_file(path, with_bom);
    char *bom_back = read_file(path);
    client = NULL;
    st = bom_back ? a.client_new(bom_back, &client) : ARR_STATUS_NULL_ARGUMENT;
    char *error = a.last_error();
    if (st != ARR_STATUS_OK) printf("     last error: %s\n", error ? error : "(null)");
    snprintf(label, sizeof label, "b: the same file with a UTF-8 byte order mark: INVALID_ARGUMENT, \"not valid JSON\", no client (status %u)", (unsigned)st);
    check(st == ARR_STATUS_INVALID_ARGUMENT && client == NULL && error && strstr(error, "not valid JSON"), label);
    a.string_free(error);
    a.client_free(client);
    a.shutdown();
    FreeLibrary(lib);
    free(bom_back);
    free(with_bom);
    free(read_back);
    free(text);
    free(escaped);
    free(pem);
}

/* ---------- c: a process ending with work in flight ends promptly ---------- */

static api child_api;

static DWORD WINAPI blocking_wait_thread(LPVOID p) {
    char *json = NULL;
    child_api.wait_until_ready((const arr_client *)p, "windows-exit-slow", "{\"timeoutMs\":600000}", &json);
    return 0;
}

static void on_ignore(void *user_data, arr_status status, const char *json) {
    (void)user_data;
    (void)status;
    (void)json;
}

static void on_exit_now(void *user_data, arr_status status, const char *json) {
    (void)user_data;
    (void)status;
    (void)json;
    printf("child: exit(3) from a library callback\n");
    fflush(stdout);
    exit(3);
}

/* The child: loads the DLL, leaves a blocking wait and async waits running, then ends the process. */
static int exit_child(const char *mode, const char *slow_url) {
    HMODULE lib = LoadLibraryW(L"arr_session.dll");
    if (!lib || !load_api(lib, &child_api)) return 20;
    char *cfg = config_for(slow_url);
    arr_client *client = NULL;
    if (child_api.client_new(cfg, &client) != ARR_STATUS_OK) return 21;
    char *json = NULL;
    arr_status st = child_api.create_session(client, "{\"id\":\"windows-exit-slow\",\"size\":\"Premium\",\"maxLeaseTimeMinutes\":10,\"owned\":false}", &json);
    if (st == ARR_STATUS_OK) child_api.string_free(json);
    HANDLE waiter = CreateThread(NULL, 0, blocking_wait_thread, client, 0, NULL);
    for (int i = 0; i < 8; i++) child_api.wait_until_ready_async(client, "windows-exit-slow", NULL, on_ignore, NULL, NULL);
    Sleep(300);
    printf("child: work in flight (%d threads)\n", thread_count());
    fflush(stdout);
    if (strcmp(mode, "callback") == 0) {
        child_api.list_sessions_async(client, on_exit_now, NULL, NULL);
        Sleep(30000); /* exit() comes from the callback long before */
        return 22;
    }
    (void)waiter;
    return 0; /* from main, with the library's threads still working: the CRT calls ExitProcess */
}

static void run_exit_child(const char *mode, const char *slow_url, int want_code) {
    wchar_t exe[MAX_PATH], cmd[2 * MAX_PATH + 600];
    GetModuleFileNameW(NULL, exe, MAX_PATH);
    swprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\" --exit-child %hs %hs", exe, mode, slow_url);
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    char label[240];
    if (!CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) {
        snprintf(label, sizeof label, "c (%s): the child process starts (error %lu)", mode, (unsigned long)GetLastError());
        check(0, label);
        return;
    }
    ULONGLONG started = GetTickCount64();
    /* Generous: the child itself spends ~0.5 s before it ends; a loader-lock hang never ends at all. */
    DWORD waited = WaitForSingleObject(pi.hProcess, 20000);
    ULONGLONG took = GetTickCount64() - started;
    DWORD code = 99;
    if (waited != WAIT_OBJECT_0) {
        TerminateProcess(pi.hProcess, 98);
        WaitForSingleObject(pi.hProcess, 5000);
    }
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    snprintf(label, sizeof label, "c (%s): a process ending with work in flight ends, exit code %d (%lu, after %llu ms; bound 20000)",
             mode, want_code, (unsigned long)code, took);
    check(waited == WAIT_OBJECT_0 && code == (DWORD)want_code, label);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--exit-child") == 0) return exit_child(argv[2], argv[3]);
    if (argc < 4) {
        fprintf(stderr, "usage: windows_test BASE_URL SLOW_URL TLS_URL\n");
        return 2;
    }
    test_load_use_unload(argv[1]);
    test_config_file(argv[3]);
    run_exit_child("return", argv[2], 0);
    run_exit_child("callback", argv[2], 3);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
