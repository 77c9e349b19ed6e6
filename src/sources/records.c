/* hald — FASTA / FASTQ / one-sequence-per-line records in bounded batches.
 *
 * The parser owns one fixed 1 MiB read buffer that the reader decodes into.
 * The usual record (whole in the buffer, clean ASCII lines) takes a fast
 * path: one SSE2 pass per line finds its end and proves it holds no blanks,
 * then one memcpy moves the bases into the batch arena.  Anything else
 * (blanks inside lines, a record cut by the end of the buffer, a line longer
 * than the buffer) goes line by line through the general path, which
 * streams over-long lines in buffer-sized chunks: only the first max_stored
 * bases are kept and the rest are counted, so memory stays bounded whatever
 * the input.
 *
 * Records lie back to back in the arena ("id\0seq\0" each), so when the
 * arena moves while growing, their pointers are re-derived from their
 * lengths alone; no offset table is needed. */
#include "hald/records.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum { PARSE_BUF = 1 << 20 };
enum { LINE_EOF = 0, LINE_FULL = 1, LINE_LONG = 2 };
enum { RUNNING = 0, AT_EOF = 1, FAILED = -1 };
/* What a line is, which decides what its chunks are used for. */
enum line_kind { K_HEADER, K_FASTA_SEQ, K_RAW_SEQ, K_PLUS, K_QUAL };

/* The record being assembled. */
struct cur {
    size_t start;      /* arena offset of the id */
    size_t seq_off;    /* arena offset of the sequence */
    uint32_t id_len;
    uint64_t total;    /* sequence bytes seen, trailing blanks included */
    uint64_t seq_end;  /* total up to the last non-blank byte */
    uint64_t stored;   /* bytes copied into the arena */
    uint64_t q_total, q_end; /* the same for a FASTQ quality line */
};

struct hald_parser {
    hald_reader_t *r;    /* NULL when parsing a memory buffer */
    const char *name;    /* for messages when there is no reader */
    int owns_buf;
    hald_parser_opts_t o;
    hald_format_t fmt;
    int state, started;
    hald_error_t saved;

    char *buf;
    size_t cap, pos, len;
    size_t width;   /* length of the last clean sequence line: the next guess */
    int eof;        /* the reader reported the end of the stream */
    int last_nonl;  /* the last line ended at EOF without a newline */
    uint64_t line;  /* newlines consumed */
    uint64_t nrec;  /* records completed */

    struct cur cur;
};

static inline int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Index of the first byte of s[0..n) that is <= ' ' or >= 0x80, else n.
 * Newlines, '\r', spaces and tabs all stop it, so one pass both finds the
 * end of a clean line and proves it needs no filtering; anything unusual
 * (including non-ASCII) just sends the caller to the exact slow path. */
static inline size_t first_special(const char *s, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i lim = _mm_set1_epi8(0x21); /* signed compare: 0x80.. count too */
#define HALD_SPECIAL(off) _mm_cmplt_epi8(_mm_loadu_si128((const void *)(s + i + (off))), lim)
    for (; i + 16 <= n; i += 16) {
        int m = _mm_movemask_epi8(HALD_SPECIAL(0));
        if (m)
            return i + (size_t)__builtin_ctz((unsigned)m);
    }
#undef HALD_SPECIAL
#endif
    for (; i < n; i++)
        if ((signed char)s[i] < 0x21)
            return i;
    return n;
}

/* Whether s[0..n) (n >= 16) holds a byte first_special would stop at.  The
 * loop has no data-dependent exit, so for lines of one width it runs
 * without branch misses. */
static inline int any_special(const char *s, size_t n)
{
#if defined(__SSE2__)
    const __m128i lim = _mm_set1_epi8(0x21);
    __m128i acc = _mm_cmplt_epi8(_mm_loadu_si128((const void *)(s + n - 16)), lim);
    for (size_t i = 0; i + 16 <= n; i += 16)
        acc = _mm_or_si128(acc, _mm_cmplt_epi8(_mm_loadu_si128((const void *)(s + i)), lim));
    return _mm_movemask_epi8(acc) != 0;
#else
    return first_special(s, n) < n;
#endif
}

/* ---------------------------------------------------------------- errors */

static const char *pname(const hald_parser_t *p)
{
    return p->r ? hald_reader_name(p->r) : p->name;
}

static int fail_line(hald_parser_t *p, const char *what)
{
    return hald_error_set(&p->saved, HALD_E_INPUT, "%s: line %llu: %s", pname(p),
                          (unsigned long long)(p->line + 1), what);
}

/* "<name>: record N (id): reason" for the record being assembled. */
static int fail_record(hald_parser_t *p, const hald_batch_t *b, const char *what)
{
    int shown = p->cur.id_len > 200 ? 200 : (int)p->cur.id_len;
    return hald_error_set(&p->saved, HALD_E_INPUT, "%s: record %llu (%.*s): %s", pname(p),
                          (unsigned long long)(p->nrec + 1), shown,
                          b->arena + p->cur.start, what);
}

static int fail_nomem(hald_parser_t *p)
{
    return hald_error_set(&p->saved, HALD_E_NOMEM, "%s: out of memory", pname(p));
}

/* ---------------------------------------------------------------- storage */

void hald_batch_init(hald_batch_t *b)
{
    memset(b, 0, sizeof *b);
}

void hald_batch_free(hald_batch_t *b)
{
    if (!b)
        return;
    free(b->records);
    free(b->arena);
    hald_batch_init(b);
}

/* Re-points the batch's records after the arena moved. */
static void rebase(hald_batch_t *b)
{
    const char *a = b->arena;
    for (size_t i = 0; i < b->n; i++) {
        hald_record_t *rec = &b->records[i];
        rec->id = a;
        rec->seq = a + rec->id_len + 1;
        a = rec->seq + rec->stored_len + 1;
    }
}

static int arena_grow(hald_parser_t *p, hald_batch_t *b, size_t need)
{
    size_t cap = b->arena_cap ? b->arena_cap : (size_t)1 << 16;
    while (cap - b->arena_len < need) {
        if (cap > SIZE_MAX / 2)
            return fail_nomem(p);
        cap *= 2;
    }
    char *a = realloc(b->arena, cap);
    if (!a)
        return fail_nomem(p);
    b->arena = a;
    b->arena_cap = cap;
    rebase(b);
    return 0;
}

static inline int arena_room(hald_parser_t *p, hald_batch_t *b, size_t need)
{
    if (b->arena_cap - b->arena_len >= need)
        return 0;
    return arena_grow(p, b, need);
}

static inline int records_room(hald_parser_t *p, hald_batch_t *b)
{
    if (b->n < b->records_cap)
        return 0;
    size_t cap = b->records_cap ? b->records_cap * 2 : 256;
    hald_record_t *rec = realloc(b->records, cap * sizeof *rec);
    if (!rec)
        return fail_nomem(p);
    b->records = rec;
    b->records_cap = cap;
    return 0;
}

/* Adds a finished record whose bytes end the arena (room was made). */
static inline void push_record(hald_parser_t *p, hald_batch_t *b, size_t start,
                               uint32_t id_len, uint64_t seq_len, uint64_t stored)
{
    hald_record_t *rec = &b->records[b->n++];
    rec->id = b->arena + start;
    rec->seq = rec->id + id_len + 1;
    rec->id_len = id_len;
    rec->seq_len = seq_len;
    rec->stored_len = stored;
    p->nrec++;
}

/* Starts a record: copies its id (NUL-terminated) into the arena. */
static int begin_record(hald_parser_t *p, hald_batch_t *b, const char *id, size_t id_len)
{
    if (arena_room(p, b, id_len + 1) < 0)
        return p->saved.code;
    struct cur *c = &p->cur;
    c->start = b->arena_len;
    c->id_len = (uint32_t)id_len;
    memcpy(b->arena + b->arena_len, id, id_len);
    b->arena_len += id_len;
    b->arena[b->arena_len++] = '\0';
    c->seq_off = b->arena_len;
    c->total = c->seq_end = c->stored = 0;
    c->q_total = c->q_end = 0;
    return 0;
}

/* Appends sequence bytes, keeping only the first max_stored of them. */
static inline int seq_put(hald_parser_t *p, hald_batch_t *b, const char *s, size_t n)
{
    struct cur *c = &p->cur;
    uint64_t room = p->o.max_stored - c->stored; /* stored never exceeds max_stored */
    size_t take = n < room ? n : (size_t)room;
    c->total += n;
    if (take == 0)
        return 0;
    if (arena_room(p, b, take) < 0)
        return p->saved.code;
    memcpy(b->arena + b->arena_len, s, take);
    b->arena_len += take;
    c->stored += take;
    return 0;
}

/* Ends the record: drops trailing blanks, NUL-terminates the sequence and
 * adds the record to the batch. */
static int end_record(hald_parser_t *p, hald_batch_t *b)
{
    struct cur *c = &p->cur;
    uint64_t stored = c->stored < c->seq_end ? c->stored : c->seq_end;
    b->arena_len = c->seq_off + (size_t)stored;
    if (arena_room(p, b, 1) < 0 || records_room(p, b) < 0)
        return p->saved.code;
    b->arena[b->arena_len++] = '\0';
    push_record(p, b, c->start, c->id_len, c->seq_end, stored);
    return 0;
}

/* ---------------------------------------------------------------- buffer */

/* Moves the unconsumed bytes to the front and reads more after them.
 * Returns 1 if bytes were added, 0 at EOF (or with a full buffer). */
static int fill(hald_parser_t *p)
{
    if (p->eof)
        return 0;
    if (p->pos > 0) {
        memmove(p->buf, p->buf + p->pos, p->len - p->pos);
        p->len -= p->pos;
        p->pos = 0;
    }
    if (p->len == p->cap)
        return 0;
    ssize_t n = hald_reader_read(p->r, p->buf + p->len, p->cap - p->len, &p->saved);
    if (n < 0)
        return (int)n;
    if (n == 0)
        p->eof = 1;
    p->len += (size_t)n;
    return n > 0;
}

/* Finds the line starting at pos: LINE_FULL with *nl at its '\n' (or at len
 * for a last line without one), LINE_LONG if it fills the whole buffer
 * without a newline, LINE_EOF if no bytes are left. */
static inline int find_line(hald_parser_t *p, size_t *nl)
{
    size_t from = p->pos;
    for (;;) {
        const char *q = memchr(p->buf + from, '\n', p->len - from);
        if (q) {
            *nl = (size_t)(q - p->buf);
            return LINE_FULL;
        }
        if (p->eof) {
            *nl = p->len;
            return p->len == p->pos ? LINE_EOF : LINE_FULL;
        }
        if (p->pos == 0 && p->len == p->cap)
            return LINE_LONG;
        size_t seen = p->len - p->pos; /* already searched: skip after the move */
        int rc = fill(p);
        if (rc < 0)
            return rc;
        from = p->pos + seen;
    }
}

/* The next byte without consuming it: *c = -1 at EOF. */
static inline int peek(hald_parser_t *p, int *c)
{
    while (p->pos == p->len) {
        int rc = fill(p);
        if (rc < 0)
            return rc;
        if (rc == 0 && p->eof) {
            *c = -1;
            return 0;
        }
    }
    *c = (unsigned char)p->buf[p->pos];
    return 0;
}

/* Consumes whole blank lines.  Returns 1 with pos at the start of a line
 * holding a non-blank byte (or a blank run too long to decide on), 0 at EOF. */
static int skip_blank_lines(hald_parser_t *p)
{
    for (;;) {
        for (size_t i = p->pos; i < p->len; i++) {
            char ch = p->buf[i];
            if (ch == '\n') {
                p->pos = i + 1;
                p->line++;
            } else if (!is_blank(ch)) {
                return 1;
            }
        }
        if (p->eof) {
            p->pos = p->len;
            return 0;
        }
        if (p->pos == 0 && p->len == p->cap)
            return 1;
        int rc = fill(p);
        if (rc < 0)
            return rc;
    }
}

/* ---------------------------------------------------------------- line chunks */

/* The id is the first word after the '>' or '@'; it must lie in the first
 * chunk of the line, i.e. be shorter than the read buffer. */
static int chunk_header(hald_parser_t *p, hald_batch_t *b, const char *s, size_t n,
                        int first, int last)
{
    if (!first)
        return 0;
    size_t i = 1;
    while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
        i++;
    if (i == n && !last)
        return fail_line(p, "record id longer than the 1 MiB read buffer");
    return begin_record(p, b, s + 1, i - 1);
}

/* FASTA sequence lines lose every space, tab and '\r'. */
static inline int chunk_fasta_seq(hald_parser_t *p, hald_batch_t *b, const char *s, size_t n)
{
    if (n > 0 && s[n - 1] == '\r')
        n--;
    if (first_special(s, n) == n) {
        int rc = seq_put(p, b, s, n);
        p->cur.seq_end = p->cur.total;
        return rc;
    }
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && !is_blank(s[j]))
            j++;
        if (j > i && seq_put(p, b, s + i, j - i) < 0)
            return p->saved.code;
        i = j + 1;
    }
    p->cur.seq_end = p->cur.total;
    return 0;
}

/* Length of s without its trailing blanks. */
static inline size_t trimmed(const char *s, size_t n)
{
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    return n;
}

/* Lines-format and FASTQ sequences are kept raw; trailing blanks are cut at
 * the end of the record through seq_end, since they may span chunks. */
static inline int chunk_raw_seq(hald_parser_t *p, hald_batch_t *b, const char *s, size_t n)
{
    size_t keep = trimmed(s, n);
    int rc = seq_put(p, b, s, n);
    if (keep > 0)
        p->cur.seq_end = p->cur.total - n + keep;
    return rc;
}

static int chunk_plus(hald_parser_t *p, hald_batch_t *b, const char *s, size_t n, int first)
{
    if (first && (n == 0 || s[0] != '+'))
        return fail_record(p, b, "expected a '+' line after the sequence");
    return 0;
}

static inline int chunk_qual(hald_parser_t *p, const char *s, size_t n)
{
    size_t keep = trimmed(s, n);
    p->cur.q_total += n;
    if (keep > 0)
        p->cur.q_end = p->cur.q_total - n + keep;
    return 0;
}

/* Control bytes other than white space never occur in sequence text: a
 * NUL or the like means a binary or corrupt file, which is an error rather
 * than a run of NA records. */
static int reject_binary(hald_parser_t *p, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\r' && c != '\v' && c != '\f') {
            char what[96];
            snprintf(what, sizeof what, "binary data (byte 0x%02x): not FASTA, FASTQ or text", c);
            return fail_line(p, what);
        }
    }
    return 0;
}

static inline int chunk(hald_parser_t *p, hald_batch_t *b, enum line_kind k, const char *s,
                        size_t n, int first, int last)
{
    /* Only lines with unusual bytes get here (the fast paths stop at any
     * byte below '!'), so the check costs nothing on clean input. */
    if (reject_binary(p, s, n) < 0)
        return p->saved.code;
    switch (k) {
    case K_HEADER:
        return chunk_header(p, b, s, n, first, last);
    case K_FASTA_SEQ:
        return chunk_fasta_seq(p, b, s, n);
    case K_RAW_SEQ:
        return chunk_raw_seq(p, b, s, n);
    case K_PLUS:
        return chunk_plus(p, b, s, n, first);
    case K_QUAL:
        return chunk_qual(p, s, n);
    }
    return 0;
}

/* Consumes one line, in one chunk if it fits in the buffer, else in
 * buffer-sized chunks.  Returns 1 per line, 0 if no line is left. */
static inline int stream_line(hald_parser_t *p, hald_batch_t *b, enum line_kind k)
{
    int first = 1;
    for (;;) {
        size_t nl = 0;
        int rc = find_line(p, &nl);
        if (rc < 0)
            return rc;
        if (rc == LINE_EOF) {
            if (first)
                return 0;
            p->last_nonl = 1;
            rc = chunk(p, b, k, p->buf + p->pos, 0, 0, 1);
            return rc < 0 ? rc : 1;
        }
        size_t end = rc == LINE_FULL ? nl : p->len;
        int crc = chunk(p, b, k, p->buf + p->pos, end - p->pos, first, rc == LINE_FULL);
        if (crc < 0)
            return crc;
        if (rc == LINE_FULL) {
            p->last_nonl = nl == p->len;
            p->pos = nl + !p->last_nonl;
            p->line += !p->last_nonl;
            return 1;
        }
        p->pos = p->len;
        first = 0;
    }
}

/* ---------------------------------------------------------------- formats */

/* first_special(q, end - q), trying the last line's width first: sequence
 * files rarely change width, and checking a known width is cheaper than
 * searching for the end. */
static inline size_t line_len(hald_parser_t *p, const char *q, const char *end)
{
    size_t w = p->width;
    if (w >= 16 && (size_t)(end - q) > w && (q[w] == '\n' || q[w] == '\r') && !any_special(q, w))
        return w;
    return p->width = first_special(q, (size_t)(end - q));
}

/* 1 if q starts "\n", 2 if it starts "\r\n", else 0 (end bounds q). */
static inline size_t eol_len(const char *q, const char *end)
{
    if (q < end && q[0] == '\n')
        return 1;
    return q + 1 < end && q[0] == '\r' && q[1] == '\n' ? 2 : 0;
}

/* Whether s[0..n) holds a control byte that only binary data has (the
 * general path's reject_binary rejects the same bytes): the fast paths
 * leave such lines to it, so one rule holds wherever a line falls. */
static inline int has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\r' && c != '\v' && c != '\f')
            return 1;
    }
    return 0;
}

/* For a ">id[ description]" line wholly in the buffer whose id is plain
 * ASCII: sets *id_len and returns the start of the next line.  NULL leaves
 * the line to the general path. */
static inline const char *fast_header(const char *s, const char *end, size_t *id_len)
{
    size_t k = 1 + first_special(s + 1, (size_t)(end - s) - 1);
    size_t eol = eol_len(s + k, end);
    const char *next = s + k + eol;
    if (eol == 0) { /* an id followed by a description, or something odd */
        const char *nl = s + k < end && is_blank(s[k])
                             ? memchr(s + k, '\n', (size_t)(end - s) - k) : NULL;
        if (!nl || has_control(s + k, (size_t)(nl - (s + k))))
            return NULL;
        next = nl + 1;
    }
    *id_len = k - 1;
    return next;
}

/* Adds a record whose id and whole sequence are at hand. */
static int add_whole(hald_parser_t *p, hald_batch_t *b, const char *id, size_t id_len,
                     const char *seq, size_t n)
{
    size_t take = n < p->o.max_stored ? n : (size_t)p->o.max_stored;
    if (arena_room(p, b, id_len + take + 2) < 0 || records_room(p, b) < 0)
        return p->saved.code;
    size_t start = b->arena_len;
    char *a = b->arena + start;
    memcpy(a, id, id_len);
    a[id_len] = '\0';
    memcpy(a + id_len + 1, seq, take);
    a[id_len + 1 + take] = '\0';
    b->arena_len = start + id_len + take + 2;
    push_record(p, b, start, (uint32_t)id_len, n, take);
    return 0;
}

/* Decimal digits of v, not NUL-terminated; returns their count. */
static size_t u64_to_dec(char *out, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* The common case in one go: a whole record visible in the buffer, with a
 * plain ASCII id and clean "\n" or "\r\n" sequence lines.  It works on
 * locals, since every store into the arena would otherwise force the
 * compiler to reload the parser's fields.  Returns 1 if the record was
 * added, 0 (with nothing consumed) to let the general path take it, or a
 * negative status. */
static int fasta_fast(hald_parser_t *p, hald_batch_t *b)
{
    const char *s = p->buf + p->pos, *end = p->buf + p->len;
    size_t id_len;
    const char *q = fast_header(s, end, &id_len);
    if (!q)
        return 0;
    /* Every reservation keeps one spare byte for the final NUL. */
    if (arena_room(p, b, id_len + 2) < 0 || records_room(p, b) < 0)
        return p->saved.code;
    size_t start = b->arena_len, alen = start;
    char *a = b->arena;
    memcpy(a + alen, s + 1, id_len);
    alen += id_len;
    a[alen++] = '\0';
    size_t eol;
    uint64_t total = 0, stored = 0, lines = 1;
    const uint64_t max_stored = p->o.max_stored;
    for (; q < end && *q != '>'; lines++) {
        size_t n = line_len(p, q, end);
        eol = eol_len(q + n, end);
        if (eol == 0)
            goto general;
        size_t take = n < max_stored - stored ? n : (size_t)(max_stored - stored);
        if (b->arena_cap - alen <= take) {
            b->arena_len = alen;
            if (arena_grow(p, b, take + 1) < 0)
                return p->saved.code;
            a = b->arena;
        }
        memcpy(a + alen, q, take);
        alen += take;
        stored += take;
        total += n;
        q += n + eol;
    }
    if (q == end && !p->eof)
        goto general; /* the record may go on after a refill */
    a[alen++] = '\0';
    b->arena_len = alen;
    push_record(p, b, start, (uint32_t)id_len, total, stored);
    p->pos = (size_t)(q - p->buf);
    p->line += lines;
    return 1;
general:
    b->arena_len = start;
    return 0;
}

/* The *_record functions each return 1 after adding a record, 0 at the
 * end of the input, 2 if a line gave no record, or a negative status. */

static int fasta_record(hald_parser_t *p, hald_batch_t *b)
{
    int c, rc = fasta_fast(p, b); /* pos is at a '>' */
    if (rc != 0)
        return rc;
    if ((rc = stream_line(p, b, K_HEADER)) < 0)
        return rc;
    for (;;) {
        if ((rc = peek(p, &c)) < 0)
            return rc;
        if (c == -1 || c == '>')
            break;
        if ((rc = stream_line(p, b, K_FASTA_SEQ)) < 0)
            return rc;
    }
    rc = end_record(p, b);
    return rc < 0 ? rc : 1;
}

/* A whole clean 4-line record in the buffer whose quality line is exactly
 * as long as the sequence.  Returns 1 if the record was added, 0 to let
 * the general path take it (and report any error), or a negative status. */
static int fastq_fast(hald_parser_t *p, hald_batch_t *b)
{
    const char *s = p->buf + p->pos, *end = p->buf + p->len;
    size_t id_len, eol;
    const char *seq = s < end && *s == '@' ? fast_header(s, end, &id_len) : NULL;
    if (!seq)
        return 0;
    size_t n = line_len(p, seq, end);
    const char *plus = seq + n + eol_len(seq + n, end);
    if (plus == seq + n || plus == end || *plus != '+')
        return 0;
    const char *qual = memchr(plus, '\n', (size_t)(end - plus));
    if (!qual || has_control(plus, (size_t)(qual - plus)))
        return 0;
    qual++;
    if (first_special(qual, (size_t)(end - qual)) != n || (eol = eol_len(qual + n, end)) == 0)
        return 0;
    int rc = add_whole(p, b, s + 1, id_len, seq, n);
    if (rc < 0)
        return rc;
    p->pos = (size_t)(qual + n + eol - p->buf);
    p->line += 4;
    return 1;
}

static int fastq_check_quality(hald_parser_t *p, hald_batch_t *b)
{
    const struct cur *c = &p->cur;
    if (c->q_end == c->seq_end)
        return 0;
    if (p->eof && p->last_nonl && c->q_end < c->seq_end)
        return fail_record(p, b, "truncated FASTQ record");
    char why[96];
    snprintf(why, sizeof why, "quality length %llu != sequence length %llu",
             (unsigned long long)c->q_end, (unsigned long long)c->seq_end);
    return fail_record(p, b, why);
}

static int fastq_record(hald_parser_t *p, hald_batch_t *b)
{
    int rc = fastq_fast(p, b);
    if (rc != 0)
        return rc;
    rc = skip_blank_lines(p);
    if (rc <= 0)
        return rc;
    if (p->buf[p->pos] != '@') {
        char why[96];
        snprintf(why, sizeof why, "expected '@' at the start of FASTQ record %llu",
                 (unsigned long long)(p->nrec + 1));
        return fail_line(p, why);
    }
    if ((rc = stream_line(p, b, K_HEADER)) < 0)
        return rc;
    static const enum line_kind rest[3] = {K_RAW_SEQ, K_PLUS, K_QUAL};
    for (int i = 0; i < 3; i++) {
        rc = stream_line(p, b, rest[i]);
        if (rc < 0)
            return rc;
        /* An empty quality line may be the unterminated last line. */
        if (rc == 0 && !(i == 2 && p->cur.seq_end == 0))
            return fail_record(p, b, "truncated FASTQ record");
    }
    if ((rc = fastq_check_quality(p, b)) < 0)
        return rc;
    rc = end_record(p, b);
    return rc < 0 ? rc : 1;
}

/* A clean line wholly in the buffer, as fasta_fast.  Returns 1 if the
 * record was added, 0 to let the general path take it, or a negative status. */
static int lines_fast(hald_parser_t *p, hald_batch_t *b)
{
    const char *s = p->buf + p->pos, *end = p->buf + p->len;
    size_t n = line_len(p, s, end);
    size_t eol = eol_len(s + n, end);
    if (n == 0 || eol == 0)
        return 0;
    char id[20];
    int rc = add_whole(p, b, id, u64_to_dec(id, p->line + 1), s, n);
    if (rc < 0)
        return rc;
    p->pos += n + eol;
    p->line++;
    return 1;
}

static int lines_record(hald_parser_t *p, hald_batch_t *b)
{
    int rc = lines_fast(p, b);
    if (rc != 0)
        return rc;
    rc = skip_blank_lines(p);
    if (rc <= 0)
        return rc;
    char id[20];
    if ((rc = begin_record(p, b, id, u64_to_dec(id, p->line + 1))) < 0)
        return rc;
    if ((rc = stream_line(p, b, K_RAW_SEQ)) < 0)
        return rc;
    if (p->cur.seq_end == 0) { /* a very long run of blanks after all */
        b->arena_len = p->cur.start;
        return 2;
    }
    rc = end_record(p, b);
    return rc < 0 ? rc : 1;
}

/* Skips leading blank lines, settles the format and checks the first byte. */
static int start(hald_parser_t *p)
{
    int rc = skip_blank_lines(p);
    if (rc <= 0)
        return rc;
    if (p->fmt == HALD_FORMAT_AUTO && !hald_format_detect(p->buf + p->pos, p->len - p->pos, &p->fmt))
        p->fmt = HALD_FORMAT_LINES;
    if (p->fmt == HALD_FORMAT_FASTA && p->buf[p->pos] != '>')
        return fail_line(p, "expected '>' at the start of a FASTA record");
    p->started = 1;
    return 1;
}

static int next_record(hald_parser_t *p, hald_batch_t *b)
{
    switch (p->fmt) {
    case HALD_FORMAT_FASTA: {
        int c, rc = peek(p, &c);
        if (rc < 0)
            return rc;
        return c == -1 ? 0 : fasta_record(p, b);
    }
    case HALD_FORMAT_FASTQ:
        return fastq_record(p, b);
    default:
        return lines_record(p, b);
    }
}

/* ---------------------------------------------------------------- API */

void hald_parser_opts_init(hald_parser_opts_t *o)
{
    o->format = HALD_FORMAT_AUTO;
    o->max_stored = 161;
    o->max_records = 8192;
    o->max_bytes = (size_t)4 << 20;
    o->first_record = 0;
    o->first_line = 1;
}

hald_parser_t *hald_parser_new(hald_reader_t *r, const hald_parser_opts_t *o,
                               hald_error_t *err)
{
    hald_parser_opts_t def;
    if (!o) {
        hald_parser_opts_init(&def);
        o = &def;
    }
    if (!r || o->max_records == 0 || o->max_records > INT_MAX ||
        (unsigned)o->format > HALD_FORMAT_LINES || o->first_line == 0) {
        hald_error_set(err, HALD_E_USAGE, "hald_parser_new: invalid arguments");
        return NULL;
    }
    hald_parser_t *p = calloc(1, sizeof *p);
    if (p)
        p->buf = malloc(PARSE_BUF);
    if (!p || !p->buf) {
        free(p);
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", hald_reader_name(r));
        return NULL;
    }
    p->r = r;
    p->owns_buf = 1;
    p->o = *o;
    p->fmt = o->format;
    p->cap = PARSE_BUF;
    p->nrec = o->first_record;
    p->line = o->first_line - 1;
    return p;
}

int hald_format_detect(const char *text, size_t len, hald_format_t *out)
{
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        *out = c == '>' ? HALD_FORMAT_FASTA : c == '@' ? HALD_FORMAT_FASTQ : HALD_FORMAT_LINES;
        return 1;
    }
    return 0;
}

hald_parser_t *hald_parser_from_memory(const char *text, size_t len, const char *name,
                                       const hald_parser_opts_t *o, hald_error_t *err)
{
    /* The whole text is the read buffer: no reader, no copy, and the end
     * of the stream is known from the start. */
    if (!o || o->max_records == 0 || o->max_records > INT_MAX ||
        (unsigned)o->format > HALD_FORMAT_LINES || o->first_line == 0) {
        hald_error_set(err, HALD_E_USAGE, "hald_parser_from_memory: invalid arguments");
        return NULL;
    }
    hald_parser_t *p = calloc(1, sizeof *p);
    if (!p) {
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", name);
        return NULL;
    }
    p->name = name;
    p->buf = (char *)(uintptr_t)text; /* never written: fill() stops at eof */
    p->cap = p->len = len;
    p->eof = 1;
    p->o = *o;
    p->fmt = o->format;
    p->nrec = o->first_record;
    p->line = o->first_line - 1;
    return p;
}

int hald_parser_next(hald_parser_t *p, hald_batch_t *b, hald_error_t *err)
{
    if (!p || !b)
        return hald_error_set(err, HALD_E_USAGE, "hald_parser_next: NULL argument");
    b->n = 0;
    b->arena_len = 0;
    b->first_index = p->nrec;
    int rc = 0;
    if (p->state == RUNNING && !p->started) {
        rc = start(p);
        if (rc == 0)
            p->state = AT_EOF;
    }
    while (rc >= 0 && p->state == RUNNING && b->n < p->o.max_records &&
           b->arena_len <= p->o.max_bytes) {
        rc = next_record(p, b);
        if (rc == 0)
            p->state = AT_EOF;
    }
    if (rc < 0)
        p->state = FAILED;
    if (p->state == FAILED) {
        b->n = 0;
        b->arena_len = 0;
        if (err)
            *err = p->saved;
        return p->saved.code;
    }
    return (int)b->n;
}

hald_format_t hald_parser_format(const hald_parser_t *p)
{
    return p ? p->fmt : HALD_FORMAT_AUTO;
}

uint64_t hald_parser_records(const hald_parser_t *p)
{
    return p ? p->nrec : 0;
}

uint64_t hald_parser_lines(const hald_parser_t *p)
{
    return p ? p->line : 0;
}

void hald_parser_free(hald_parser_t *p)
{
    if (!p)
        return;
    if (p->owns_buf)
        free(p->buf);
    free(p);
}

const char *hald_format_name(hald_format_t f)
{
    switch (f) {
    case HALD_FORMAT_AUTO:
        return "auto";
    case HALD_FORMAT_FASTA:
        return "fasta";
    case HALD_FORMAT_FASTQ:
        return "fastq";
    case HALD_FORMAT_LINES:
        return "lines";
    }
    return "unknown";
}

int hald_format_parse(const char *s, hald_format_t *out)
{
    static const hald_format_t all[] = {HALD_FORMAT_AUTO, HALD_FORMAT_FASTA,
                                        HALD_FORMAT_FASTQ, HALD_FORMAT_LINES};
    for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(s, hald_format_name(all[i])) == 0) {
            if (out)
                *out = all[i];
            return 0;
        }
    }
    return -1;
}
