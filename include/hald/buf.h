/* hald — a growable byte buffer. */
#ifndef HALD_BUF_H
#define HALD_BUF_H

#include <stddef.h>

#include "hald/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hald_buf {
    char *data;
    size_t len, cap;
} hald_buf_t;

void hald_buf_init(hald_buf_t *b);
void hald_buf_free(hald_buf_t *b);
/* Makes room for `extra` more bytes; returns a pointer to data + len. */
char *hald_buf_reserve(hald_buf_t *b, size_t extra, hald_error_t *err);
int hald_buf_append(hald_buf_t *b, const void *p, size_t n, hald_error_t *err);
/* data + len, also for a buffer never allocated (NULL + 0 is undefined). */
static inline char *hald_buf_end(const hald_buf_t *b)
{
    return b->data ? b->data + b->len : b->data;
}

#ifdef __cplusplus
}
#endif
#endif
