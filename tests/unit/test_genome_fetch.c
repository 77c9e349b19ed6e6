/* A genome FASTA by sequence name: the same bases from plain, gzip, zstd
 * and bgzip files, indexed or not, in any order of asking; ranges clipped;
 * streams that cannot go back; indexes that do not fit their FASTA; no
 * file ever written beside the input; and the region parser. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

/* The test builds its bgzip files and indexes with htslib itself, so that
 * it needs neither bgzip nor samtools. */
#include <htslib/bgzf.h>
#include <htslib/faidx.h>

#include "../../src/sources/genome_fetch.h"
#include "../../src/sources/region.h"

/* ------------------------------------------------------------- the genome */

enum { N_SEQ = 4 };

typedef struct genome {
    const char *name[N_SEQ];
    size_t width[N_SEQ];      /* bases per line, 0: one line */
    char *bases[N_SEQ];
    size_t len[N_SEQ];
    char *text;               /* as FASTA */
    size_t text_len;
} genome_t;

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* chr1 spans several 64 KiB BGZF blocks; soft-masked stretches and N runs
 * must come back as they are; "empty" has no bases. */
static void make_genome(genome_t *g)
{
    static const char *names[N_SEQ] = {"chr1", "chr2", "empty", "chr3"};
    static const size_t lens[N_SEQ] = {200000, 1000, 0, 5003};
    static const size_t widths[N_SEQ] = {60, 70, 60, 0};
    uint64_t r = 42;
    size_t cap = 0;
    for (int i = 0; i < N_SEQ; i++) {
        g->name[i] = names[i];
        g->len[i] = lens[i];
        g->width[i] = widths[i];
        g->bases[i] = malloc(lens[i] + 1);
        assert_non_null(g->bases[i]);
        for (size_t k = 0; k < lens[i]; k++)
            g->bases[i][k] = "ACGT"[next_rand(&r) & 3];
        for (size_t k = 500; k + 1050 < lens[i]; k += 7000) {
            for (size_t j = k; j < k + 300; j++)
                g->bases[i][j] = (char)(g->bases[i][j] | 0x20);
            memset(g->bases[i] + k + 1000, 'N', 50);
        }
        g->bases[i][lens[i]] = '\0';
        cap += lens[i] + lens[i] / 50 + 64;
    }
    g->text = malloc(cap);
    assert_non_null(g->text);
    size_t n = 0;
    for (int i = 0; i < N_SEQ; i++) {
        n += (size_t)sprintf(g->text + n, ">%s%s\n", names[i], i == 1 ? " a description" : "");
        size_t w = widths[i] ? widths[i] : lens[i];
        for (size_t k = 0; k < lens[i]; k += w) {
            size_t m = lens[i] - k < w ? lens[i] - k : w;
            memcpy(g->text + n, g->bases[i] + k, m);
            n += m;
            g->text[n++] = '\n';
        }
    }
    g->text_len = n;
}

static void free_genome(genome_t *g)
{
    for (int i = 0; i < N_SEQ; i++)
        free(g->bases[i]);
    free(g->text);
}

typedef struct fixture {
    char dir[64];
    genome_t g;
} fixture_t;

static int make_dir(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/hald-fetch-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    make_genome(&f->g);
    *state = f;
    return 0;
}

static int remove_dir(void **state)
{
    fixture_t *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free_genome(&f->g);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* ------------------------------------------------------------- files */

static void path_of(const fixture_t *f, const char *name, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", f->dir, name);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(p, 1, n, out), n);
    assert_int_equal(fclose(out), 0);
}

static void write_plain(const fixture_t *f, const char *name, char *path, size_t cap)
{
    path_of(f, name, path, cap);
    write_bytes(path, f->g.text, f->g.text_len);
}

static void write_gzip(const fixture_t *f, const char *name, char *path, size_t cap)
{
    path_of(f, name, path, cap);
    gzFile out = gzopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(gzwrite(out, f->g.text, (unsigned)f->g.text_len), (int)f->g.text_len);
    assert_int_equal(gzclose(out), Z_OK);
}

static void write_zstd(const fixture_t *f, const char *name, char *path, size_t cap)
{
    path_of(f, name, path, cap);
    size_t bound = ZSTD_compressBound(f->g.text_len);
    char *z = malloc(bound);
    assert_non_null(z);
    size_t n = ZSTD_compress(z, bound, f->g.text, f->g.text_len, 3);
    assert_false(ZSTD_isError(n));
    write_bytes(path, z, n);
    free(z);
}

static void write_bgzip(const fixture_t *f, const char *name, char *path, size_t cap)
{
    path_of(f, name, path, cap);
    BGZF *out = bgzf_open(path, "w");
    assert_non_null(out);
    assert_int_equal(bgzf_write(out, f->g.text, f->g.text_len), (ssize_t)f->g.text_len);
    assert_int_equal(bgzf_close(out), 0);
}

/* PATH.fai (and PATH.gzi for bgzip), as `samtools faidx` makes them. */
static void index_fasta(const char *path)
{
    assert_int_equal(fai_build3(path, NULL, NULL), 0);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The names in dir, sorted, as one string. */
static void list_dir(const char *dir, char *out, size_t cap)
{
    char names[64][256];
    int n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64)
        snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], by_name);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        strncat(out, names[i], cap - strlen(out) - 1);
        strncat(out, "\n", cap - strlen(out) - 1);
    }
}

/* ------------------------------------------------------------- checks */

static void expect_seq(hald_genome_fetch_t *g, const genome_t *gen, int i)
{
    hald_buf_t seq;
    hald_buf_init(&seq);
    assert_int_equal(hald_buf_append(&seq, "junk", 4, NULL), HALD_OK); /* replaced */
    hald_error_t err;
    int rc = hald_genome_fetch_seq(g, gen->name[i], &seq, &err);
    if (rc != 1)
        fail_msg("%s: %s", gen->name[i], rc < 0 ? err.msg : "absent");
    assert_int_equal(seq.len, gen->len[i]);
    if (gen->len[i])
        assert_memory_equal(seq.data, gen->bases[i], gen->len[i]);
    hald_buf_free(&seq);
}

static void expect_absent(hald_genome_fetch_t *g, const char *name)
{
    hald_buf_t seq;
    hald_buf_init(&seq);
    hald_error_t err;
    assert_int_equal(hald_genome_fetch_seq(g, name, &seq, &err), 0);
    hald_buf_free(&seq);
}

/* Asks for every sequence out of order, some twice, and for absent ones.
 * An index has no empty sequences (htslib leaves them out of the .fai). */
static void fetch_out_of_order(hald_genome_fetch_t *g, const genome_t *gen)
{
    expect_seq(g, gen, 1);
    expect_seq(g, gen, 0); /* behind: reopened or read at random */
    expect_seq(g, gen, 3);
    expect_absent(g, "chrX");
    if (hald_genome_fetch_indexed(g))
        expect_absent(g, "empty");
    else
        expect_seq(g, gen, 2);
    expect_seq(g, gen, 1);
    expect_absent(g, "chr");
    expect_absent(g, "chr1 ");
    expect_seq(g, gen, 3);
    expect_seq(g, gen, 3);
    assert_true(hald_genome_fetch_bytes_in(g) > 0);
}

static void expect_range(hald_genome_fetch_t *g, const genome_t *gen, int i, uint64_t beg,
                         uint64_t end)
{
    hald_buf_t seq;
    hald_buf_init(&seq);
    hald_error_t err;
    uint64_t len = 0;
    int rc = hald_genome_fetch_range(g, gen->name[i], beg, end, &seq, &len, &err);
    if (rc != 1)
        fail_msg("%s:%llu-%llu: %s", gen->name[i], (unsigned long long)beg,
                 (unsigned long long)end, rc < 0 ? err.msg : "absent");
    assert_int_equal(len, gen->len[i]);
    uint64_t e = end < gen->len[i] ? end : gen->len[i];
    uint64_t want = beg < e ? e - beg : 0;
    assert_int_equal(seq.len, want);
    if (want)
        assert_memory_equal(seq.data, gen->bases[i] + beg, want);
    hald_buf_free(&seq);
}

static void check_ranges(hald_genome_fetch_t *g, const genome_t *gen)
{
    expect_range(g, gen, 0, 0, 10);
    expect_range(g, gen, 0, 59, 61);                /* across a line end */
    expect_range(g, gen, 0, 65000, 140000);         /* across BGZF blocks */
    expect_range(g, gen, 0, 199990, 300000);        /* clipped at the end */
    expect_range(g, gen, 0, 250000, 260000);        /* past the end: empty */
    expect_range(g, gen, 0, 10, 10);
    expect_range(g, gen, 0, 20, 10);
    expect_range(g, gen, 1, 0, UINT64_MAX);
    expect_range(g, gen, 3, 4990, 5003);
    expect_range(g, gen, 0, 0, UINT64_MAX);
    hald_buf_t seq;
    hald_buf_init(&seq);
    hald_error_t err;
    uint64_t len = 7, index = 9;
    assert_int_equal(hald_genome_fetch_range(g, "chrX", 0, 10, &seq, &len, &err), 0);
    assert_int_equal(hald_genome_fetch_length(g, "chr3", &len, &index, &err), 1);
    assert_int_equal(len, 5003);
    assert_int_equal(index, 2); /* "empty" is not in the index */
    assert_int_equal(hald_genome_fetch_length(g, "chrX", &len, NULL, &err), 0);
    hald_buf_free(&seq);
}

/* Not indexed: ranges are a usage error that says how to index. */
static void expect_no_ranges(hald_genome_fetch_t *g, const char *hint)
{
    hald_buf_t seq;
    hald_buf_init(&seq);
    hald_error_t err;
    uint64_t len;
    assert_int_equal(hald_genome_fetch_indexed(g), 0);
    assert_int_equal(hald_genome_fetch_range(g, "chr1", 0, 10, &seq, &len, &err), HALD_E_USAGE);
    if (!strstr(err.msg, hint))
        fail_msg("'%s' lacks '%s'", err.msg, hint);
    assert_int_equal(hald_genome_fetch_length(g, "chr1", &len, NULL, &err), HALD_E_USAGE);
    hald_buf_free(&seq);
}

static hald_genome_fetch_t *open_ok(const char *path)
{
    hald_error_t err;
    hald_genome_fetch_t *g = hald_genome_fetch_open(path, &err);
    if (!g)
        fail_msg("%s", err.msg);
    return g;
}

/* ------------------------------------------------------------- indexed */

static void test_plain_indexed(void **state)
{
    fixture_t *f = *state;
    char path[256];
    write_plain(f, "g.fa", path, sizeof path);
    index_fasta(path);
    hald_genome_fetch_t *g = open_ok(path);
    assert_int_equal(hald_genome_fetch_indexed(g), 1);
    assert_int_equal(hald_genome_fetch_bytes_total(g), f->g.text_len);
    fetch_out_of_order(g, &f->g);
    check_ranges(g, &f->g);
    hald_genome_fetch_close(g);
}

static void test_bgzip_indexed(void **state)
{
    fixture_t *f = *state;
    char path[256], listing[4096];
    write_bgzip(f, "g.fa.gz", path, sizeof path);
    index_fasta(path);
    list_dir(f->dir, listing, sizeof listing);
    assert_string_equal(listing, ".\n..\ng.fa.gz\ng.fa.gz.fai\ng.fa.gz.gzi\n");
    hald_genome_fetch_t *g = open_ok(path);
    assert_int_equal(hald_genome_fetch_indexed(g), 1);
    fetch_out_of_order(g, &f->g);
    check_ranges(g, &f->g);
    hald_genome_fetch_close(g);
}

/* ------------------------------------------------------------- streams */

static void test_streams(void **state)
{
    fixture_t *f = *state;
    char path[256];
    struct {
        const char *name;
        void (*write)(const fixture_t *, const char *, char *, size_t);
        const char *hint;
    } forms[] = {
        {"plain.fa", write_plain, "samtools faidx"},
        {"gzip.fa.gz", write_gzip, "bgzip -i"},
        {"zstd.fa.zst", write_zstd, "bgzip -i"},
        {"bgzip.fa.gz", write_bgzip, "samtools faidx"},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        forms[i].write(f, forms[i].name, path, sizeof path);
        hald_genome_fetch_t *g = open_ok(path);
        expect_no_ranges(g, forms[i].hint);
        fetch_out_of_order(g, &f->g);
        hald_genome_fetch_close(g);
    }
}

/* Indexes that cannot serve: a gzip (not bgzip) file with a .fai, a bgzip
 * file with a .fai but no .gzi.  Read as streams; ranges say why. */
static void test_unusable_index(void **state)
{
    fixture_t *f = *state;
    char plain[256], path[256], fai[300];
    write_plain(f, "p.fa", plain, sizeof plain);
    index_fasta(plain);
    snprintf(fai, sizeof fai, "%s.fai", plain);
    FILE *in = fopen(fai, "rb");
    assert_non_null(in);
    char text[512];
    size_t n = fread(text, 1, sizeof text, in);
    fclose(in);

    write_gzip(f, "z.fa.gz", path, sizeof path);
    snprintf(fai, sizeof fai, "%s.fai", path);
    write_bytes(fai, text, n);
    hald_genome_fetch_t *g = open_ok(path);
    expect_no_ranges(g, "not bgzip");
    fetch_out_of_order(g, &f->g);
    hald_genome_fetch_close(g);

    write_bgzip(f, "b.fa.gz", path, sizeof path);
    snprintf(fai, sizeof fai, "%s.fai", path);
    write_bytes(fai, text, n); /* the same offsets: a .fai is of the text */
    g = open_ok(path);
    expect_no_ranges(g, "bgzip -r");
    fetch_out_of_order(g, &f->g);
    hald_genome_fetch_close(g);
}

/* A stream that cannot be read again (stdin, a pipe): in order it works;
 * a sequence behind is an error that says to index the FASTA. */
static void test_stream_once(void **state)
{
    fixture_t *f = *state;
    const genome_t *gen = &f->g;
    hald_error_t err;
    hald_buf_t seq;
    hald_buf_init(&seq);

    hald_reader_t *r = hald_reader_from_memory(gen->text, gen->text_len, "stdin", &err);
    assert_non_null(r);
    hald_genome_fetch_t *g = hald_genome_fetch_open_reader(r, &err);
    assert_non_null(g);
    expect_no_ranges(g, "index");
    expect_seq(g, gen, 0);
    expect_seq(g, gen, 2); /* skipping chr2 */
    assert_true(hald_genome_fetch_seq(g, "chr2", &seq, &err) < 0);
    assert_non_null(strstr(err.msg, "chr2"));
    assert_non_null(strstr(err.msg, "order"));
    assert_non_null(strstr(err.msg, "samtools faidx"));
    expect_seq(g, gen, 3);
    expect_absent(g, "chrX"); /* every name has been met */
    assert_true(hald_genome_fetch_seq(g, "chr3", &seq, &err) < 0); /* read already */
    hald_genome_fetch_close(g);
    hald_reader_close(r);

    /* An absent name reads to the end; then everything is behind. */
    r = hald_reader_from_memory(gen->text, gen->text_len, "stdin", &err);
    assert_non_null(r);
    g = hald_genome_fetch_open_reader(r, &err);
    assert_non_null(g);
    expect_absent(g, "chrX");
    assert_true(hald_genome_fetch_seq(g, "chr1", &seq, &err) < 0);
    hald_genome_fetch_close(g);
    hald_reader_close(r);
    hald_buf_free(&seq);
}

/* Nothing is ever written beside the input, indexed or not. */
static void test_no_files_created(void **state)
{
    fixture_t *f = *state;
    char path[256], before[4096], after[4096];
    write_plain(f, "a.fa", path, sizeof path);
    write_bgzip(f, "b.fa.gz", path, sizeof path);
    write_bgzip(f, "c.fa.gz", path, sizeof path);
    index_fasta(path);
    snprintf(path, sizeof path, "%s/c.fa.gz.gzi", f->dir);
    assert_int_equal(remove(path), 0); /* c: a .fai without its .gzi */
    list_dir(f->dir, before, sizeof before);
    static const char *names[] = {"a.fa", "b.fa.gz", "c.fa.gz"};
    for (int i = 0; i < 3; i++) {
        path_of(f, names[i], path, sizeof path);
        hald_genome_fetch_t *g = open_ok(path);
        assert_int_equal(hald_genome_fetch_indexed(g), 0);
        fetch_out_of_order(g, &f->g);
        hald_genome_fetch_close(g);
    }
    list_dir(f->dir, after, sizeof after);
    assert_string_equal(before, after);
}

/* ------------------------------------------------------------- stale indexes */

/* Opens path and fetches every sequence: the first error's message. */
static int first_error(const char *path, hald_error_t *err)
{
    hald_genome_fetch_t *g = hald_genome_fetch_open(path, err);
    if (!g)
        return err->code;
    static const char *names[] = {"chr1", "chr2", "chr3"};
    hald_buf_t seq;
    hald_buf_init(&seq);
    uint64_t len;
    int rc = HALD_OK;
    for (int i = 0; i < 3 && rc >= 0; i++)
        rc = hald_genome_fetch_range(g, names[i], 0, 100, &seq, &len, err);
    if (rc >= 0) /* in chr1's second 64 KiB block */
        rc = hald_genome_fetch_range(g, "chr1", 140000, 140100, &seq, &len, err);
    hald_buf_free(&seq);
    hald_genome_fetch_close(g);
    return rc < 0 ? rc : HALD_OK;
}

/* Opening path or reading it fails with a message that names `file`
 * and says `what`. */
static void expect_stale(const char *path, const char *file, const char *what)
{
    hald_error_t err;
    int rc = first_error(path, &err);
    if (rc >= 0)
        fail_msg("%s: no error", path);
    if (!strstr(err.msg, what) || !strstr(err.msg, file))
        fail_msg("'%s' lacks '%s' or '%s'", err.msg, what, file);
}

static void write_text(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text));
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    assert_non_null(in);
    assert_int_equal(fseek(in, 0, SEEK_END), 0);
    long n = ftell(in);
    rewind(in);
    char *p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, in), (size_t)n);
    fclose(in);
    write_bytes(to, p, (size_t)n);
    free(p);
}

static void test_stale_index(void **state)
{
    fixture_t *f = *state;
    char path[256], fai[300], other[256], gzi[300];

    /* The FASTA changed after indexing: one more sequence in front. */
    write_plain(f, "a.fa", path, sizeof path);
    index_fasta(path);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    fprintf(out, ">new\nACGT\n");
    assert_int_equal(fwrite(f->g.text, 1, f->g.text_len, out), f->g.text_len);
    assert_int_equal(fclose(out), 0);
    snprintf(fai, sizeof fai, "%s.fai", path);
    expect_stale(path, fai, "is stale or belongs to another file");

    /* Cut short. */
    write_plain(f, "b.fa", path, sizeof path);
    index_fasta(path);
    assert_int_equal(truncate(path, 100000), 0);
    snprintf(fai, sizeof fai, "%s.fai", path);
    expect_stale(path, fai, "past the end");

    /* Not an index, or a FASTQ one. */
    write_plain(f, "c.fa", path, sizeof path);
    snprintf(fai, sizeof fai, "%s.fai", path);
    write_text(fai, "chr1\t200000\t6\t60\n");
    expect_stale(path, fai, "line 1: not a FASTA index");
    write_text(fai, "chr1\t200000\t6\t60\t61\t9\n");
    expect_stale(path, fai, "FASTQ");
    write_text(fai, "chr1\t200000\t6\t60\t61\nchr1\t200000\t6\t60\t61\n");
    expect_stale(path, fai, "line 2: sequence chr1 is listed twice");
    write_text(fai, "chr1\t200000\t6\t0\t61\n");
    expect_stale(path, fai, "impossible numbers");

    /* A .gzi of another compression of the same text. */
    write_bgzip(f, "d.fa.gz", other, sizeof other);
    index_fasta(other);
    path_of(f, "e.fa.gz", path, sizeof path);
    BGZF *z = bgzf_open(path, "w1");
    assert_non_null(z);
    for (size_t k = 0; k < f->g.text_len; k += 30000) { /* other block bounds */
        size_t m = f->g.text_len - k < 30000 ? f->g.text_len - k : 30000;
        assert_int_equal(bgzf_write(z, f->g.text + k, m), (ssize_t)m);
        assert_int_equal(bgzf_flush(z), 0);
    }
    assert_int_equal(bgzf_close(z), 0);
    snprintf(fai, sizeof fai, "%s.fai", other);
    snprintf(gzi, sizeof gzi, "%s.fai", path);
    copy_file(fai, gzi);
    snprintf(fai, sizeof fai, "%s.gzi", other);
    snprintf(gzi, sizeof gzi, "%s.gzi", path);
    copy_file(fai, gzi);
    expect_stale(path, gzi, "does not match");

    /* A .gzi whose text offsets were changed: bgzf_useek would assert. */
    snprintf(fai, sizeof fai, "%s.gzi", other);
    FILE *in = fopen(fai, "rb");
    assert_non_null(in);
    unsigned char w[8 + 16 * 8];
    size_t n = fread(w, 1, sizeof w, in);
    fclose(in);
    assert_true(n >= 8 + 16 * 2);
    uint64_t u = 0; /* entry 2's text offset, 30000 later */
    for (int k = 7; k >= 0; k--)
        u = u << 8 | w[8 + 16 + 8 + k];
    u += 30000;
    for (int k = 0; k < 8; k++)
        w[8 + 16 + 8 + k] = (unsigned char)(u >> (8 * k));
    path_of(f, "f.fa.gz", path, sizeof path);
    copy_file(other, path);
    snprintf(gzi, sizeof gzi, "%s.gzi", path);
    write_bytes(gzi, w, n);
    snprintf(fai, sizeof fai, "%s.fai", other);
    snprintf(gzi, sizeof gzi, "%s.fai", path);
    copy_file(fai, gzi);
    snprintf(gzi, sizeof gzi, "%s.gzi", path);
    expect_stale(path, gzi, "does not match");
}

/* ------------------------------------------------------------- regions */

static void expect_region(const char *text, const char *name, uint64_t beg, uint64_t end,
                          int whole)
{
    hald_region_t r;
    hald_error_t err;
    if (hald_region_parse(text, &r, &err) != HALD_OK)
        fail_msg("%s: %s", text, err.msg);
    assert_string_equal(r.name, name);
    assert_int_equal(r.beg, beg);
    assert_int_equal(r.end, end);
    assert_int_equal(r.whole, whole);
}

static void expect_bad_region(const char *text, const char *what)
{
    hald_region_t r;
    hald_error_t err;
    assert_int_equal(hald_region_parse(text, &r, &err), HALD_E_USAGE);
    if (!strstr(err.msg, what))
        fail_msg("'%s' lacks '%s'", err.msg, what);
}

static void test_region_parse(void **state)
{
    (void)state;
    expect_region("chr1", "chr1", 0, UINT64_MAX, 1);
    expect_region("chr1:1-100", "chr1", 0, 100, 0);
    expect_region("chr1:100-100", "chr1", 99, 100, 0);
    expect_region("chr1:1,000-2,000", "chr1", 999, 2000, 0);
    expect_region("chr1:1,000,000", "chr1", 999999, UINT64_MAX, 0);
    expect_region("chr1:5-", "chr1", 4, UINT64_MAX, 0);
    expect_region("a:b:10-20", "a:b", 9, 20, 0);
    expect_region("chrUn:abc", "chrUn:abc", 0, UINT64_MAX, 1);
    expect_region("chr1:1-2x", "chr1:1-2x", 0, UINT64_MAX, 1);
    expect_region("chr1:,5", "chr1:,5", 0, UINT64_MAX, 1);
    expect_region("chr1:", "chr1:", 0, UINT64_MAX, 1);
    expect_bad_region("", "empty");
    expect_bad_region(":1-10", ":1-10: no sequence name");
    expect_bad_region("chr1:0-10", "chr1:0-10: positions are 1-based");
    expect_bad_region("chr1:10-5", "chr1:10-5: the end comes before the start");
    expect_bad_region("chr1:99999999999999999999999", "too large");
    char name[400];
    memset(name, 'n', 300);
    name[300] = '\0';
    expect_bad_region(name, "longer than 255");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_indexed, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_bgzip_indexed, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_streams, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_unusable_index, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_stream_once, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_no_files_created, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_stale_index, make_dir, remove_dir),
        cmocka_unit_test(test_region_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
