/* The daemon's counters, for GET /metrics in Prometheus' text format.
 * Updated by every connection thread: atomics, no lock. */
#ifndef HALD_SERVE_METRICS_H
#define HALD_SERVE_METRICS_H

#include <stdint.h>

#include "hald/buf.h"
#include "hald/error.h"

typedef enum serve_endpoint {
    EP_SCORE, EP_PAIRS, EP_VARIANTS, EP_HEALTH, EP_METRICS, EP_OTHER, EP_COUNT
} serve_endpoint_t;

/* The statuses hald answers with, in order. */
#define SERVE_N_STATUSES 8
extern const unsigned SERVE_STATUSES[SERVE_N_STATUSES]; /* 200 400 404 405 413 500 503 other */

typedef struct serve_metrics {
    uint64_t requests[EP_COUNT][SERVE_N_STATUSES];
    uint64_t windows;     /* records (score) and pairs scored */
    uint64_t errors;      /* answers other than 200 */
    uint64_t bytes_in, bytes_out;
    uint64_t in_flight;   /* requests between their headers and their answer's end */
} serve_metrics_t;

void serve_metrics_count(serve_metrics_t *m, serve_endpoint_t e, unsigned status,
                         uint64_t windows, uint64_t bytes_in, uint64_t bytes_out);
/* The text of GET /metrics, appended to out. */
int serve_metrics_text(const serve_metrics_t *m, hald_buf_t *out, hald_error_t *err);

#endif
