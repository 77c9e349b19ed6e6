/* hald view: a binary score file back as TSV (ids are record numbers). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hald/numfmt.h"
#include "hald/output.h"
#include "hald/reader.h"
#include "hald/sink.h"

#define VIEW_RECORDS 8192

/* Reads exactly len bytes; returns bytes read (< len only at the end) or
 * a negative status. */
static long long read_full(hald_reader_t *r, void *buf, size_t len, hald_error_t *err)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = hald_reader_read(r, (char *)buf + got, len - got, err);
        if (n < 0)
            return n;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (long long)got;
}

static double get_f64(const uint8_t *p)
{
    uint64_t bits = 0;
    for (int i = 7; i >= 0; i--)
        bits = (bits << 8) | p[i];
    double x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

static int view_rows(hald_reader_t *in, const hald_bin_header_t *h, hald_sink_t *out,
                     hald_error_t *err)
{
    const char *name = hald_reader_name(in);
    size_t rec_bytes = 8u * h->n_models;
    uint8_t *raw = malloc(VIEW_RECORDS * rec_bytes);
    hald_buf_t text;
    hald_buf_init(&text);
    int rc = raw ? HALD_OK : hald_error_set(err, HALD_E_NOMEM, "out of memory");
    /* The header comes from the file's own model list, in its order. */
    if (rc == HALD_OK)
        rc = hald_buf_append(&text, "id", 2, err);
    for (uint32_t i = 0; i < h->n_models && rc == HALD_OK; i++) {
        const char *m = hald_model_name(h->models[i]);
        rc = hald_buf_append(&text, "\t", 1, err);
        if (rc == HALD_OK)
            rc = hald_buf_append(&text, m, strlen(m), err);
    }
    if (rc == HALD_OK)
        rc = hald_buf_append(&text, "\n", 1, err);
    uint64_t record = 0;
    while (rc == HALD_OK) {
        long long got = read_full(in, raw, VIEW_RECORDS * rec_bytes, err);
        if (got < 0) {
            rc = (int)got;
            break;
        }
        if (got % (long long)rec_bytes)
            rc = hald_error_set(err, HALD_E_INPUT, "%s: truncated: %lld stray bytes after record %llu",
                                name, got % (long long)rec_bytes,
                                (unsigned long long)(record + (uint64_t)got / rec_bytes));
        for (size_t i = 0; rc == HALD_OK && i < (size_t)got / rec_bytes; i++) {
            double s[HALD_N_MODELS];
            for (uint32_t j = 0; j < h->n_models; j++)
                s[j] = get_f64(raw + i * rec_bytes + 8 * j);
            char id[24];
            size_t id_len = hald_format_u64(++record, id);
            rc = hald_tsv_row(id, id_len, s, (int)h->n_models, &text, err);
        }
        if (rc == HALD_OK)
            rc = hald_sink_write(out, text.data, text.len, err);
        text.len = 0;
        if (got < (long long)(VIEW_RECORDS * rec_bytes))
            break;
    }
    if (rc == HALD_OK && h->n_records != HALD_BIN_UNKNOWN_COUNT && h->n_records != record)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: header says %llu records, file holds %llu (truncated?)",
                            name, (unsigned long long)h->n_records, (unsigned long long)record);
    free(raw);
    hald_buf_free(&text);
    return rc;
}

static int view_file(const char *path, const char *out_path, hald_error_t *err)
{
    hald_reader_t *in = hald_reader_open(path, err);
    if (!in)
        return err->code;
    uint8_t raw[HALD_BIN_HEADER_SIZE];
    hald_bin_header_t h;
    long long got = read_full(in, raw, sizeof raw, err);
    int rc = got < 0 ? (int)got : HALD_OK;
    if (rc == HALD_OK && got < (long long)sizeof raw)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: too short for a hald binary header (%lld bytes)",
                            hald_reader_name(in), got);
    if (rc == HALD_OK)
        rc = hald_bin_header_decode(raw, hald_reader_name(in), &h, err);
    hald_sink_t *out = rc == HALD_OK ? hald_sink_open(out_path, err) : NULL;
    if (rc == HALD_OK && !out)
        rc = err->code;
    if (rc == HALD_OK)
        rc = view_rows(in, &h, out, err);
    if (rc == HALD_OK) {
        rc = hald_sink_commit(out, err);
        out = NULL;
    }
    hald_sink_abort(out);
    hald_reader_close(in);
    return rc;
}

int cmd_view(cli_ctx_t *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = "-";
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (opt == 'o')
            out = optarg;
        else if (opt == 'h') {
            puts("Usage: hald view [--out PATH] FILE\n"
                 "Prints a binary score file (hald --out-format bin) as TSV; the id column\n"
                 "holds 1-based record numbers.  FILE may be compressed or '-'.");
            return 0;
        } else
            return EXIT_USAGE;
    }
    if (optind != argc - 1) {
        cli_error(c, "view: expected one FILE (see hald view --help)");
        return EXIT_USAGE;
    }
    hald_error_t err;
    hald_error_clear(&err);
    if (view_file(argv[optind], out, &err) != HALD_OK)
        return cli_fail(c, &err);
    return 0;
}
