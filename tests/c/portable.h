/*
 * What the C tests need beyond C99 and pthreads, for POSIX and for Windows (mingw-w64, whose winpthreads
 * gives pthreads, nanosleep and clock_gettime): loopback sockets for talking to the emulator's control
 * endpoints. On POSIX the wrappers are the plain calls, so the tests behave there as they always did.
 * Windows needs WSAStartup before the first socket call: a constructor does it once, at start-up.
 */
#ifndef ARR_TESTS_PORTABLE_H
#define ARR_TESTS_PORTABLE_H

#include <sys/types.h>
#include <unistd.h> /* getpid, _exit (mingw-w64 has it too) */

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>

__attribute__((constructor)) static void portable_start_winsock(void) {
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
}

/* A SOCKET is a UINT_PTR; its values fit an int (Windows keeps handles to 32 significant bits), and
 * INVALID_SOCKET becomes -1, so the tests' `int fd` and `fd < 0` keep working. */
static inline int sock_close(int fd) { return closesocket((SOCKET)fd); }
static inline long sock_write(int fd, const void *data, size_t n) { return send((SOCKET)fd, (const char *)data, (int)n, 0); }
static inline long sock_read(int fd, void *data, size_t n) { return recv((SOCKET)fd, (char *)data, (int)n, 0); }
static inline int sock_set_recv_timeout(int fd, int seconds) {
    DWORD ms = (DWORD)seconds * 1000; /* SO_RCVTIMEO takes milliseconds in a DWORD on Windows */
    return setsockopt((SOCKET)fd, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, sizeof ms);
}
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

static inline int sock_close(int fd) { return close(fd); }
static inline long sock_write(int fd, const void *data, size_t n) { return (long)write(fd, data, n); }
static inline long sock_read(int fd, void *data, size_t n) { return (long)read(fd, data, n); }
static inline int sock_set_recv_timeout(int fd, int seconds) {
    struct timeval tv = {seconds, 0};
    return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}
#endif

#endif
