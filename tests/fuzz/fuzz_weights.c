/* The weights loader: a .npz (zip, through minizip) or a bare .npy, told
 * apart by magic bytes.  Whatever the bytes, the load either gives 4096 x 8
 * finite values or an error naming the file; a bare .npy gives the same
 * answer from a file as from memory. */
#include <math.h>
#include <string.h>

#include "hald/weights.h"
#include "fuzz.h"

static void check_loaded(int rc, const hald_weights_t *w, const hald_error_t *err,
                         const char *name)
{
    if (rc != HALD_OK) {
        FUZZ_CHECK(rc < 0);
        FUZZ_CHECK(strstr(err->msg, name) != NULL);
        return;
    }
    for (int i = 0; i < HALD_N_HEXAMERS; i++)
        for (int j = 0; j < HALD_N_REGIONS; j++)
            FUZZ_CHECK(isfinite(w->w[i][j]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_file("weights", data, size, path, sizeof path);
    hald_weights_t *from_file = malloc(sizeof *from_file), *from_memory = malloc(sizeof *from_memory);
    FUZZ_CHECK(from_file && from_memory);
    hald_error_t err;
    int rc = hald_weights_load(path, from_file, &err);
    check_loaded(rc, from_file, &err, path);
    unlink(path);
    if (size < 4 || memcmp(data, "PK\3\4", 4) != 0) {
        int mrc = hald_weights_parse_npy(data, size, "fuzz.npy", from_memory, &err);
        check_loaded(mrc, from_memory, &err, "fuzz.npy");
        FUZZ_CHECK((mrc == HALD_OK) == (rc == HALD_OK));
        if (rc == HALD_OK)
            FUZZ_CHECK(memcmp(from_file->w, from_memory->w, sizeof from_file->w) == 0);
    }
    free(from_file);
    free(from_memory);
    return 0;
}
