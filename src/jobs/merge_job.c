/* hald merge as a job: the part source; a worker that takes each unit's
 * CRC-32 and counts its records, and turns binary blocks back into the
 * chunks the writers make; in order, the text written as it is, or the
 * chunks cut into blocks again by the writers' own blocker. */
#include "hald/merge_run.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hald/binfmt.h"
#include "../io/le.h"
#include "../runner/runner.h"
#include "../sources/part_source.h"

/* A sequence start whose unit had no NAME block for it. */
#define NO_NAME UINT64_MAX

typedef struct merge_unit {
    hald_part_unit_t in;     /* starts with the runner's hald_unit_t */
    uint64_t crc;            /* CRC-32 of the unit's bytes as they were read */
    uint64_t end_total;      /* binary: the end block's count, */
    uint64_t has_end;        /* when the unit holds it */
    /* Binary sites: where a sequence's records start in out, as u64 offset,
     * u64 index, u64 name length (NO_NAME), then the name, zero padded to 8.
     * The writer names a sequence before its first record, and only once,
     * though a sequence cut between two parts starts in both. */
    hald_buf_t starts;
} merge_unit_t;

static const hald_unit_field_t MERGE_FIELDS[] = {
    HALD_PART_UNIT_FIELDS(merge_unit_t, in),
    HALD_UNIT_U64(merge_unit_t, crc, HALD_TO_WRITER),
    HALD_UNIT_U64(merge_unit_t, end_total, HALD_TO_WRITER),
    HALD_UNIT_U64(merge_unit_t, has_end, HALD_TO_WRITER),
    HALD_UNIT_BUF(merge_unit_t, starts, HALD_TO_WRITER),
};

static const hald_unit_layout_t MERGE_LAYOUT = {
    sizeof(merge_unit_t), MERGE_FIELDS, sizeof MERGE_FIELDS / sizeof MERGE_FIELDS[0],
    offsetof(merge_unit_t, in.bytes),
};

static const char ZEROS[8] = {0};

static size_t pad8(uint64_t n) { return (size_t)((8 - n % 8) % 8); }

/* ================================================================ work */

/* A thread's memory, made and freed by the runner. */
typedef struct scratch {
    hald_buf_t names;        /* seq_name_t of the unit's NAME blocks, by index */
    size_t looked;           /* names before this one name sequences already started */
} scratch_t;

typedef struct seq_name {
    uint64_t index;
    const char *name;        /* in the unit's bytes */
    size_t len;
} seq_name_t;

static void swap_bufs(hald_buf_t *a, hald_buf_t *b)
{
    hald_buf_t t = *a;
    *a = *b;
    *b = t;
}

/* Text: the rows after the header, and the bytes without it. */
static void text_work(merge_unit_t *u)
{
    hald_buf_t *b = &u->in.bytes;
    size_t skip = u->in.skip < b->len ? (size_t)u->in.skip : b->len;
    const char *p = b->data ? b->data + skip : NULL, *end = hald_buf_end(b);
    while (p && p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        u->in.base.items++;
        p++;
    }
    if (skip)
        memmove(b->data, b->data + skip, b->len - skip);
    b->len -= skip;
    swap_bufs(b, &u->in.base.out); /* the bytes are the output: no copy */
}

static int bad_payload(uint64_t at, const char *what, hald_error_t *err)
{
    return hald_error_set(err, HALD_E_INPUT, "block at byte offset %llu: %s", (unsigned long long)at, what);
}

/* A NAME block's "index<TAB>name" lines, kept for the unit's sites. */
static int keep_names(scratch_t *s, const hald_bin_block_t *b, const char *p,
                      uint64_t at, hald_error_t *err)
{
    const char *end = p + b->bytes;
    for (uint32_t i = 0; i < b->count; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *tab = nl ? memchr(p, '\t', (size_t)(nl - p)) : NULL;
        char *num_end;
        uint64_t index = tab ? strtoull(p, &num_end, 10) : 0;
        if (!tab || *p < '0' || *p > '9' || num_end != tab)
            return bad_payload(at, "a NAME line that is not index<TAB>name", err);
        seq_name_t e = {index, tab + 1, (size_t)(nl - tab - 1)};
        if (hald_buf_append(&s->names, &e, sizeof e, err) != HALD_OK)
            return err->code;
        p = nl + 1;
    }
    return HALD_OK;
}

/* Where sequence `index` starts in out, with its name when the unit has it
 * (sequences start in index order, as NAME blocks list them). */
static int add_start(merge_unit_t *u, scratch_t *s, uint64_t index, hald_error_t *err)
{
    const seq_name_t *names = (const seq_name_t *)(void *)s->names.data, *e = NULL;
    size_t n = s->names.len / sizeof *names;
    while (s->looked < n && names[s->looked].index < index)
        s->looked++;
    if (s->looked < n && names[s->looked].index == index)
        e = &names[s->looked];
    uint8_t head[24];
    hald_put_le64(head, u->in.base.out.len);
    hald_put_le64(head + 8, index);
    hald_put_le64(head + 16, e ? e->len : NO_NAME);
    if (hald_buf_append(&u->starts, head, sizeof head, err) != HALD_OK ||
        (e && e->len && hald_buf_append(&u->starts, e->name, e->len, err) != HALD_OK) ||
        (e && hald_buf_append(&u->starts, ZEROS, pad8(e->len), err) != HALD_OK))
        return err->code;
    return HALD_OK;
}

/* Bytes of the first m '\n'-ended names at p (before end); -1: fewer. */
static int names_span(const char *p, const char *end, uint64_t m, size_t *len)
{
    const char *q = p;
    for (uint64_t i = 0; i < m; i++) {
        const char *nl = q < end ? memchr(q, '\n', (size_t)(end - q)) : NULL;
        if (!nl)
            return -1;
        q = nl + 1;
    }
    *len = (size_t)(q - p);
    return 0;
}

/* n records and their names as one chunk (hald_bin_chunk_begin): what a
 * run's worker hands its writer. */
static int put_chunk(hald_buf_t *out, const char *recs, size_t rec_bytes, uint64_t n,
                     const char *names, size_t names_len, hald_error_t *err)
{
    size_t at = hald_bin_chunk_begin(out, err);
    if (at == SIZE_MAX)
        return err->code;
    if (rec_bytes && hald_buf_append(out, recs, rec_bytes, err) != HALD_OK)
        return err->code;
    size_t names_at = out->len;
    if (names_len && hald_buf_append(out, names, names_len, err) != HALD_OK)
        return err->code;
    return hald_bin_chunk_end(out, at, n, names_at, err);
}

/* Sites: a chunk per run of one sequence's records, each run that starts
 * another sequence than the one before noted in starts.  names_end: the
 * end of the block's site names (names itself when they have none). */
static int site_chunks(merge_unit_t *u, scratch_t *s, const char *recs, uint64_t n,
                       const char *names, const char *names_end, int64_t *prev, hald_error_t *err)
{
    size_t rec = (size_t)u->in.record_size;
    for (uint64_t i = 0; i < n;) {
        uint64_t index = hald_get_le32(recs + i * rec), j = i + 1;
        while (j < n && hald_get_le32(recs + j * rec) == index)
            j++;
        size_t span = 0;
        if (u->in.named)
            names_span(names, names_end, j - i, &span); /* the block holds them all */
        int rc = (int64_t)index != *prev ? add_start(u, s, index, err) : HALD_OK;
        if (rc == HALD_OK)
            rc = put_chunk(&u->in.base.out, recs + i * rec, (size_t)(j - i) * rec, j - i, names, span, err);
        if (rc != HALD_OK)
            return rc;
        *prev = (int64_t)index;
        names += span;
        i = j;
    }
    return HALD_OK;
}

/* A ROWS or SITE block: its payload (records, names, zero padding) is a
 * chunk's body already. */
static int record_block(merge_unit_t *u, scratch_t *s, const hald_bin_block_t *b,
                        const char *payload, uint64_t at, int64_t *prev, hald_error_t *err)
{
    size_t rec_bytes = (size_t)b->count * (size_t)u->in.record_size, names_len = 0;
    const char *names = payload + rec_bytes;
    if ((!u->in.sites || u->in.named) &&
        names_span(names, payload + b->bytes, b->count, &names_len) != 0)
        return bad_payload(at, "fewer names than records", err);
    if (rec_bytes + names_len + pad8(rec_bytes + names_len) != b->bytes)
        return bad_payload(at, "a payload size that does not match its records", err);
    u->in.base.items += b->count;
    if (u->in.sites)
        return site_chunks(u, s, payload, b->count, names, names + names_len, prev, err);
    return put_chunk(&u->in.base.out, payload, rec_bytes, b->count, names, names_len, err);
}

/* Binary: whole blocks (heads checked by the source) back into chunks. */
static void bin_work(merge_unit_t *u, scratch_t *s)
{
    hald_error_t *err = &u->in.base.err;
    const char *p = u->in.bytes.data + u->in.skip, *end = hald_buf_end(&u->in.bytes);
    uint64_t at = u->in.offset + u->in.skip;
    int64_t prev = -1; /* the sequence of the unit's last site so far */
    s->names.len = 0;
    s->looked = 0;
    while (end - p >= (ptrdiff_t)HALD_BIN_BLOCK_HEAD) {
        hald_bin_block_t b;
        hald_bin_block_decode((const uint8_t *)p, &b);
        const char *payload = p + HALD_BIN_BLOCK_HEAD;
        int rc = HALD_OK;
        if (b.type == HALD_BLOCK_NAME) {
            rc = keep_names(s, &b, payload, at, err);
        } else if (b.type == HALD_BLOCK_END) {
            u->end_total = hald_get_le64(payload);
            u->has_end = 1;
        } else {
            rc = record_block(u, s, &b, payload, at, &prev, err);
        }
        if (rc != HALD_OK)
            return;
        p = payload + b.bytes;
        at += HALD_BIN_BLOCK_HEAD + b.bytes;
    }
}

static void merge_work(const void *shared, void *unit, void *scratch)
{
    (void)shared;
    merge_unit_t *u = unit;
    u->crc = crc32_z(0, (const Bytef *)u->in.bytes.data, u->in.bytes.len);
    if (u->in.format == HALD_MERGE_BIN)
        bin_work(u, scratch);
    else
        text_work(u);
}

/* ================================================================ writing */

typedef struct merge_job {
    hald_part_src_t *src;
    const hald_merge_part_t *parts;
    hald_merge_format_t format;
    hald_sink_t *out;
    hald_bin_blocker_t blocks;  /* binary: the records into blocks again */
    int64_t named;              /* binary sites: the last sequence named */
    hald_buf_t seg;             /* chunks of a unit between two sequence starts */
    hald_buf_t name;            /* a sequence name, NUL-terminated */
    /* The part being taken. */
    uint32_t crc;
    uint64_t records, end_total;
} merge_job_t;

static int merge_next(void *ctx, void *unit, hald_error_t *err)
{
    merge_job_t *j = ctx;
    return hald_part_src_next(j->src, &((merge_unit_t *)unit)->in, err);
}

/* Chunks [from, to) of out, through a buffer the blocker may keep. */
static int put_range(merge_job_t *j, const hald_buf_t *out, size_t from, size_t to, hald_error_t *err)
{
    if (from == to)
        return HALD_OK;
    j->seg.len = 0;
    if (hald_buf_append(&j->seg, out->data + from, to - from, err) != HALD_OK)
        return err->code;
    return hald_bin_blocker_put(&j->blocks, &j->seg, err);
}

/* A NAME entry for sequence index, unless it is the one named last: the
 * run that writes the whole file names each sequence once. */
static int name_sequence(merge_job_t *j, const hald_merge_part_t *p, uint64_t index,
                         const char *name, uint64_t len, hald_error_t *err)
{
    if ((int64_t)index == j->named)
        return HALD_OK;
    if (len == NO_NAME)
        return hald_error_set(err, HALD_E_INPUT, "%s: sites of sequence %llu before a NAME block names it",
                              p->path, (unsigned long long)index);
    j->name.len = 0;
    if (hald_buf_append(&j->name, name, (size_t)len, err) != HALD_OK ||
        hald_buf_append(&j->name, "", 1, err) != HALD_OK)
        return err->code;
    j->named = (int64_t)index;
    return hald_bin_blocker_name(&j->blocks, index, j->name.data, err);
}

/* A unit's chunks to the blocker, each sequence named before its first
 * record.  Without a sequence start inside it, out goes as it is. */
static int put_blocks(merge_job_t *j, merge_unit_t *u, const hald_merge_part_t *p, hald_error_t *err)
{
    hald_buf_t *out = &u->in.base.out;
    const char *e = u->starts.data, *end = hald_buf_end(&u->starts);
    size_t pos = 0;
    while (e && end - e >= 24) {
        uint64_t at = hald_get_le64(e), index = hald_get_le64(e + 8), len = hald_get_le64(e + 16);
        const char *name = e + 24;
        e = name + (len == NO_NAME ? 0 : len + pad8(len));
        int rc = put_range(j, out, pos, (size_t)at, err);
        if (rc == HALD_OK)
            rc = name_sequence(j, p, index, name, len, err);
        if (rc != HALD_OK)
            return rc;
        pos = (size_t)at;
    }
    return pos == 0 ? hald_bin_blocker_put(&j->blocks, out, err) : put_range(j, out, pos, out->len, err);
}

/* The part's last unit is taken: it must be what its run wrote. */
static int part_done(merge_job_t *j, const hald_merge_part_t *p, hald_error_t *err)
{
    int rc = HALD_OK;
    if (j->crc != p->crc32)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: CRC-32 %08x, but its run wrote %08x: changed since it was written",
                            p->path, j->crc, p->crc32);
    else if (j->format == HALD_MERGE_BIN && j->end_total != j->records)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: its end block counts %llu records, its blocks hold %llu",
                            p->path, (unsigned long long)j->end_total, (unsigned long long)j->records);
    else if (p->records != HALD_MERGE_UNCOUNTED && j->records != p->records)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: %llu records, but its run wrote %llu", p->path,
                            (unsigned long long)j->records, (unsigned long long)p->records);
    j->crc = 0;
    j->records = j->end_total = 0;
    return rc;
}

static int merge_take(void *ctx, void *unit, hald_error_t *err)
{
    merge_job_t *j = ctx;
    merge_unit_t *u = unit;
    const hald_merge_part_t *p = &j->parts[u->in.part];
    const hald_error_t *e = &u->in.base.err;
    if (e->code != HALD_OK && u->in.base.rank != 0)
        return hald_error_set(err, e->code, "rank %d: %s: %.*s", u->in.base.rank, p->path,
                              HALD_ERROR_MSG_MAX / 2, e->msg);
    if (e->code != HALD_OK)
        return hald_error_set(err, e->code, "%s: %.*s", p->path, HALD_ERROR_MSG_MAX / 2, e->msg);
    j->crc = (uint32_t)crc32_combine(j->crc, (uLong)u->crc, (z_off_t)u->in.length);
    j->records += u->in.base.items;
    if (u->has_end)
        j->end_total = u->end_total;
    hald_buf_t *out = &u->in.base.out;
    int rc = HALD_OK;
    if (j->format == HALD_MERGE_BIN)
        rc = put_blocks(j, u, p, err);
    else if (out->len)
        rc = hald_sink_write(j->out, out->data, out->len, err);
    return rc == HALD_OK && u->in.last ? part_done(j, p, err) : rc;
}

static int merge_finish(void *ctx, hald_run_stats_t *stats, hald_error_t *err)
{
    merge_job_t *j = ctx;
    (void)stats;
    return j->format == HALD_MERGE_BIN ? hald_bin_blocker_finish(&j->blocks, err) : HALD_OK;
}

static uint64_t merge_bytes_in(const void *ctx)
{
    return hald_part_src_bytes_in(((const merge_job_t *)ctx)->src);
}

/* The header once, and for binary parts the blocker of their kind. */
static int begin_output(merge_job_t *j, hald_error_t *err)
{
    size_t len;
    const char *head = hald_part_src_header(j->src, &len);
    int rc = len ? hald_sink_write(j->out, head, len, err) : HALD_OK;
    if (rc == HALD_OK && j->format == HALD_MERGE_BIN) {
        const hald_bin_header_t *h = hald_part_src_bin_header(j->src);
        hald_bin_blocker_init(&j->blocks, j->out, h->kind == HALD_BIN_SITES ? HALD_BLOCK_SITE : HALD_BLOCK_ROWS,
                              h->record_size);
    }
    return rc;
}

int hald_merge_run(const hald_merge_part_t *parts, size_t n, hald_merge_format_t format,
                   hald_sink_t *out, const hald_run_env_t *env, hald_run_stats_t *st,
                   hald_error_t *err)
{
    hald_job_t job = {
        .task = "merge",
        .items_name = "records",
        .layout = &MERGE_LAYOUT,
        .next = merge_next,
        .work = merge_work,
        .take = merge_take,
        .finish = merge_finish,
        .scratch_size = sizeof(scratch_t),
        .scratch_bufs = 1,
        .bytes_in = merge_bytes_in,
    };
    memset(st, 0, sizeof *st);
    if (hald_mpi_rank(env->mpi) != 0)
        return hald_runner_run(&job, env, st, err);
    merge_job_t j;
    memset(&j, 0, sizeof j);
    j.parts = parts;
    j.format = format;
    j.out = out;
    j.named = -1;
    int rc = (j.src = hald_part_src_open(parts, n, format, err)) ? HALD_OK : err->code;
    if (rc == HALD_OK)
        rc = begin_output(&j, err);
    if (rc == HALD_OK) {
        job.ctx = &j;
        job.bytes_total = hald_part_src_bytes_total(j.src);
        rc = hald_runner_run(&job, env, st, err);
    }
    hald_bin_blocker_free(&j.blocks);
    hald_buf_free(&j.seg);
    hald_buf_free(&j.name);
    hald_part_src_close(j.src);
    return rc;
}
