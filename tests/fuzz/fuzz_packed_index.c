/* The packed index (a hald index frame and a zstd seek table at the end of
 * a packed file).  Whatever the bytes: "not packed" (1), a consistent
 * index whose frames lie inside the file and whose shards cover every
 * frame once, or an error naming the file. */
#include <string.h>

#include "hald/pack.h"
#include "fuzz.h"

/* Shards of 1 to 5 parts cover every frame once, in order. */
static void check_shards(const hald_pack_index_t *idx,
                         void (*shard)(const hald_pack_index_t *, uint64_t, uint64_t, uint64_t *,
                                       uint64_t *))
{
    for (uint64_t n = 1; n <= 5; n++) {
        uint64_t next = 0;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t first, last;
            shard(idx, i, n, &first, &last);
            FUZZ_CHECK(first == next && first <= last && last <= idx->n_frames);
            next = last;
        }
        FUZZ_CHECK(next == idx->n_frames);
    }
}

static void check_index(const hald_pack_index_t *idx, size_t size)
{
    uint64_t off = 0, records = 0, line = 1;
    for (uint64_t k = 0; k < idx->n_frames; k++) {
        const hald_pack_frame_t *f = &idx->frames[k];
        FUZZ_CHECK(f->offset == off && f->csize > 0 && f->offset + f->csize <= size);
        FUZZ_CHECK(f->first_record == records && f->first_line == line);
        off += f->csize;
        records += f->records;
        line += f->newlines;
    }
    FUZZ_CHECK(records == idx->total_records);
    check_shards(idx, hald_pack_shard);
    /* A genome: every frame's bases within its sequence, context clipped
     * to it, and base-balanced shards covering every frame once. */
    const hald_pack_genome_t *g = idx->genome;
    for (uint64_t k = 0; g && k < idx->n_frames; k++) {
        const hald_pack_gframe_t *f = &g->frames[k];
        FUZZ_CHECK(f->bases == 0 || f->seq < g->n_seqs);
        FUZZ_CHECK(f->bases == 0 || f->first_base + f->bases <= g->seqs[f->seq].length);
        FUZZ_CHECK(f->left_len <= HALD_PACK_LEFT && f->right_len <= HALD_PACK_RIGHT);
    }
    if (g)
        check_shards(idx, hald_pack_shard_bases);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hald_pack_index_t idx;
    hald_error_t err;
    int rc = hald_pack_index_parse(data, size, "fuzz.zst", &idx, &err);
    if (rc == HALD_OK)
        check_index(&idx, size);
    else if (rc < 0)
        FUZZ_CHECK(strstr(err.msg, "fuzz.zst") == err.msg);
    else
        FUZZ_CHECK(rc == 1 && idx.n_frames == 0);
    hald_pack_index_free(&idx);
    return 0;
}
