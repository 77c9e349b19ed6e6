/* Effect columns: see hald/effect.h. */
#include "hald/effect.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hald/numfmt.h"

double hald_sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

static char *number(char *p, double x)
{
    *p++ = '\t';
    if (isnan(x)) {
        memcpy(p, "NA", 2);
        return p + 2;
    }
    return p + hald_format_g15(x, p);
}

char *hald_effect_cols(char *p, const double *ref, const double *alt, int k)
{
    for (int j = 0; j < k; j++) {
        double delta = alt[j] - ref[j]; /* NaN when either is */
        p = number(p, ref[j]);
        p = number(p, alt[j]);
        p = number(p, delta);
        p = number(p, hald_sigmoid(delta));
    }
    return p;
}

int hald_effect_header(hald_model_set_t set, hald_buf_t *out, hald_error_t *err)
{
    static const char *const COLS[] = {"ref", "alt", "delta", "sigmoid"};
    for (int m = 0; m < HALD_N_MODELS; m++) {
        if (!(set & (1u << m)))
            continue;
        for (int c = 0; c < 4; c++) {
            char col[32];
            int n = snprintf(col, sizeof col, "\t%s_%s", COLS[c], hald_model_name((hald_model_t)m));
            if (hald_buf_append(out, col, (size_t)n, err) != HALD_OK)
                return err->code;
        }
    }
    return HALD_OK;
}
