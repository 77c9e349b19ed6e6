/* hald — the HAL hexamer coefficient table.
 *
 * The published table is 4096 hexamers x 8 position regions, float64.  Rows
 * use the authors' digit order A=0, T=1, C=2, G=3, first base most
 * significant, which is also hald's internal 2-bit base code, so a hexamer
 * code is directly its row. */
#ifndef HALD_WEIGHTS_H
#define HALD_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "hald/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HALD_N_HEXAMERS 4096
#define HALD_N_REGIONS 8
/* Name looked for in each directory of the search path (then the .npy). */
#define HALD_WEIGHTS_BASENAME "HAL_mer_scores"
/* sha256 of the published HAL_mer_scores.npz (Kipoi / Zenodo 1466088). */
#define HALD_WEIGHTS_SHA256 "961acd13238e19168b691d714d2f70c385fc87443cb493a9a9f54927a0e7e6af"

typedef struct hald_weights {
    double w[HALD_N_HEXAMERS][HALD_N_REGIONS]; /* as published, row-major */
    uint8_t sha256[32];                        /* of the file as loaded */
    char path[4096];                           /* file it came from */
} hald_weights_t;

/* Loads a .npz (zip with member weights.npy, read with minizip) or a bare
 * .npy, chosen by the file's magic bytes, not its name.  Accepts npy
 * format v1/v2/v3 headers, dtype '<f8' or '<f4', C order, shape (4096, 8),
 * every value finite.  Returns HALD_OK, or a negative status with err
 * naming the file and what is wrong. */
int hald_weights_load(const char *path, hald_weights_t *out, hald_error_t *err);

/* Parses an in-memory .npy image (used by the loader and by fuzzers).
 * `name` is only used in error messages. */
int hald_weights_parse_npy(const void *buf, size_t len, const char *name,
                           hald_weights_t *out, hald_error_t *err);

/* Resolves which file to load.  Order: `explicit_path` (--weights) if not
 * NULL; else $HALD_WEIGHTS; else `config_path` if not NULL; else the first
 * existing HAL_mer_scores.npz or .npy in: ./weights, ../shared/weights,
 * <exe_dir>/../weights, <exe_dir>/../../shared/weights,
 * <exe_dir>/../share/hald (exe_dir may be NULL).  An explicit, environment
 * or config path is returned as is, even if it does not exist, so the
 * load error names it.  Writes the path into out (size cap) and returns
 * HALD_OK, or HALD_E_INPUT with err listing the places searched. */
int hald_weights_resolve(const char *explicit_path, const char *config_path,
                         const char *exe_dir, char *out, size_t cap,
                         hald_error_t *err);

/* Lowercase hex of the 32-byte digest into out (at least 65 bytes). */
void hald_sha256_hex(const uint8_t digest[32], char out[65]);

#ifdef __cplusplus
}
#endif
#endif
