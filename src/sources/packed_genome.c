/* Packed genomes: a frame's bases, the genome section built in frame
 * order, and the section parsed back without trusting it. */
#include "packed_genome.h"

#include <stdlib.h>
#include <string.h>

#include "packed_format.h"
#include "../io/le.h"

#define NAME_MAX_LEN (64u << 10) /* as hald_fasta_stream allows */
#define GFRAME_BYTES 200         /* seq, first, bases, left_len, right_len, left, right, pad */

/* ---------------------------------------------------------------- a frame's bases */

int hald_genome_frame_bases(const char *text, size_t len, const char *input, hald_buf_t *bases,
                            hald_buf_t *name, int *has_header, hald_error_t *err)
{
    size_t i = 0;
    bases->len = name->len = 0;
    *has_header = len > 0 && text[0] == '>';
    if (*has_header) {
        const char *nl = memchr(text, '\n', len);
        size_t end = nl ? (size_t)(nl - text) : len, w = 1;
        while (w < end && text[w] != ' ' && text[w] != '\t' && text[w] != '\r')
            w++;
        if (w == 1)
            return hald_error_set(err, HALD_E_INPUT, "%s: a FASTA header without a name", input);
        if (w - 1 > NAME_MAX_LEN)
            return hald_error_set(err, HALD_E_INPUT, "%s: sequence name longer than 64 KiB", input);
        if (hald_buf_append(name, text + 1, w - 1, err) != HALD_OK ||
            hald_buf_append(name, "", 1, err) != HALD_OK)
            return err->code;
        name->len--;
        i = nl ? end + 1 : len;
    }
    char *dst = hald_buf_reserve(bases, len - i, err);
    if (!dst)
        return err->code;
    size_t k = 0;
    /* Line by line, as hald_fasta_read_bases: most lines have no white
     * space (one vectorisable test, then a copy).  A header here would
     * mean the frame was not cut before it. */
    while (i < len) {
        const char *p = text + i, *nl = memchr(p, '\n', len - i);
        size_t n = nl ? (size_t)(nl - p) : len - i;
        if (n > 0 && p[0] == '>')
            return hald_error_set(err, HALD_E_INPUT, "%s: a header inside a packed genome frame",
                                  input);
        unsigned char low = 0xff;
        for (size_t j = 0; j < n; j++)
            low = (unsigned char)p[j] < low ? (unsigned char)p[j] : low;
        if (low > ' ') {
            memcpy(dst + k, p, n);
            k += n;
        } else {
            for (size_t j = 0; j < n; j++) {
                unsigned char c = (unsigned char)p[j];
                if (c > ' ')
                    dst[k++] = (char)c;
                else if (c != ' ' && c != '\t' && c != '\r' && c != '\v' && c != '\f')
                    return hald_error_set(err, HALD_E_INPUT,
                                          "%s: binary data (byte 0x%02x): not FASTA", input, c);
            }
        }
        i += n + (nl != NULL);
    }
    bases->len = k;
    return HALD_OK;
}

/* ---------------------------------------------------------------- building */

void hald_genome_builder_init(hald_genome_builder_t *b) { memset(b, 0, sizeof *b); }

void hald_genome_builder_free(hald_genome_builder_t *b)
{
    free(b->frames);
    free(b->lengths);
    hald_buf_free(&b->names);
    memset(b, 0, sizeof *b);
}

static int grow(void **v, size_t *cap, size_t n, size_t size, hald_error_t *err)
{
    if (n < *cap)
        return HALD_OK;
    size_t c = *cap ? 2 * *cap : 64;
    void *p = realloc(*v, c * size);
    if (!p)
        return hald_error_set(err, HALD_E_NOMEM, "out of memory (genome index)");
    *v = p;
    *cap = c;
    return HALD_OK;
}

/* The frames of the current sequence still short of right context take
 * bases from the start of the next frame. */
static void give_right_context(hald_genome_builder_t *b, const char *head, size_t n)
{
    for (size_t j = b->open; j < b->n_frames; j++) {
        hald_pack_gframe_t *f = &b->frames[j];
        size_t need = HALD_PACK_RIGHT - f->right_len, take = n < need ? n : need;
        memcpy(f->right + f->right_len, head, take);
        f->right_len += (uint32_t)take;
    }
    while (b->open < b->n_frames && b->frames[b->open].right_len == HALD_PACK_RIGHT)
        b->open++;
}

int hald_genome_builder_add(hald_genome_builder_t *b, const hald_gframe_summary_t *s,
                            const char *input, hald_error_t *err)
{
    if (grow((void **)&b->frames, &b->cap_frames, b->n_frames, sizeof *b->frames, err) != HALD_OK)
        return err->code;
    if (s->has_header) {
        if (grow((void **)&b->lengths, &b->cap_seqs, b->n_seqs, sizeof *b->lengths, err) != HALD_OK)
            return err->code;
        uint32_t n = (uint32_t)s->name_len;
        if (hald_buf_append(&b->names, &n, 4, err) != HALD_OK ||
            hald_buf_append(&b->names, s->name, s->name_len, err) != HALD_OK)
            return err->code;
        b->lengths[b->n_seqs++] = 0;
        b->open = b->n_frames; /* the previous sequence's frames end with it */
        b->tail_len = 0;
    } else if (b->n_seqs == 0 && s->bases > 0) {
        return hald_error_set(err, HALD_E_INPUT, "%s: expected '>' (a FASTA header) before the "
                              "first bases: not a FASTA genome", input);
    }
    give_right_context(b, s->head, (size_t)(s->bases < HALD_PACK_RIGHT ? s->bases : HALD_PACK_RIGHT));
    hald_pack_gframe_t *f = &b->frames[b->n_frames++];
    memset(f, 0, sizeof *f);
    f->seq = b->n_seqs ? b->n_seqs - 1 : UINT64_MAX;
    f->first_base = b->n_seqs ? b->lengths[b->n_seqs - 1] : 0;
    f->bases = s->bases;
    f->left_len = (uint32_t)b->tail_len;
    memcpy(f->left, b->tail, b->tail_len);
    if (b->n_seqs)
        b->lengths[b->n_seqs - 1] += s->bases;
    /* The last 80 bases of the sequence so far. */
    size_t t = (size_t)(s->bases < HALD_PACK_LEFT ? s->bases : HALD_PACK_LEFT);
    size_t keep = HALD_PACK_LEFT - t < b->tail_len ? HALD_PACK_LEFT - t : b->tail_len;
    memmove(b->tail, b->tail + b->tail_len - keep, keep);
    memcpy(b->tail + keep, s->tail, t);
    b->tail_len = keep + t;
    return HALD_OK;
}

static uint64_t pad8(uint64_t n) { return (8 - n % 8) % 8; }

int hald_genome_builder_encode(const hald_genome_builder_t *b, hald_buf_t *out, hald_error_t *err)
{
    out->len = 0;
    uint64_t names = 0;
    for (size_t at = 0, i = 0; i < b->n_seqs; i++) {
        uint32_t n;
        memcpy(&n, b->names.data + at, 4);
        names += 12 + n + pad8(12 + n);
        at += 4 + n;
    }
    uint64_t payload = 24 + names + (uint64_t)b->n_frames * GFRAME_BYTES + IDX_CRC;
    if (payload > UINT32_MAX)
        return hald_error_set(err, HALD_E_USAGE, "the genome index would exceed 4 GiB: use a "
                              "larger frame size");
    unsigned char *p = (unsigned char *)hald_buf_reserve(out, SKIP_HEAD + (size_t)payload, err);
    if (!p)
        return err->code;
    memset(p, 0, SKIP_HEAD + (size_t)payload);
    hald_put_le32(p, SKIP_GENOME);
    hald_put_le32(p + 4, (uint32_t)payload);
    unsigned char *q = p + SKIP_HEAD;
    memcpy(q, GENOME_MAGIC, 8);
    hald_put_le64(q + 8, b->n_seqs);
    hald_put_le64(q + 16, b->n_frames);
    q += 24;
    for (size_t at = 0, i = 0; i < b->n_seqs; i++) {
        uint32_t n;
        memcpy(&n, b->names.data + at, 4);
        hald_put_le64(q, b->lengths[i]);
        hald_put_le32(q + 8, n);
        memcpy(q + 12, b->names.data + at + 4, n);
        q += 12 + n + pad8(12 + n);
        at += 4 + n;
    }
    for (size_t k = 0; k < b->n_frames; k++, q += GFRAME_BYTES) {
        const hald_pack_gframe_t *f = &b->frames[k];
        hald_put_le64(q, f->seq);
        hald_put_le64(q + 8, f->first_base);
        hald_put_le64(q + 16, f->bases);
        hald_put_le32(q + 24, f->left_len);
        hald_put_le32(q + 28, f->right_len);
        memcpy(q + 32, f->left, f->left_len);
        memcpy(q + 32 + HALD_PACK_LEFT, f->right, f->right_len);
    }
    size_t body = (size_t)(q - (p + SKIP_HEAD));
    hald_put_le32(q, hald_packed_crc(0, p + SKIP_HEAD, body));
    out->len = SKIP_HEAD + (size_t)payload;
    return HALD_OK;
}

/* ---------------------------------------------------------------- parsing */

void hald_pack_genome_free(hald_pack_genome_t *g)
{
    if (!g)
        return;
    free(g->seqs);
    free(g->frames);
    free(g->names);
    free(g);
}

static int bad(const char *name, hald_error_t *err, const char *what)
{
    return hald_error_set(err, HALD_E_INPUT, "%s: corrupt packed genome index: %s", name, what);
}

static int parse_seqs(const unsigned char **pp, const unsigned char *end, hald_pack_genome_t *g,
                      const char *name, hald_error_t *err)
{
    const unsigned char *p = *pp;
    size_t names = 0;
    char *dst = g->names;
    for (uint64_t i = 0; i < g->n_seqs; i++) {
        if (end - p < 12)
            return bad(name, err, "sequence table cut short");
        uint64_t len = hald_get_le64(p);
        uint32_t n = hald_get_le32(p + 8);
        uint64_t span = 12 + (uint64_t)n + pad8(12 + (uint64_t)n);
        if (n == 0 || n > NAME_MAX_LEN || span > (uint64_t)(end - p))
            return bad(name, err, "a sequence name is empty, too long or cut short");
        memcpy(dst + names, p + 12, n);
        dst[names + n] = '\0';
        g->seqs[i] = (hald_pack_seq_t){len, NULL};
        g->seqs[i].name = (const char *)(uintptr_t)names; /* fixed below: names may move */
        names += n + 1;
        p += span;
    }
    for (uint64_t i = 0; i < g->n_seqs; i++)
        g->seqs[i].name = dst + (uintptr_t)g->seqs[i].name;
    *pp = p;
    return HALD_OK;
}

/* Each frame continues the one before it: the same sequence from where
 * it stopped, or the next sequence from 0 when the frame starts it (its
 * index entry counts one header); context as long as the sequence allows. */
static int check_frames(const hald_pack_index_t *idx, const hald_pack_genome_t *g,
                        const char *name, hald_error_t *err)
{
    uint64_t seq = UINT64_MAX, pos = 0;
    for (uint64_t k = 0; k < idx->n_frames; k++) {
        const hald_pack_gframe_t *f = &g->frames[k];
        int starts = idx->frames[k].records == 1;
        if (idx->frames[k].records > 1)
            return bad(name, err, "a frame holds two headers");
        uint64_t want_seq = starts ? seq + 1 : seq; /* UINT64_MAX + 1 wraps to sequence 0 */
        if (f->seq != want_seq || (f->seq == UINT64_MAX && f->bases) ||
            (f->seq != UINT64_MAX && f->seq >= g->n_seqs))
            return bad(name, err, "frames are not in sequence order");
        if (starts)
            pos = 0;
        if (f->first_base != pos || f->bases > idx->frames[k].dsize)
            return bad(name, err, "a frame's bases do not follow the frame before it");
        uint64_t len = f->seq == UINT64_MAX ? 0 : g->seqs[f->seq].length;
        if (f->bases > len || pos > len - f->bases)
            return bad(name, err, "a frame runs past its sequence's length");
        uint64_t after = len - pos - f->bases;
        if (f->left_len != (pos < HALD_PACK_LEFT ? pos : HALD_PACK_LEFT) ||
            f->right_len != (after < HALD_PACK_RIGHT ? after : HALD_PACK_RIGHT))
            return bad(name, err, "a frame's context does not match its place");
        seq = f->seq;
        pos += f->bases;
        if (k + 1 == idx->n_frames || idx->frames[k + 1].records == 1)
            if (seq != UINT64_MAX && pos != len)
                return bad(name, err, "a sequence's frames do not add up to its length");
    }
    if ((g->n_seqs > 0 || seq != UINT64_MAX) && seq + 1 != g->n_seqs)
        return bad(name, err, "sequences without frames");
    return HALD_OK;
}

int hald_pack_genome_parse(const unsigned char *p, size_t len, hald_pack_index_t *idx,
                           const char *name, hald_error_t *err)
{
    if (len < 24 + IDX_CRC || memcmp(p, GENOME_MAGIC, 8) != 0)
        return bad(name, err, "no genome section");
    if (hald_packed_crc(0, p, len - IDX_CRC) != hald_get_le32(p + len - IDX_CRC))
        return bad(name, err, "checksum mismatch");
    uint64_t n_seqs = hald_get_le64(p + 8), n_frames = hald_get_le64(p + 16);
    if (n_frames != idx->n_frames || n_seqs > len / 16 ||
        n_frames * GFRAME_BYTES > len - 24 - IDX_CRC)
        return bad(name, err, "counts do not match the index or the section's size");
    hald_pack_genome_t *g = calloc(1, sizeof *g);
    if (g) {
        g->n_seqs = n_seqs;
        g->seqs = calloc(n_seqs ? (size_t)n_seqs : 1, sizeof *g->seqs);
        g->frames = calloc(n_frames ? (size_t)n_frames : 1, sizeof *g->frames);
        g->names = malloc(len); /* names and NULs take less than the section */
    }
    if (!g || !g->seqs || !g->frames || !g->names) {
        hald_pack_genome_free(g);
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory (genome index)", name);
    }
    const unsigned char *q = p + 24, *end = p + len - IDX_CRC;
    int rc = parse_seqs(&q, end, g, name, err);
    if (rc == HALD_OK && (uint64_t)(end - q) != n_frames * GFRAME_BYTES)
        rc = bad(name, err, "the frame table's size is wrong");
    for (uint64_t k = 0; rc == HALD_OK && k < n_frames; k++, q += GFRAME_BYTES) {
        hald_pack_gframe_t *f = &g->frames[k];
        f->seq = hald_get_le64(q);
        f->first_base = hald_get_le64(q + 8);
        f->bases = hald_get_le64(q + 16);
        f->left_len = hald_get_le32(q + 24);
        f->right_len = hald_get_le32(q + 28);
        f->bases_before = g->total_bases;
        g->total_bases += f->bases; /* each at most its frame's size: no overflow */
        if (f->left_len > HALD_PACK_LEFT || f->right_len > HALD_PACK_RIGHT)
            rc = bad(name, err, "context longer than the scan needs");
        memcpy(f->left, q + 32, HALD_PACK_LEFT);
        memcpy(f->right, q + 32 + HALD_PACK_LEFT, HALD_PACK_RIGHT);
    }
    if (rc == HALD_OK)
        rc = check_frames(idx, g, name, err);
    if (rc != HALD_OK) {
        hald_pack_genome_free(g);
        return rc;
    }
    idx->genome = g;
    return HALD_OK;
}
