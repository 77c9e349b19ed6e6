/* hald — error reporting shared by every library module.
 *
 * Library functions never print and never exit: they return a negative
 * hald status and fill a caller-owned hald_error_t with a one-line message
 * that already names the file, record and reason.  The CLI decides what to
 * print and which exit code to use. */
#ifndef HALD_ERROR_H
#define HALD_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hald_status {
    HALD_OK = 0,
    HALD_E_INPUT = -1,   /* malformed or unsupported input data */
    HALD_E_IO = -2,      /* a read, write, open or rename failed */
    HALD_E_NOMEM = -3,   /* an allocation failed */
    HALD_E_USAGE = -4,   /* an invalid option or argument */
    HALD_E_UNSCORABLE = -5 /* --strict: a record that cannot be scored */
} hald_status_t;

#define HALD_ERROR_MSG_MAX 1024

typedef struct hald_error {
    hald_status_t code;
    char msg[HALD_ERROR_MSG_MAX];
} hald_error_t;

/* Records code and a printf-style message in err (err may be NULL).
 * Returns code, so callers can write `return hald_error_set(err, ...)`. */
int hald_error_set(hald_error_t *err, hald_status_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same, with ": strerror(errnum)" appended. */
int hald_error_set_errno(hald_error_t *err, hald_status_t code, int errnum,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Clears err to HALD_OK and an empty message. */
void hald_error_clear(hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
