/* hald — SHA-256 (FIPS 180-4), to report and check the weights' digest. */
#ifndef HALD_SHA256_H
#define HALD_SHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hald_sha256 {
    uint32_t state[8];
    uint64_t total_len;
    uint8_t block[64];
    size_t block_len;
} hald_sha256_t;

void hald_sha256_init(hald_sha256_t *ctx);
void hald_sha256_update(hald_sha256_t *ctx, const void *data, size_t len);
void hald_sha256_final(hald_sha256_t *ctx, uint8_t digest[32]);
/* One-shot convenience. */
void hald_sha256(const void *data, size_t len, uint8_t digest[32]);

#ifdef __cplusplus
}
#endif
#endif
