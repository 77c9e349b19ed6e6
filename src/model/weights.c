/* hald — loading and locating the HAL hexamer coefficient table.
 *
 * The whole file is read into memory once: its bytes are hashed (so the
 * digest printed always describes exactly what was parsed) and, for a
 * .npz, handed to minizip through an in-memory I/O layer instead of
 * reopening the path.  The .npy parser is self-contained and treats its
 * input as hostile: it is also a fuzzing target. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* POSIX.1-2008, and <endian.h>'s htole64 and friends */
#endif

#include "hald/weights.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <unzip.h>

#include "hald/sha256.h"
#include "../io/le.h"

#ifndef HALD_DATADIR
#define HALD_DATADIR "/usr/local/share/hald"
#endif

/* The published file is 262 KB; anything near these caps is not a table. */
#define FILE_SIZE_CAP ((size_t)256 << 20)
#define MEMBER_SIZE_CAP ((uint64_t)64 << 20)

#define N_VALUES ((size_t)HALD_N_HEXAMERS * HALD_N_REGIONS)
#define NPY_MEMBER "weights.npy"

void hald_sha256_hex(const uint8_t digest[32], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[64] = '\0';
}

/* ------------------------------------------------------------ .npy header */

#define NPY_MAX_DIMS 8
#define NPY_DESCR_MAX 32
/* Bounds each dimension so products and formatting can never overflow. */
#define NPY_DIM_MAX 1000000000000ull

typedef struct npy_header {
    char descr[NPY_DESCR_MAX];
    bool fortran_order;
    size_t ndim;
    unsigned long long dims[NPY_MAX_DIMS];
    bool have_descr, have_fortran, have_shape;
} npy_header_t;

typedef struct cursor {
    const char *p;
    const char *end;
    const char *why; /* first syntax problem, a static string */
} cursor_t;

static bool fail(cursor_t *c, const char *why)
{
    if (!c->why)
        c->why = why;
    return false;
}

static void skip_ws(cursor_t *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool expect_char(cursor_t *c, char ch, const char *why)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p != ch)
        return fail(c, why);
    c->p++;
    return true;
}

/* A quoted Python string without escapes: dtype strings never need them. */
static bool parse_str(cursor_t *c, char *dst, size_t cap)
{
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return fail(c, "expected a quoted string");
    char quote = *c->p++;
    size_t n = 0;
    for (; c->p < c->end && *c->p != quote; c->p++) {
        unsigned char ch = (unsigned char)*c->p;
        if (ch == '\\' || ch < 0x20 || ch > 0x7e)
            return fail(c, "unsupported character in a string");
        if (n + 1 >= cap)
            return fail(c, "string too long");
        dst[n++] = (char)ch;
    }
    if (c->p >= c->end)
        return fail(c, "unterminated string");
    c->p++;
    dst[n] = '\0';
    return true;
}

static bool match_word(cursor_t *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return false;
    c->p += n;
    return true;
}

static bool parse_bool(cursor_t *c, bool *out)
{
    skip_ws(c);
    if (match_word(c, "True"))
        *out = true;
    else if (match_word(c, "False"))
        *out = false;
    else
        return fail(c, "fortran_order must be True or False");
    return true;
}

static bool parse_dim(cursor_t *c, unsigned long long *out)
{
    unsigned long long v = 0;
    const char *start = c->p;
    for (; c->p < c->end && *c->p >= '0' && *c->p <= '9'; c->p++) {
        v = v * 10 + (unsigned long long)(*c->p - '0');
        if (v > NPY_DIM_MAX)
            return fail(c, "shape dimension too large");
    }
    if (c->p == start)
        return fail(c, "shape must be a tuple of integers");
    if (c->p < c->end && *c->p == 'L') /* written by Python 2 numpy */
        c->p++;
    *out = v;
    return true;
}

static bool parse_shape(cursor_t *c, npy_header_t *h)
{
    if (!expect_char(c, '(', "shape must be a tuple"))
        return false;
    h->ndim = 0;
    for (;;) {
        skip_ws(c);
        if (c->p < c->end && *c->p == ')')
            break;
        if (h->ndim == NPY_MAX_DIMS)
            return fail(c, "shape has too many dimensions");
        if (!parse_dim(c, &h->dims[h->ndim++]))
            return false;
        skip_ws(c);
        if (c->p < c->end && *c->p == ',')
            c->p++;
        else if (c->p >= c->end || *c->p != ')')
            return fail(c, "expected ',' or ')' in shape");
    }
    c->p++;
    return true;
}

static bool parse_entry(cursor_t *c, npy_header_t *h)
{
    char key[16];
    if (!parse_str(c, key, sizeof key) || !expect_char(c, ':', "expected ':' after a key"))
        return false;
    if (strcmp(key, "descr") == 0 && !h->have_descr) {
        h->have_descr = true;
        skip_ws(c);
        if (c->p < c->end && *c->p == '[')
            return fail(c, "structured dtypes are not supported");
        return parse_str(c, h->descr, sizeof h->descr);
    }
    if (strcmp(key, "fortran_order") == 0 && !h->have_fortran) {
        h->have_fortran = true;
        return parse_bool(c, &h->fortran_order);
    }
    if (strcmp(key, "shape") == 0 && !h->have_shape) {
        h->have_shape = true;
        return parse_shape(c, h);
    }
    return fail(c, "unknown or repeated key");
}

static bool parse_dict(cursor_t *c, npy_header_t *h)
{
    if (!expect_char(c, '{', "expected '{'"))
        return false;
    for (;;) {
        skip_ws(c);
        if (c->p < c->end && *c->p == '}')
            break;
        if (!parse_entry(c, h))
            return false;
        skip_ws(c);
        if (c->p < c->end && *c->p == ',')
            c->p++;
        else if (c->p >= c->end || *c->p != '}')
            return fail(c, "expected ',' or '}'");
    }
    c->p++;
    skip_ws(c); /* numpy pads the header with spaces and a newline */
    if (c->p != c->end)
        return fail(c, "unexpected text after the dictionary");
    if (!h->have_descr || !h->have_fortran || !h->have_shape)
        return fail(c, "missing key (descr, fortran_order and shape are required)");
    return true;
}

static void format_shape(const npy_header_t *h, char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "(");
    for (size_t i = 0; i < h->ndim && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%llu", i ? ", " : "", h->dims[i]);
    if (n < cap)
        snprintf(buf + n, cap - n, h->ndim == 1 ? ",)" : ")");
}

/* Splits the image into header text and data; returns the data offset. */
static int npy_split(const uint8_t *b, size_t len, const char *name, size_t *hdr_off,
                     size_t *hdr_len, hald_error_t *err)
{
    if (len < 10)
        return hald_error_set(err, HALD_E_INPUT, "%s: truncated npy header (%zu bytes)", name, len);
    if (memcmp(b, "\x93NUMPY", 6) != 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: bad magic, not a .npy file", name);
    size_t off, hl;
    if (b[6] == 1) {
        off = 10;
        hl = hald_get_le16(b + 8);
    } else if (b[6] == 2 || b[6] == 3) {
        if (len < 12)
            return hald_error_set(err, HALD_E_INPUT, "%s: truncated npy header (%zu bytes)",
                                  name, len);
        off = 12;
        hl = hald_get_le32(b + 8);
    } else {
        return hald_error_set(err, HALD_E_INPUT, "%s: unsupported npy format version %u.%u",
                              name, b[6], b[7]);
    }
    if (hl > len - off)
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: truncated npy header: header length %zu, only %zu bytes follow",
                              name, hl, len - off);
    *hdr_off = off;
    *hdr_len = hl;
    return HALD_OK;
}

/* Returns the item size for an accepted dtype, or 0. */
static size_t check_header(const npy_header_t *h, const char *name, hald_error_t *err)
{
    size_t itemsize = strcmp(h->descr, "<f8") == 0 ? 8 : strcmp(h->descr, "<f4") == 0 ? 4 : 0;
    if (!itemsize) {
        hald_error_set(err, HALD_E_INPUT, "%s: unsupported dtype '%s', expected '<f8' or '<f4'",
                       name, h->descr);
        return 0;
    }
    if (h->fortran_order) {
        hald_error_set(err, HALD_E_INPUT,
                       "%s: fortran_order is True, only C-order arrays are supported", name);
        return 0;
    }
    if (h->ndim != 2 || h->dims[0] != HALD_N_HEXAMERS || h->dims[1] != HALD_N_REGIONS) {
        char shape[NPY_MAX_DIMS * 16 + 8];
        format_shape(h, shape, sizeof shape);
        hald_error_set(err, HALD_E_INPUT, "%s: shape %s, expected (%d, %d)", name, shape,
                       HALD_N_HEXAMERS, HALD_N_REGIONS);
        return 0;
    }
    return itemsize;
}

static double decode_le(const uint8_t *p, size_t itemsize)
{
    if (itemsize == 8)
        return hald_get_le_f64(p);
    uint32_t b32 = hald_get_le32(p);
    float f;
    memcpy(&f, &b32, sizeof f);
    return (double)f;
}

static int decode_values(const uint8_t *data, size_t itemsize, const char *name,
                         hald_weights_t *out, hald_error_t *err)
{
    for (size_t r = 0; r < HALD_N_HEXAMERS; r++) {
        for (size_t col = 0; col < HALD_N_REGIONS; col++) {
            double v = decode_le(data + (r * HALD_N_REGIONS + col) * itemsize, itemsize);
            if (!isfinite(v))
                return hald_error_set(err, HALD_E_INPUT,
                                      "%s: non-finite value (%s) at row %zu column %zu", name,
                                      isnan(v) ? "nan" : "inf", r, col);
            out->w[r][col] = v;
        }
    }
    return HALD_OK;
}

/* The table from an npy image; the caller records the digest of the
 * file it came in (hashing the member of an npz as well cost a second
 * pass for nothing). */
static int parse_npy(const void *buf, size_t len, const char *name, hald_weights_t *out,
                     hald_error_t *err)
{
    const uint8_t *b = buf;
    size_t hoff = 0, hlen = 0;
    if (!name)
        name = "(npy)";
    int rc = npy_split(b, len, name, &hoff, &hlen, err);
    if (rc != HALD_OK)
        return rc;

    npy_header_t h = {0};
    cursor_t c = {(const char *)b + hoff, (const char *)b + hoff + hlen, NULL};
    if (!parse_dict(&c, &h))
        return hald_error_set(err, HALD_E_INPUT, "%s: bad npy header: %s at byte %zu", name,
                              c.why, (size_t)(c.p - (const char *)b));
    size_t itemsize = check_header(&h, name, err);
    if (!itemsize)
        return HALD_E_INPUT;

    size_t have = len - hoff - hlen, want = N_VALUES * itemsize;
    if (have < want)
        return hald_error_set(err, HALD_E_INPUT, "%s: truncated data: %zu bytes, expected %zu",
                              name, have, want);
    if (have > want)
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: %zu bytes of data, expected %zu (extra trailing bytes)", name,
                              have, want);
    return decode_values(b + hoff + hlen, itemsize, name, out, err);
}

int hald_weights_parse_npy(const void *buf, size_t len, const char *name,
                           hald_weights_t *out, hald_error_t *err)
{
    if (!name)
        name = "(npy)";
    int rc = parse_npy(buf, len, name, out, err);
    if (rc != HALD_OK)
        return rc;
    hald_sha256(buf, len, out->sha256);
    snprintf(out->path, sizeof out->path, "%s", name);
    return HALD_OK;
}

/* ------------------------------------------------------------ file input */

static int read_file(const char *path, uint8_t **buf_out, size_t *len_out, hald_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s: cannot open", path);
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = HALD_OK;
    for (;;) {
        if (len == cap) {
            if (cap >= FILE_SIZE_CAP) {
                rc = hald_error_set(err, HALD_E_INPUT, "%s: file too large (%zu MiB or more)",
                                    path, FILE_SIZE_CAP >> 20);
                break;
            }
            size_t ncap = cap ? cap * 2 : (size_t)1 << 16;
            uint8_t *nbuf = realloc(buf, ncap);
            if (!nbuf) {
                rc = hald_error_set(err, HALD_E_NOMEM, "%s: out of memory reading file", path);
                break;
            }
            buf = nbuf;
            cap = ncap;
        }
        len += fread(buf + len, 1, cap - len, f);
        if (ferror(f)) {
            rc = hald_error_set_errno(err, HALD_E_IO, errno, "%s: read error", path);
            break;
        }
        if (feof(f))
            break;
    }
    fclose(f);
    if (rc != HALD_OK) {
        free(buf);
        return rc;
    }
    *buf_out = buf;
    *len_out = len;
    return HALD_OK;
}

/* ------------------------------------------------------------ .npz (zip) */

/* minizip reads the archive through these callbacks, straight from the
 * bytes already hashed. */
typedef struct mem_stream {
    const uint8_t *data;
    size_t len;
    size_t pos;
} mem_stream_t;

static voidpf ZCALLBACK mem_open(voidpf opaque, const void *filename, int mode)
{
    (void)filename;
    if ((mode & ZLIB_FILEFUNC_MODE_READWRITEFILTER) != ZLIB_FILEFUNC_MODE_READ)
        return NULL;
    mem_stream_t *m = opaque;
    m->pos = 0;
    return m;
}

static uLong ZCALLBACK mem_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
    (void)opaque;
    mem_stream_t *m = stream;
    size_t n = m->len - m->pos;
    if (n > size)
        n = size;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (uLong)n;
}

static uLong ZCALLBACK mem_write(voidpf opaque, voidpf stream, const void *buf, uLong size)
{
    (void)opaque;
    (void)stream;
    (void)buf;
    (void)size;
    return 0;
}

static ZPOS64_T ZCALLBACK mem_tell(voidpf opaque, voidpf stream)
{
    (void)opaque;
    return ((mem_stream_t *)stream)->pos;
}

static long ZCALLBACK mem_seek(voidpf opaque, voidpf stream, ZPOS64_T offset, int origin)
{
    (void)opaque;
    mem_stream_t *m = stream;
    ZPOS64_T base;
    switch (origin) {
    case ZLIB_FILEFUNC_SEEK_SET: base = 0; break;
    case ZLIB_FILEFUNC_SEEK_CUR: base = m->pos; break;
    case ZLIB_FILEFUNC_SEEK_END: base = m->len; break;
    default: return -1;
    }
    if (offset > m->len - base)
        return -1;
    m->pos = (size_t)(base + offset);
    return 0;
}

static int ZCALLBACK mem_close(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream;
    return 0;
}

static int ZCALLBACK mem_error(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream;
    return 0;
}

/* Makes the member to read current: weights.npy, else the only *.npy. */
static int zip_select_member(unzFile uf, const char *path, char *member, size_t cap,
                             hald_error_t *err)
{
    if (unzLocateFile(uf, NPY_MEMBER, 1) == UNZ_OK) {
        snprintf(member, cap, "%s", NPY_MEMBER);
        return HALD_OK;
    }
    unz64_file_pos pos = {0, 0};
    int n_npy = 0;
    for (int rc = unzGoToFirstFile(uf); rc == UNZ_OK; rc = unzGoToNextFile(uf)) {
        /* minizip leaves an over-long name unterminated. */
        char name[256] = {0};
        unz_file_info64 info;
        if (unzGetCurrentFileInfo64(uf, &info, name, sizeof name - 1, NULL, 0, NULL, 0) != UNZ_OK)
            return hald_error_set(err, HALD_E_INPUT, "%s: zip: corrupt central directory", path);
        size_t n = strlen(name);
        if (n >= 4 && strcmp(name + n - 4, ".npy") == 0 && n_npy++ == 0) {
            snprintf(member, cap, "%s", name);
            if (unzGetFilePos64(uf, &pos) != UNZ_OK)
                return hald_error_set(err, HALD_E_INPUT, "%s: zip: corrupt central directory",
                                      path);
        }
    }
    if (n_npy != 1)
        return n_npy == 0
                   ? hald_error_set(err, HALD_E_INPUT, "%s: zip: no member " NPY_MEMBER, path)
                   : hald_error_set(err, HALD_E_INPUT,
                                    "%s: zip: no member " NPY_MEMBER " and %d other .npy members",
                                    path, n_npy);
    if (unzGoToFilePos64(uf, &pos) != UNZ_OK)
        return hald_error_set(err, HALD_E_INPUT, "%s: zip: cannot seek to member %s", path,
                              member);
    return HALD_OK;
}

static int zip_read_current(unzFile uf, const char *path, const char *member, uint8_t **out,
                            size_t *out_len, hald_error_t *err)
{
    unz_file_info64 info;
    if (unzGetCurrentFileInfo64(uf, &info, NULL, 0, NULL, 0, NULL, 0) != UNZ_OK)
        return hald_error_set(err, HALD_E_INPUT, "%s: zip: corrupt entry for %s", path, member);
    if (info.flag & 1u)
        return hald_error_set(err, HALD_E_INPUT, "%s: zip: member %s is encrypted", path, member);
    if (info.uncompressed_size > MEMBER_SIZE_CAP)
        return hald_error_set(err, HALD_E_INPUT, "%s: zip: member %s too large (%llu bytes)",
                              path, member, (unsigned long long)info.uncompressed_size);
    size_t size = (size_t)info.uncompressed_size;
    int zrc = unzOpenCurrentFile(uf);
    if (zrc != UNZ_OK)
        return hald_error_set(err, HALD_E_INPUT, "%s: zip: cannot open member %s (error %d)",
                              path, member, zrc);

    uint8_t *buf = malloc(size ? size : 1);
    size_t got = 0;
    while (buf && got < size) {
        unsigned chunk = size - got > (1u << 20) ? 1u << 20 : (unsigned)(size - got);
        zrc = unzReadCurrentFile(uf, buf + got, chunk);
        if (zrc <= 0)
            break;
        got += (size_t)zrc;
    }
    int crc = unzCloseCurrentFile(uf);
    int rc = HALD_OK;
    if (!buf)
        rc = hald_error_set(err, HALD_E_NOMEM, "%s: zip: out of memory for %s", path, member);
    else if (zrc < 0)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: zip: corrupt data in %s (zlib error %d)",
                            path, member, zrc);
    else if (got != size)
        rc = hald_error_set(err, HALD_E_INPUT,
                            "%s: zip: corrupt data in %s (ends after %zu of %zu bytes)", path,
                            member, got, size);
    else if (crc == UNZ_CRCERROR)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: zip: CRC error in %s", path, member);
    else if (crc != UNZ_OK)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: zip: error %d closing %s", path, crc, member);
    if (rc != HALD_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *out_len = size;
    return HALD_OK;
}

static int load_npz(const uint8_t *data, size_t len, const char *path, hald_weights_t *out,
                    hald_error_t *err)
{
    mem_stream_t m = {data, len, 0};
    zlib_filefunc64_def io = {mem_open, mem_read, mem_write, mem_tell,
                              mem_seek, mem_close, mem_error, &m};
    unzFile uf = unzOpen2_64(path, &io);
    if (!uf)
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: zip: cannot read archive (corrupt or truncated)", path);
    char member[256];
    uint8_t *npy = NULL;
    size_t npy_len = 0;
    int rc = zip_select_member(uf, path, member, sizeof member, err);
    if (rc == HALD_OK)
        rc = zip_read_current(uf, path, member, &npy, &npy_len, err);
    unzClose(uf);
    if (rc == HALD_OK)
        rc = parse_npy(npy, npy_len, path, out, err);
    free(npy);
    return rc;
}

int hald_weights_load(const char *path, hald_weights_t *out, hald_error_t *err)
{
    if (!path || !out)
        return hald_error_set(err, HALD_E_USAGE, "hald_weights_load: no path or output");
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = read_file(path, &buf, &len, err);
    if (rc != HALD_OK)
        return rc;

    if (len >= 4 && (memcmp(buf, "PK\x03\x04", 4) == 0 || memcmp(buf, "PK\x05\x06", 4) == 0))
        rc = load_npz(buf, len, path, out, err);
    else if (len >= 6 && memcmp(buf, "\x93NUMPY", 6) == 0)
        rc = parse_npy(buf, len, path, out, err);
    else if (len == 0)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: empty file, not a .npz or .npy file", path);
    else
        rc = hald_error_set(err, HALD_E_INPUT, "%s: not a .npz or .npy file", path);

    if (rc == HALD_OK) {
        hald_sha256(buf, len, out->sha256);
        snprintf(out->path, sizeof out->path, "%s", path);
    }
    free(buf);
    return rc;
}

/* ------------------------------------------------------------ resolution */

static int copy_path(const char *src, const char *what, char *out, size_t cap,
                     hald_error_t *err)
{
    if (strlen(src) >= cap)
        return hald_error_set(err, HALD_E_INPUT, "weights path from %s is too long: %.64s...",
                              what, src);
    memcpy(out, src, strlen(src) + 1);
    return HALD_OK;
}

static bool readable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/* Tries dir/HAL_mer_scores.npz then .npy; appends dir to the searched list. */
static bool try_dir(const char *dir, char *out, size_t cap, char *searched, size_t scap)
{
    static const char *const ext[] = {".npz", ".npy"};
    size_t used = strlen(searched);
    if (used < scap)
        snprintf(searched + used, scap - used, "%s%s", used ? ", " : "", dir);
    for (size_t i = 0; i < 2; i++) {
        int n = snprintf(out, cap, "%s/" HALD_WEIGHTS_BASENAME "%s", dir, ext[i]);
        if (n > 0 && (size_t)n < cap && readable_file(out))
            return true;
    }
    return false;
}

int hald_weights_resolve(const char *explicit_path, const char *config_path,
                         const char *exe_dir, char *out, size_t cap, hald_error_t *err)
{
    if (!out || cap == 0)
        return hald_error_set(err, HALD_E_USAGE, "hald_weights_resolve: no output buffer");
    out[0] = '\0';
    if (explicit_path)
        return copy_path(explicit_path, "--weights", out, cap, err);
    const char *env = getenv("HALD_WEIGHTS");
    if (env && *env)
        return copy_path(env, "HALD_WEIGHTS", out, cap, err);
    if (config_path)
        return copy_path(config_path, "the config file", out, cap, err);

    static const char *const exe_rel[] = {"/../weights", "/../../shared/weights",
                                          "/../share/hald"};
    char searched[HALD_ERROR_MSG_MAX / 2] = "";
    char dir[4096];
    if (try_dir("weights", out, cap, searched, sizeof searched) ||
        try_dir("../shared/weights", out, cap, searched, sizeof searched))
        return HALD_OK;
    for (size_t i = 0; exe_dir && i < sizeof exe_rel / sizeof *exe_rel; i++) {
        int n = snprintf(dir, sizeof dir, "%s%s", exe_dir, exe_rel[i]);
        if (n > 0 && (size_t)n < sizeof dir && try_dir(dir, out, cap, searched, sizeof searched))
            return HALD_OK;
    }
    if (try_dir(HALD_DATADIR, out, cap, searched, sizeof searched))
        return HALD_OK;
    out[0] = '\0';
    return hald_error_set(err, HALD_E_INPUT,
                          "no weights file " HALD_WEIGHTS_BASENAME ".npz or .npy found in: %s; "
                          "pass --weights FILE, set HALD_WEIGHTS, or run weights/fetch",
                          searched);
}
