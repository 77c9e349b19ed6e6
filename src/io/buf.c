#include "hald/buf.h"

#include <stdlib.h>
#include <string.h>

void hald_buf_init(hald_buf_t *b) { b->data = NULL, b->len = b->cap = 0; }

void hald_buf_free(hald_buf_t *b)
{
    free(b->data);
    hald_buf_init(b);
}

char *hald_buf_reserve(hald_buf_t *b, size_t extra, hald_error_t *err)
{
    if (b->cap - b->len < extra || !b->data) { /* never NULL on success */
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < extra) {
            if (cap > ((size_t)-1) / 2) {
                hald_error_set(err, HALD_E_NOMEM, "buffer of %zu bytes: too large", b->len + extra);
                return NULL;
            }
            cap *= 2;
        }
        char *p = realloc(b->data, cap);
        if (!p) {
            hald_error_set(err, HALD_E_NOMEM, "out of memory (buffer of %zu bytes)", cap);
            return NULL;
        }
        b->data = p;
        b->cap = cap;
    }
    return b->data + b->len;
}

int hald_buf_append(hald_buf_t *b, const void *p, size_t n, hald_error_t *err)
{
    char *dst = hald_buf_reserve(b, n, err);
    if (!dst)
        return err ? err->code : HALD_E_NOMEM;
    memcpy(dst, p, n);
    b->len += n;
    return HALD_OK;
}
