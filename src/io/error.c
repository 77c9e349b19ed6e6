#include "hald/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int hald_error_set(hald_error_t *err, hald_status_t code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int hald_error_set_errno(hald_error_t *err, hald_status_t code, int errnum,
                         const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < sizeof err->msg)
            snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s", strerror(errnum));
        err->code = code;
    }
    return code;
}

void hald_error_clear(hald_error_t *err)
{
    if (err) {
        err->code = HALD_OK;
        err->msg[0] = '\0';
    }
}
