/* Counters and their Prometheus text: see metrics.h. */
#include "metrics.h"

#include <stdio.h>

const unsigned SERVE_STATUSES[SERVE_N_STATUSES] = {200, 400, 404, 405, 413, 500, 503, 0};

static const char *const PATHS[EP_COUNT] = {"/score", "/pairs", "/variants", "/health", "/metrics", "other"};

static uint64_t get(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void add(uint64_t *p, uint64_t v)
{
    __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

void serve_metrics_count(serve_metrics_t *m, serve_endpoint_t e, unsigned status,
                         uint64_t windows, uint64_t bytes_in, uint64_t bytes_out)
{
    size_t k = 0;
    while (k + 1 < SERVE_N_STATUSES && SERVE_STATUSES[k] != status)
        k++;
    add(&m->requests[e][k], 1);
    add(&m->windows, windows);
    add(&m->bytes_in, bytes_in);
    add(&m->bytes_out, bytes_out);
    if (status != 200)
        add(&m->errors, 1);
}

static int put(hald_buf_t *out, hald_error_t *err, const char *name, const char *type,
               const char *help, uint64_t v)
{
    char line[512];
    int n = snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name,
                     type, name, (unsigned long long)v);
    return hald_buf_append(out, line, (size_t)n, err);
}

int serve_metrics_text(const serve_metrics_t *m, hald_buf_t *out, hald_error_t *err)
{
    static const char head[] = "# HELP hald_requests_total Requests answered, by endpoint and status.\n"
                               "# TYPE hald_requests_total counter\n";
    if (hald_buf_append(out, head, sizeof head - 1, err) != HALD_OK)
        return err->code;
    for (int e = 0; e < EP_COUNT; e++)
        for (size_t k = 0; k < SERVE_N_STATUSES; k++) {
            uint64_t v = get(&m->requests[e][k]);
            if (!v && !(k == 0 && e <= EP_PAIRS))
                continue; /* the series that exist, and the main ones from the start */
            char line[160], code[16];
            if (SERVE_STATUSES[k])
                snprintf(code, sizeof code, "%u", SERVE_STATUSES[k]);
            else
                snprintf(code, sizeof code, "other");
            int n = snprintf(line, sizeof line, "hald_requests_total{path=\"%s\",code=\"%s\"} %llu\n",
                             PATHS[e], code, (unsigned long long)v);
            if (hald_buf_append(out, line, (size_t)n, err) != HALD_OK)
                return err->code;
        }
    if (put(out, err, "hald_windows_scored_total", "counter", "Records and pairs scored.", get(&m->windows)) ||
        put(out, err, "hald_errors_total", "counter", "Answers other than 200.", get(&m->errors)) ||
        put(out, err, "hald_bytes_in_total", "counter", "Request body bytes read.", get(&m->bytes_in)) ||
        put(out, err, "hald_bytes_out_total", "counter", "Response body bytes sent.", get(&m->bytes_out)) ||
        put(out, err, "hald_requests_in_flight", "gauge", "Requests being read, scored or answered.",
            get(&m->in_flight)))
        return err->code;
    return HALD_OK;
}
