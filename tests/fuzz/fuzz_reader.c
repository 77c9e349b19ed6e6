/* The decompressing reader: zstd frames (and skippable ones), gzip
 * members, or plain bytes.  Whatever the bytes, and however small the
 * reads, the same decoded bytes come out and the stream ends the same way:
 * cleanly after the same bytes, or with an error at the same place. */
#include <string.h>

#include "hald/reader.h"
#include "fuzz.h"

enum { DECODED_MAX = 8 << 20, SMALL_READS_MAX = 256 << 10 };

typedef struct {
    char *text;
    size_t len;
    int ended; /* 0: cut at `limit`, 1: clean end, -1: error */
    char msg[sizeof(((hald_error_t *)0)->msg)];
} outcome_t;

static void read_all(const uint8_t *data, size_t size, size_t cap, size_t limit, outcome_t *o)
{
    hald_error_t err;
    hald_reader_t *r = hald_reader_from_memory(data, size, "fuzz", &err);
    memset(o, 0, sizeof *o);
    o->text = malloc(limit + cap);
    FUZZ_CHECK(o->text != NULL);
    if (!r) {
        o->ended = -1;
        snprintf(o->msg, sizeof o->msg, "%s", err.msg);
        return;
    }
    while (o->len < limit) {
        ssize_t n = hald_reader_read(r, o->text + o->len, cap, &err);
        if (n <= 0) {
            o->ended = n == 0 ? 1 : -1;
            if (n < 0) {
                FUZZ_CHECK(strstr(err.msg, "fuzz") == err.msg); /* names the input */
                snprintf(o->msg, sizeof o->msg, "%s", err.msg);
            }
            break;
        }
        FUZZ_CHECK((size_t)n <= cap);
        o->len += (size_t)n;
    }
    FUZZ_CHECK(hald_reader_bytes_in(r) <= size);
    hald_reader_close(r);
}

/* The messages agree up to zstd's own reason (after the last ": "). */
static int same_place(const char *a, const char *b)
{
    const char *reason = strrchr(a, ':');
    size_t n = reason ? (size_t)(reason - a) : strlen(a);
    return strncmp(a, b, n) == 0 && (b[n] == ':' || b[n] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    outcome_t big, small;
    read_all(data, size, 1 << 20, DECODED_MAX, &big);
    read_all(data, size, 1 + size % 61, SMALL_READS_MAX, &small);
    size_t common = small.len < big.len ? small.len : big.len;
    FUZZ_CHECK(memcmp(big.text, small.text, common) == 0);
    /* A clean end is the same end after the same bytes.  How much of a
     * damaged frame comes out before zstd notices, and what it calls the
     * damage, depend on the read size; which frame it is does not. */
    if (big.ended == 1 && big.len <= SMALL_READS_MAX)
        FUZZ_CHECK(small.ended == 1 && small.len == big.len);
    if (small.ended == 1)
        FUZZ_CHECK(big.ended == 1 && small.len == big.len);
    if (big.ended == -1 && small.ended != 0)
        FUZZ_CHECK(small.ended == -1 && same_place(small.msg, big.msg));
    free(big.text);
    free(small.text);
    return 0;
}
