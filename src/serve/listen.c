/* Listening sockets: see listen.h. */
#include "listen.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define BACKLOG 128

/* Whether something answers at a Unix socket path. */
static int live(const struct sockaddr_un *a)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    int up = connect(fd, (const struct sockaddr *)a, sizeof *a) == 0;
    close(fd);
    return up;
}

int hald_listen_unix(const char *path, int group, hald_error_t *err)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a.sun_path) {
        hald_error_set(err, HALD_E_USAGE, "%s: a socket path is at most %zu bytes", path,
                       sizeof a.sun_path - 1);
        return -1;
    }
    memcpy(a.sun_path, path, strlen(path));
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            hald_error_set(err, HALD_E_USAGE, "%s: exists and is not a socket (not replaced)", path);
            return -1;
        }
        if (live(&a)) {
            hald_error_set(err, HALD_E_USAGE, "%s: another server is listening there", path);
            return -1;
        }
        if (unlink(path) != 0) {
            hald_error_set(err, HALD_E_IO, "%s: cannot remove the stale socket: %s", path, strerror(errno));
            return -1;
        }
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        hald_error_set(err, HALD_E_IO, "socket: %s", strerror(errno));
        return -1;
    }
    /* Private from the moment it exists: no window in which others could
     * connect before the chmod. */
    mode_t old = umask(0177);
    int bound = bind(fd, (const struct sockaddr *)&a, sizeof a);
    int bind_errno = errno;
    umask(old);
    if (bound != 0 || chmod(path, group ? 0660 : 0600) != 0 || listen(fd, BACKLOG) != 0) {
        hald_error_set(err, HALD_E_IO, "%s: cannot listen: %s", path, strerror(bound ? bind_errno : errno));
        close(fd);
        if (bound == 0)
            unlink(path);
        return -1;
    }
    return fd;
}

/* "PORT", "HOST:PORT" or "[V6]:PORT" into host (loopback if none) and port. */
static int split_address(const char *address, char *host, size_t cap, const char **port)
{
    const char *colon = strrchr(address, ':');
    if (!colon) {
        snprintf(host, cap, "127.0.0.1");
        *port = address;
        return 0;
    }
    const char *h = address;
    size_t n = (size_t)(colon - address);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']')
        h++, n -= 2;
    if (n == 0 || n >= cap)
        return -1;
    memcpy(host, h, n);
    host[n] = '\0';
    *port = colon + 1;
    return 0;
}

int hald_listen_tcp(const char *address, hald_error_t *err)
{
    char host[256];
    const char *port;
    char *end;
    if (split_address(address, host, sizeof host, &port) != 0 || !*port ||
        strtoul(port, &end, 10) > 65535 || *end) {
        hald_error_set(err, HALD_E_USAGE, "--listen %s: expected PORT, HOST:PORT or [V6]:PORT", address);
        return -1;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        hald_error_set(err, HALD_E_USAGE, "--listen %s: %s", address, gai_strerror(rc));
        return -1;
    }
    int fd = -1, last = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        int one = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
            bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, BACKLOG) != 0) {
            last = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        hald_error_set(err, HALD_E_IO, "--listen %s: cannot listen: %s", address, strerror(last));
    return fd;
}
