/* The VCF source: see vcf_source.h. */
#include "vcf_source.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <htslib/hfile.h>
#include <htslib/bgzf.h>
#include <htslib/khash_str2int.h>
#include <htslib/kseq.h>

#include "hald/variant.h"
#include "hald/variants_run.h"
#include "genome_fetch.h"
#include "region.h"

/* Records per unit, and the widest span of positions a unit covers (its
 * bases are shipped whole). */
#define UNIT_RECORDS 2048
#define UNIT_SPAN (UINT64_C(1) << 20)
/* Bytes of records kept for the writer per unit: a VCF with thousands of
 * samples has lines of megabytes, and units in flight must stay small. */
#define UNIT_KEPT (UINT64_C(8) << 20)
#define REC_HEAD (8 + 8 + 4 + 4)

struct hald_vcf_src {
    htsFile *fp;
    bcf_hdr_t *hdr;
    char *name;              /* the VCF, for messages */
    hald_genome_fetch_t *genome;
    char *fasta_name;
    int keep;                /* records or lines are kept for the writer */
    int lines;               /* lines: the text of each record as read */
    hald_buf_t raw;          /* the line being read */
    hald_buf_t line_q;       /* kept lines: u32 length, bytes; from line_head on */
    size_t line_head;
    int has_region;
    hald_region_t region;
    /* the chromosome loaded: bases [seq_off, seq_off + seq.len) of seq_len */
    hald_buf_t seq;
    uint64_t seq_off, seq_len;
    char *chrom;             /* its name, or NULL */
    void *done_chroms;       /* names whose records are behind us */
    uint64_t last_pos;
    /* reading */
    bcf1_t *pending;         /* read ahead: the next unit's first record */
    uint64_t records;        /* records read */
    uint64_t bytes;          /* atomic: compressed bytes read, for progress */
    hald_buf_t alts;         /* ALT alleles joined, for a unit */
    /* kept records, oldest first, and spare ones: the reading side (next)
     * and the writing side (take) run on different threads */
    pthread_mutex_t lock;
    hald_buf_t new_contigs;  /* names htslib added to the header while reading */
    bcf1_t **queue;
    size_t q_head, q_len, q_cap;
    bcf1_t **spare;
    size_t n_spare, spare_cap;
};

/* ---------------------------------------------------------------- records */

static bcf1_t *new_record(hald_vcf_src_t *s)
{
    pthread_mutex_lock(&s->lock);
    bcf1_t *rec = s->n_spare ? s->spare[--s->n_spare] : NULL;
    pthread_mutex_unlock(&s->lock);
    return rec ? rec : bcf_init();
}

void hald_vcf_src_recycle(hald_vcf_src_t *s, bcf1_t *rec)
{
    if (!rec)
        return;
    pthread_mutex_lock(&s->lock);
    if (s->n_spare == s->spare_cap) {
        size_t cap = s->spare_cap ? 2 * s->spare_cap : 64;
        bcf1_t **p = realloc(s->spare, cap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&s->lock);
            bcf_destroy(rec);
            return;
        }
        s->spare = p;
        s->spare_cap = cap;
    }
    s->spare[s->n_spare++] = rec;
    pthread_mutex_unlock(&s->lock);
}

static int enqueue(hald_vcf_src_t *s, bcf1_t *rec, hald_error_t *err)
{
    pthread_mutex_lock(&s->lock);
    int rc = HALD_OK;
    if (s->q_len == s->q_cap) {
        size_t cap = s->q_cap ? 2 * s->q_cap : 1024;
        bcf1_t **q = malloc(cap * sizeof *q);
        if (q) {
            for (size_t i = 0; i < s->q_len; i++)
                q[i] = s->queue[(s->q_head + i) % s->q_cap];
            free(s->queue);
            s->queue = q;
            s->q_cap = cap;
            s->q_head = 0;
        } else {
            rc = hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", s->name);
        }
    }
    if (rc == HALD_OK)
        s->queue[(s->q_head + s->q_len++) % s->q_cap] = rec;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int enqueue_line(hald_vcf_src_t *s, hald_error_t *err)
{
    pthread_mutex_lock(&s->lock);
    uint32_t n = (uint32_t)s->raw.len;
    int rc = hald_buf_append(&s->line_q, &n, 4, err);
    if (rc == HALD_OK && n)
        rc = hald_buf_append(&s->line_q, s->raw.data, n, err);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int hald_vcf_src_take_line(hald_vcf_src_t *s, hald_buf_t *line, hald_error_t *err)
{
    line->len = 0;
    pthread_mutex_lock(&s->lock);
    int rc = 0;
    if (s->line_head < s->line_q.len) {
        uint32_t n;
        memcpy(&n, s->line_q.data + s->line_head, 4);
        rc = hald_buf_append(line, s->line_q.data + s->line_head + 4, n, err) == HALD_OK ? 1 : err->code;
        s->line_head += 4 + (size_t)n;
        if (s->line_head == s->line_q.len) {
            s->line_q.len = s->line_head = 0;
        } else if (s->line_head > ((size_t)1 << 20) && s->line_head > s->line_q.len / 2) {
            /* what is left moves to the front now and then: O(1) a byte */
            memmove(s->line_q.data, s->line_q.data + s->line_head, s->line_q.len - s->line_head);
            s->line_q.len -= s->line_head;
            s->line_head = 0;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int hald_vcf_src_keeps_lines(const hald_vcf_src_t *s) { return s->lines; }

bcf1_t *hald_vcf_src_take(hald_vcf_src_t *s)
{
    pthread_mutex_lock(&s->lock);
    bcf1_t *rec = NULL;
    if (s->q_len) {
        rec = s->queue[s->q_head];
        s->q_head = (s->q_head + 1) % s->q_cap;
        s->q_len--;
    }
    pthread_mutex_unlock(&s->lock);
    return rec;
}

/* What htslib's error bits mean, for the message. */
static const char *parse_problem(int code)
{
    if (code & BCF_ERR_NCOLS)
        return "too few columns (a VCF line has at least 8)";
    if (code & BCF_ERR_CTG_INVALID)
        return "invalid CHROM";
    if (code & BCF_ERR_TAG_INVALID)
        return "an INFO or FORMAT field that does not parse";
    if (code & BCF_ERR_CHAR)
        return "invalid characters";
    if (code & BCF_ERR_LIMITS)
        return "a value beyond htslib's limits (POS, lengths)";
    return "a line that does not parse (htslib's message is above)";
}

static void update_bytes(hald_vcf_src_t *s)
{
    uint64_t at = 0;
    if (s->fp->is_bgzf)
        at = (uint64_t)htell(s->fp->fp.bgzf->fp);
    else if (s->fp->format.compression == no_compression)
        at = (uint64_t)htell(s->fp->fp.hfile);
    __atomic_store_n(&s->bytes, at, __ATOMIC_RELAXED);
}

static int is_text(const htsFile *fp)
{
    return fp->format.format == vcf;
}

/* htslib fills the columns a text line lacks with '.': a line cut
 * short (fewer than 8 columns) must not pass for a record without ALT.
 * Its parser cuts the line at the tabs it reads, so both count. */
static int columns_missing(const hald_vcf_src_t *s)
{
    if (!is_text(s->fp))
        return 0;
    const kstring_t *line = &s->fp->line;
    size_t tabs = 0;
    for (size_t i = 0; i < line->l && tabs < 7; i++)
        tabs += line->s[i] == '\t' || line->s[i] == '\0';
    return tabs < 7;
}

/* The next record: 1, 0 at the end, negative on a line that does not parse. */
static int read_record(hald_vcf_src_t *s, bcf1_t **out, hald_error_t *err)
{
    bcf1_t *rec = new_record(s);
    if (!rec)
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", s->name);
    int rc;
    if (s->lines) { /* what bcf_read does for text, keeping the line as read */
        rc = hts_getline(s->fp, KS_SEP_LINE, &s->fp->line);
        if (rc >= 0) {
            s->raw.len = 0;
            if (hald_buf_append(&s->raw, s->fp->line.s, s->fp->line.l, err) != HALD_OK) {
                hald_vcf_src_recycle(s, rec);
                return err->code;
            }
            rc = vcf_parse(&s->fp->line, s->hdr, rec);
        }
    } else {
        rc = bcf_read(s->fp, s->hdr, rec);
    }
    if (rc == -1) {
        hald_vcf_src_recycle(s, rec);
        return 0;
    }
    s->records++;
    if ((s->records & 1023) == 0)
        update_bytes(s);
    if (rc >= 0 && columns_missing(s)) {
        hald_vcf_src_recycle(s, rec);
        return hald_error_set(err, HALD_E_INPUT, "%s: record %llu: %s", s->name,
                              (unsigned long long)s->records, parse_problem(BCF_ERR_NCOLS));
    }
    /* Contigs and tags the header does not declare are htslib's warning,
     * as in bcftools; but records kept for BCF out must fit its header. */
    int undeclared = BCF_ERR_CTG_UNDEF | BCF_ERR_TAG_UNDEF;
    if (rc >= 0 && (rec->errcode & BCF_ERR_TAG_UNDEF) && s->keep && !s->lines) {
        hald_vcf_src_recycle(s, rec);
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: record %llu: an INFO or FORMAT tag the header does not declare, "
                              "which BCF output needs (declare it, or write VCF)",
                              s->name, (unsigned long long)s->records);
    }
    if (rc < -1 || (rec->errcode & ~undeclared) || bcf_unpack(rec, BCF_UN_STR) != 0) {
        int code = rec->errcode;
        hald_vcf_src_recycle(s, rec);
        return hald_error_set(err, HALD_E_INPUT, "%s: record %llu: %s", s->name,
                              (unsigned long long)s->records, parse_problem(code));
    }
    if (rec->errcode & BCF_ERR_CTG_UNDEF) { /* htslib added the contig: the writer must too */
        const char *name = bcf_seqname_safe(s->hdr, rec);
        pthread_mutex_lock(&s->lock);
        int ok = hald_buf_append(&s->new_contigs, name, strlen(name) + 1, err) == HALD_OK;
        pthread_mutex_unlock(&s->lock);
        if (!ok) {
            hald_vcf_src_recycle(s, rec);
            return err->code;
        }
    }
    if (rec->n_allele < 1 || !rec->d.allele || !rec->d.allele[0][0]) {
        hald_vcf_src_recycle(s, rec);
        return hald_error_set(err, HALD_E_INPUT, "%s: record %llu: no REF allele", s->name,
                              (unsigned long long)s->records);
    }
    if (rec->pos < 0) { /* htslib reads a POS that is not a number as 0 */
        hald_vcf_src_recycle(s, rec);
        return hald_error_set(err, HALD_E_INPUT, "%s: record %llu (%s): POS must be a number from 1",
                              s->name, (unsigned long long)s->records, bcf_seqname_safe(s->hdr, rec));
    }
    *out = rec;
    return 1;
}

/* ---------------------------------------------------------------- opening */

static int parse_region(hald_vcf_src_t *s, const char *region, hald_error_t *err)
{
    if (!region)
        return HALD_OK;
    s->has_region = 1;
    return hald_region_parse(region, &s->region, err);
}

hald_vcf_src_t *hald_vcf_src_open(const hald_vcf_inputs_t *in, hald_vcf_keep_t keep, hald_error_t *err)
{
    const char *vcf = in->vcf, *region = in->region;
    const char *fasta = in->genome ? hald_genome_path(in->genome) : in->fasta;
    hald_vcf_src_t *s = calloc(1, sizeof *s);
    if (!s) {
        hald_error_set(err, HALD_E_NOMEM, "out of memory");
        return NULL;
    }
    s->keep = keep != HALD_VCF_KEEP_NONE;
    pthread_mutex_init(&s->lock, NULL);
    s->name = strdup(in->vcf_label ? in->vcf_label : strcmp(vcf, "-") == 0 ? "stdin" : vcf);
    s->fasta_name = strdup(fasta);
    s->done_chroms = khash_str2int_init();
    int rc = s->name && s->fasta_name && s->done_chroms
                 ? HALD_OK
                 : hald_error_set(err, HALD_E_NOMEM, "out of memory");
    if (rc == HALD_OK)
        rc = parse_region(s, region, err);
    if (rc == HALD_OK && !(s->fp = hts_open(vcf, "r")))
        rc = hald_error_set_errno(err, HALD_E_IO, errno, "%s: cannot open", s->name);
    if (rc == HALD_OK && s->fp->format.category != variant_data)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: not a VCF or BCF file", s->name);
    if (rc == HALD_OK)
        s->lines = keep == HALD_VCF_KEEP_LINES && is_text(s->fp);
    if (rc == HALD_OK && !(s->hdr = bcf_hdr_read(s->fp)))
        rc = hald_error_set(err, HALD_E_INPUT, "%s: the VCF header does not parse", s->name);
    if (rc == HALD_OK && !(s->genome = in->genome ? hald_genome_fetch_open_genome(in->genome, err)
                                                   : hald_genome_fetch_open(fasta, err)))
        rc = err->code;
    if (rc != HALD_OK) {
        hald_vcf_src_close(s);
        return NULL;
    }
    return s;
}

void hald_vcf_src_close(hald_vcf_src_t *s)
{
    if (!s)
        return;
    if (s->hdr)
        bcf_hdr_destroy(s->hdr);
    if (s->fp)
        hts_close(s->fp);
    hald_genome_fetch_close(s->genome);
    if (s->done_chroms)
        khash_str2int_destroy_free(s->done_chroms);
    if (s->pending)
        bcf_destroy(s->pending);
    for (bcf1_t *r; (r = hald_vcf_src_take(s));)
        bcf_destroy(r);
    for (size_t i = 0; i < s->n_spare; i++)
        bcf_destroy(s->spare[i]);
    free(s->queue);
    free(s->spare);
    hald_buf_free(&s->seq);
    hald_buf_free(&s->alts);
    hald_buf_free(&s->new_contigs);
    hald_buf_free(&s->raw);
    hald_buf_free(&s->line_q);
    free(s->chrom);
    free(s->name);
    free(s->fasta_name);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

const char *hald_vcf_src_name(const hald_vcf_src_t *s) { return s->name; }
const bcf_hdr_t *hald_vcf_src_header(const hald_vcf_src_t *s) { return s->hdr; }
uint64_t hald_vcf_src_records(const hald_vcf_src_t *s) { return s->records; }

void hald_vcf_src_new_contigs(hald_vcf_src_t *s, hald_buf_t *names)
{
    pthread_mutex_lock(&s->lock);
    hald_buf_t t = *names;
    *names = s->new_contigs;
    s->new_contigs = t;
    s->new_contigs.len = 0;
    pthread_mutex_unlock(&s->lock);
}

uint64_t hald_vcf_src_bytes_in(const hald_vcf_src_t *s)
{
    return __atomic_load_n(&s->bytes, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------- units */

/* Records of a region may reach this far outside it (REF beyond the
 * longest scored is skipped) and their sites this much further. */
#define REGION_MARGIN (HALD_VARIANT_MAX_ALLELE + 2 * HALD_VARIANT_CONTEXT)

/* The chromosome's bases: with a region and an indexed FASTA only the
 * region's part (faidx reads no more), else all of it. */
static int fetch(hald_vcf_src_t *s, const char *chrom, hald_error_t *err)
{
    s->seq_off = 0;
    if (s->has_region && hald_genome_fetch_indexed(s->genome)) {
        uint64_t beg = s->region.beg > REGION_MARGIN ? s->region.beg - REGION_MARGIN : 0;
        uint64_t end = s->region.end < UINT64_MAX - REGION_MARGIN ? s->region.end + REGION_MARGIN
                                                                  : UINT64_MAX;
        int rc = hald_genome_fetch_range(s->genome, chrom, beg, end, &s->seq, &s->seq_len, err);
        s->seq_off = beg < s->seq_len ? beg : s->seq_len;
        return rc;
    }
    int rc = hald_genome_fetch_seq(s->genome, chrom, &s->seq, err);
    s->seq_len = s->seq.len;
    return rc;
}

/* Loads the record's chromosome when it is not the one loaded. */
static int load_chrom(hald_vcf_src_t *s, const char *chrom, const bcf1_t *rec, hald_error_t *err)
{
    if (s->chrom && strcmp(s->chrom, chrom) == 0)
        return HALD_OK;
    if (khash_str2int_has_key(s->done_chroms, chrom))
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: record %llu (%s:%lld): not sorted: the records of %s are not "
                              "together (sort with bcftools sort)",
                              s->name, (unsigned long long)s->records, chrom,
                              (long long)rec->pos + 1, chrom);
    if (s->chrom) {
        if (khash_str2int_inc(s->done_chroms, s->chrom) < 0)
            return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", s->name);
        s->chrom = NULL; /* the table owns the name now */
    }
    int rc = fetch(s, chrom, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: record %llu (%s:%lld): %s has no sequence %s",
                              s->name, (unsigned long long)s->records, chrom,
                              (long long)rec->pos + 1, s->fasta_name, chrom);
    if (!(s->chrom = strdup(chrom)))
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", s->name);
    s->last_pos = 0;
    return HALD_OK;
}

static int in_region(const hald_vcf_src_t *s, const char *chrom, const bcf1_t *rec)
{
    if (!s->has_region)
        return 1;
    if (strcmp(chrom, s->region.name) != 0)
        return 0;
    uint64_t beg = (uint64_t)rec->pos, end = beg + (uint64_t)(rec->rlen > 0 ? rec->rlen : 1);
    return end > s->region.beg && beg < s->region.end;
}

static int add_record(hald_vcf_src_t *s, hald_vcf_unit_t *u, const bcf1_t *rec, hald_error_t *err)
{
    const char *ref = rec->d.allele[0];
    size_t ref_len = strlen(ref);
    s->alts.len = 0;
    for (int i = 1; i < rec->n_allele; i++)
        if ((i > 1 && hald_buf_append(&s->alts, ",", 1, err) != HALD_OK) ||
            hald_buf_append(&s->alts, rec->d.allele[i], strlen(rec->d.allele[i]), err) != HALD_OK)
            return err->code;
    if (ref_len > UINT32_MAX || s->alts.len > UINT32_MAX)
        return hald_error_set(err, HALD_E_INPUT, "%s: record %llu: alleles longer than 4 GB",
                              s->name, (unsigned long long)s->records);
    char *p = hald_buf_reserve(&u->records, REC_HEAD + ref_len + s->alts.len, err);
    if (!p)
        return err->code;
    uint64_t head[2] = {(uint64_t)rec->pos, s->records};
    uint32_t lens[2] = {(uint32_t)ref_len, (uint32_t)s->alts.len};
    memcpy(p, head, sizeof head);
    memcpy(p + 16, lens, sizeof lens);
    memcpy(p + REC_HEAD, ref, ref_len);
    if (s->alts.len)
        memcpy(p + REC_HEAD + ref_len, s->alts.data, s->alts.len);
    u->records.len += REC_HEAD + ref_len + s->alts.len;
    u->n_records++;
    return HALD_OK;
}

int hald_vcf_src_next(hald_vcf_src_t *s, hald_vcf_unit_t *u, hald_error_t *err)
{
    uint64_t first = 0, end = 0; /* positions: the first record's, and past the last REF */
    uint64_t kept = 0;           /* bytes of records kept for the writer */
    int rc;
    for (;;) {
        bcf1_t *rec = s->pending;
        s->pending = NULL;
        if (!rec && (rc = read_record(s, &rec, err)) <= 0) {
            if (rc < 0)
                return rc;
            break;
        }
        const char *chrom = bcf_seqname_safe(s->hdr, rec);
        if (!in_region(s, chrom, rec)) {
            hald_vcf_src_recycle(s, rec);
            continue;
        }
        if (u->n_records &&
            (strcmp(chrom, u->chrom.data) != 0 || u->n_records >= UNIT_RECORDS ||
             (uint64_t)rec->pos - first > UNIT_SPAN || kept >= UNIT_KEPT)) {
            s->pending = rec;
            break;
        }
        if (u->n_records == 0) {
            if ((rc = load_chrom(s, chrom, rec, err)) != HALD_OK ||
                (rc = hald_buf_append(&u->chrom, chrom, strlen(chrom) + 1, err)) != HALD_OK) {
                hald_vcf_src_recycle(s, rec);
                return rc;
            }
            first = end = (uint64_t)rec->pos;
        }
        if ((uint64_t)rec->pos < s->last_pos) {
            hald_vcf_src_recycle(s, rec);
            return hald_error_set(err, HALD_E_INPUT,
                                  "%s: record %llu (%s:%lld): not sorted: after %s:%llu (sort with "
                                  "bcftools sort)",
                                  s->name, (unsigned long long)s->records, chrom,
                                  (long long)rec->pos + 1, chrom, (unsigned long long)s->last_pos + 1);
        }
        s->last_pos = (uint64_t)rec->pos;
        /* REFs beyond the longest scored need no bases: they are skipped. */
        size_t ref_len = strlen(rec->d.allele[0]);
        uint64_t ref_end = (uint64_t)rec->pos +
                           (ref_len > HALD_VARIANT_MAX_ALLELE ? HALD_VARIANT_MAX_ALLELE + 1 : ref_len);
        if (ref_end > end)
            end = ref_end;
        rc = add_record(s, u, rec, err);
        if (s->keep)
            kept += s->lines ? s->raw.len : rec->shared.l + rec->indiv.l;
        if (rc == HALD_OK && s->keep && !s->lines) {
            rc = enqueue(s, rec, err);
        } else {
            if (rc == HALD_OK && s->lines)
                rc = enqueue_line(s, err);
            hald_vcf_src_recycle(s, rec);
        }
        if (rc != HALD_OK)
            return rc;
    }
    update_bytes(s);
    if (u->n_records == 0)
        return 0;
    /* The bases every record's sites need, clipped to what is loaded. */
    uint64_t have = s->seq_off + s->seq.len;
    uint64_t b0 = first > HALD_VARIANT_CONTEXT ? first - HALD_VARIANT_CONTEXT : 0;
    uint64_t b1 = end + HALD_VARIANT_CONTEXT < have ? end + HALD_VARIANT_CONTEXT : have;
    if (b0 < s->seq_off)
        b0 = s->seq_off;
    if (b0 > b1)
        b0 = b1;
    u->seq_len = s->seq_len;
    u->b0 = b0;
    const char *at = s->seq.data ? s->seq.data + (b0 - s->seq_off) : "";
    return hald_buf_append(&u->bases, at, (size_t)(b1 - b0), err) == HALD_OK ? 1 : err->code;
}

int hald_vcf_rec_decode(const char **p, const char *end, hald_vcf_rec_t *r)
{
    if (*p == end)
        return 0;
    if ((size_t)(end - *p) < REC_HEAD)
        return -1;
    uint64_t head[2];
    uint32_t lens[2];
    memcpy(head, *p, sizeof head);
    memcpy(lens, *p + 16, sizeof lens);
    const char *q = *p + REC_HEAD;
    if ((size_t)(end - q) < (size_t)lens[0] + lens[1])
        return -1;
    r->pos = head[0];
    r->number = head[1];
    r->ref = q;
    r->ref_len = lens[0];
    r->alts = q + lens[0];
    r->alts_len = lens[1];
    *p = q + lens[0] + lens[1];
    return 1;
}
