/*
 * Counters and flags that callbacks on library threads set and the test's thread waits on, each read and
 * written under one mutex (so ThreadSanitizer, valgrind and the C memory model agree). Include after
 * support.h (now_ms, sleep_ms).
 */
#ifndef ARR_TEST_SHARED_INTS_H
#define ARR_TEST_SHARED_INTS_H

#include <pthread.h>

static pthread_mutex_t shared_ints_lock = PTHREAD_MUTEX_INITIALIZER;

static inline int get_int(volatile int *v) {
    pthread_mutex_lock(&shared_ints_lock);
    int x = *v;
    pthread_mutex_unlock(&shared_ints_lock);
    return x;
}

static inline void set_int(volatile int *v, int x) {
    pthread_mutex_lock(&shared_ints_lock);
    *v = x;
    pthread_mutex_unlock(&shared_ints_lock);
}

static inline void add_int(volatile int *v, int by) {
    pthread_mutex_lock(&shared_ints_lock);
    *v += by;
    pthread_mutex_unlock(&shared_ints_lock);
}

/* Waits until *v >= at_least, at most ms; returns whether it got there. */
static inline int await_int(volatile int *v, int at_least, long ms) {
    long long deadline = now_ms() + ms;
    while (get_int(v) < at_least) {
        if (now_ms() > deadline) return 0;
        sleep_ms(5);
    }
    return 1;
}

#endif
