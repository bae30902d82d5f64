/*
 * A watchdog for the lifecycle tests (POSIX): a thread that, once its deadline passes, prints what the test
 * was doing (and its seed, for a randomized test), then every thread's stack (gdb -batch "thread apply all
 * bt"; without gdb, each thread's name and kernel wait channel), and ends the process with exit code 3. A
 * hang in a library of callbacks is a deadlock: it cannot be recovered from, only shown.
 *
 * watchdog_start(label) once; watchdog_arm(seconds, what) before each step that must end in time;
 * watchdog_disarm() after the last one.
 */
#ifndef ARR_TEST_WATCHDOG_H
#define ARR_TEST_WATCHDOG_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <dirent.h>
#include <sys/prctl.h>
#endif

static pthread_mutex_t watchdog_lock = PTHREAD_MUTEX_INITIALIZER;
static long long watchdog_deadline_ms; /* 0: disarmed */
static char watchdog_what[200];
static char watchdog_label[200];

static inline long long watchdog_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static inline void watchdog_print_stacks(void) {
    char command[256];
    snprintf(command, sizeof command,
             "command -v gdb >/dev/null && gdb -q -batch -nx -p %ld -ex 'thread apply all bt' 2>&1 | "
             "grep -v '^\\[New LWP\\|^warning:'",
             (long)getpid());
    if (system(command) == 0) return;
#ifdef __linux__
    /* No gdb: each thread's name and where in the kernel it sleeps. */
    DIR *dir = opendir("/proc/self/task");
    struct dirent *entry;
    while (dir && (entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        char path[300], name[64] = "", wchan[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", entry->d_name);
        FILE *f = fopen(path, "r");
        if (f) {
            if (!fgets(name, sizeof name, f)) name[0] = 0;
            fclose(f);
        }
        snprintf(path, sizeof path, "/proc/self/task/%s/wchan", entry->d_name);
        f = fopen(path, "r");
        if (f) {
            if (!fgets(wchan, sizeof wchan, f)) wchan[0] = 0;
            fclose(f);
        }
        name[strcspn(name, "\n")] = 0;
        printf("     thread %s %s: %s\n", entry->d_name, name, wchan);
    }
    if (dir) closedir(dir);
#endif
}

static inline void *watchdog_main(void *unused) {
    (void)unused;
    for (;;) {
        struct timespec t = {0, 100 * 1000000L};
        nanosleep(&t, NULL);
        pthread_mutex_lock(&watchdog_lock);
        int expired = watchdog_deadline_ms != 0 && watchdog_now_ms() > watchdog_deadline_ms;
        pthread_mutex_unlock(&watchdog_lock);
        if (expired) break;
    }
    printf("FAIL hung: %s (%s); every thread's stack:\n", watchdog_what, watchdog_label);
    fflush(stdout);
    watchdog_print_stacks();
    printf("FAIL hung: %s (%s)\n", watchdog_what, watchdog_label);
    printf("0 passed, 1 failed\n");
    fflush(stdout);
    _exit(3);
    return NULL;
}

/* Starts the watchdog (disarmed); `label` is printed with a hang (the seed, to replay it). */
static inline void watchdog_start(const char *label) {
    snprintf(watchdog_label, sizeof watchdog_label, "%s", label);
#if defined(__linux__) && defined(PR_SET_PTRACER)
    /* Lets gdb, a child of this process, attach to it under Yama's ptrace_scope 1. */
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
#endif
    pthread_t thread;
    pthread_create(&thread, NULL, watchdog_main, NULL);
    pthread_detach(thread);
}

/* Starts the watchdog the first time; later calls only change its label. */
static inline void watchdog_start_once(const char *label) {
    static int started;
    if (started) {
        pthread_mutex_lock(&watchdog_lock);
        snprintf(watchdog_label, sizeof watchdog_label, "%s", label);
        pthread_mutex_unlock(&watchdog_lock);
        return;
    }
    started = 1;
    watchdog_start(label);
}

/* The next `seconds` are for `what`; past them the watchdog fires. */
static inline void watchdog_arm(long seconds, const char *what) {
    pthread_mutex_lock(&watchdog_lock);
    snprintf(watchdog_what, sizeof watchdog_what, "%s", what);
    watchdog_deadline_ms = watchdog_now_ms() + seconds * 1000;
    pthread_mutex_unlock(&watchdog_lock);
}

static inline void watchdog_disarm(void) {
    pthread_mutex_lock(&watchdog_lock);
    watchdog_deadline_ms = 0;
    pthread_mutex_unlock(&watchdog_lock);
}

#endif /* ARR_TEST_WATCHDOG_H */
