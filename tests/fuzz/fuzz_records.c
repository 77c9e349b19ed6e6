/* The record parsers (FASTA, FASTQ, lines; auto-detected or forced).  The
 * parser over memory and the parser over a reader (1 MiB read buffer)
 * must give the same records, numbers and messages for any text.  The
 * first byte picks the format and the batch limits; with a filler of
 * valid records in front, the fuzzed bytes straddle the read buffer's
 * boundary, where the two parsers' paths differ. */
#include <string.h>

#include "hald/buf.h"
#include "hald/records.h"
#include "fuzz.h"

enum { READ_BUF = 1 << 20 };

static void put(hald_buf_t *b, const char *s, size_t n)
{
    FUZZ_CHECK(hald_buf_append(b, s, n, NULL) == HALD_OK);
}

/* One valid record of 64 bytes per format (AUTO reads lines). */
static const char *const record64[] = {
    "ACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACG\n",
    ">f\nACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGT\n",
    "@ff\nACGTACGTACGTACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIIIIIIIIIIIIIII\n",
    "ACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACG\n",
};

/* Valid records of the format, `target` bytes rounded down to 64. */
static void filler(hald_format_t fmt, size_t target, hald_buf_t *out)
{
    char *p = hald_buf_reserve(out, target, NULL);
    FUZZ_CHECK(p != NULL);
    for (size_t k = 0; k + 64 <= target; k += 64)
        memcpy(p + k, record64[fmt], 64);
    out->len += target / 64 * 64;
}

/* Every record from number `from` on, and the final status, as text. */
static void parse_all(hald_parser_t *p, const hald_error_t *open_err, uint64_t from,
                      hald_buf_t *out)
{
    if (!p) {
        put(out, open_err->msg, strlen(open_err->msg));
        return;
    }
    hald_batch_t b;
    hald_batch_init(&b);
    hald_error_t err;
    int rc;
    while ((rc = hald_parser_next(p, &b, &err)) > 0) {
        FUZZ_CHECK((size_t)rc == b.n);
        for (size_t i = 0; i < b.n; i++) {
            const hald_record_t *r = &b.records[i];
            FUZZ_CHECK(r->stored_len <= r->seq_len);
            if (b.first_index + i < from)
                continue;
            char head[96];
            int n = snprintf(head, sizeof head, "%llu %llu %llu ",
                             (unsigned long long)(b.first_index + i),
                             (unsigned long long)r->seq_len, (unsigned long long)r->stored_len);
            put(out, head, (size_t)n);
            put(out, r->id, r->id_len);
            put(out, " ", 1);
            put(out, r->seq, (size_t)r->stored_len);
            put(out, "\n", 1);
        }
    }
    char tail[96];
    int n = snprintf(tail, sizeof tail, "end %d records %llu lines %llu\n", rc < 0 ? -1 : rc,
                     (unsigned long long)hald_parser_records(p),
                     (unsigned long long)hald_parser_lines(p));
    put(out, tail, (size_t)n);
    if (rc < 0)
        put(out, err.msg, strlen(err.msg));
    hald_batch_free(&b);
    hald_parser_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    hald_parser_opts_t po;
    hald_parser_opts_init(&po);
    po.format = (hald_format_t)(data[0] & 3);
    po.max_records = data[0] & 4 ? 3 : 8192;
    po.max_stored = data[0] & 8 ? (uint64_t)1 << 20 : 161;
    po.first_record = data[0] & 16 ? 1000 : 0;
    po.first_line = data[0] & 16 ? 77 : 1;
    hald_buf_t text;
    hald_buf_init(&text);
    if (data[0] & 32) /* the fuzzed bytes straddle the read buffer's end */
        filler(po.format, READ_BUF - (size_t)(data[1] | data[2] << 8) % 4096, &text);
    /* The filler's records are all alike: only the last is compared. */
    uint64_t from = po.first_record + (text.len ? text.len / 64 - 1 : 0);
    put(&text, (const char *)data + 3, size - 3);

    hald_error_t err;
    hald_reader_t *r = hald_reader_from_memory(text.data ? text.data : "", text.len, "fuzz", &err);
    FUZZ_CHECK(r != NULL);
    hald_buf_t from_memory, from_reader;
    hald_buf_init(&from_memory);
    hald_buf_init(&from_reader);
    if (hald_reader_compression(r) == HALD_COMP_PLAIN) { /* else the texts differ */
        parse_all(hald_parser_from_memory(text.data ? text.data : "", text.len, "fuzz", &po, &err),
                  &err, from, &from_memory);
        parse_all(hald_parser_new(r, &po, &err), &err, from, &from_reader);
    }
    hald_reader_close(r);
    size_t same = 0;
    while (same < from_memory.len && same < from_reader.len &&
           from_memory.data[same] == from_reader.data[same])
        same++;
    if (same < from_memory.len || same < from_reader.len) {
        size_t at = same > 200 ? same - 200 : 0;
        fprintf(stderr, "memory: ...%.400s\nreader: ...%.400s\n", from_memory.data + at,
                from_reader.data + at);
        FUZZ_CHECK(!"the memory and reader parsers differ");
    }
    hald_buf_free(&text);
    hald_buf_free(&from_memory);
    hald_buf_free(&from_reader);
    return 0;
}
