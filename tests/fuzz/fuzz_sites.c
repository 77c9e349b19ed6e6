/* The donor-site readers of hald scan: BED (first byte even) and GTF
 * (odd).  Whatever the bytes: sites sorted and merged per chromosome,
 * each a GT on '+' or an AC on '-', or an error naming the file. */
#include <string.h>

#include "hald/sites.h"
#include "fuzz.h"

static void check_sites(const hald_sites_t *s)
{
    uint64_t total = 0;
    for (size_t c = 0; c < s->n; c++) {
        const hald_site_chrom_t *ch = &s->chroms[c];
        FUZZ_CHECK(hald_sites_find(s, ch->name, ch->name_len) == ch);
        for (size_t i = 0; i < ch->n; i++) {
            const hald_site_t *a = &ch->sites[i];
            FUZZ_CHECK(a->strand == '+' || a->strand == '-');
            FUZZ_CHECK(a->name_off == HALD_SITE_NO_NAME || a->name_off < ch->names_len);
            if (i > 0) { /* sorted by start, '+' first, no exact duplicates */
                const hald_site_t *b = &ch->sites[i - 1];
                FUZZ_CHECK(b->start < a->start || (b->start == a->start && b->strand < a->strand));
            }
        }
        total += ch->n;
    }
    FUZZ_CHECK(total == s->total);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char path[512];
    fuzz_file("sites", data + 1, size - 1, path, sizeof path);
    hald_sites_t s;
    hald_sites_init(&s);
    hald_error_t err;
    int rc = data[0] & 1 ? hald_sites_read_gtf(&s, path, &err) : hald_sites_read_bed(&s, path, &err);
    if (rc != HALD_OK)
        FUZZ_CHECK(rc < 0 && strstr(err.msg, path) == err.msg);
    else if (hald_sites_finish(&s, &err) == HALD_OK)
        check_sites(&s);
    hald_sites_free(&s);
    unlink(path);
    return 0;
}
