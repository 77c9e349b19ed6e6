/* The daemon's listening sockets: a Unix socket made private before
 * anyone can connect, and TCP on loopback unless told otherwise. */
#ifndef HALD_SERVE_LISTEN_H
#define HALD_SERVE_LISTEN_H

#include "hald/error.h"

/* A listening Unix socket at path, mode 0600 (0660 with group).  A stale
 * socket left there is replaced; a live one, or any other file, is an
 * error.  Returns the fd, or -1 with err set. */
int hald_listen_unix(const char *path, int group, hald_error_t *err);

/* A listening TCP socket: "PORT" (127.0.0.1), "HOST:PORT" or "[V6]:PORT".
 * Returns the fd, or -1 with err set. */
int hald_listen_tcp(const char *address, hald_error_t *err);

#endif
