/* VCF/BCF out through htslib: see vcf_writer.h. */
#include "vcf_writer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <htslib/bgzf.h>
#include <htslib/hfile.h>

#include "hald/variant_writer.h"

#ifndef HALD_VERSION
#define HALD_VERSION "unknown"
#endif

int hald_vcf_writer_begin(hald_vcf_writer_t *w, hald_sink_t *sink, const bcf_hdr_t *in,
                          hald_variant_out_t format, int genes, hald_error_t *err)
{
    memset(w, 0, sizeof *w);
    w->name = hald_sink_name(sink);
    int fd = hald_sink_fd(sink, err);
    if (fd < 0)
        return fd;
    /* htslib closes its own descriptor; the sink keeps and commits its own. */
    int dup_fd = dup(fd);
    hFILE *hf = dup_fd >= 0 ? hdopen(dup_fd, "w") : NULL;
    if (!hf) {
        int e = errno;
        if (dup_fd >= 0)
            close(dup_fd);
        return hald_error_set_errno(err, HALD_E_IO, e, "%s: cannot open for writing", w->name);
    }
    w->bcf = format == HALD_VARIANT_OUT_BCF;
    const char *mode = format == HALD_VARIANT_OUT_BCF      ? "wb"
                       : format == HALD_VARIANT_OUT_VCF_GZ ? "wz"
                                                           : "w";
    if (!(w->fp = hts_hopen(hf, w->name, mode))) {
        hclose_abruptly(hf);
        return hald_error_set(err, HALD_E_IO, "%s: htslib cannot write %s here", w->name, mode);
    }
    char line[512];
    snprintf(line, sizeof line,
             "##INFO=<ID=HAL,Number=.,Type=String,Description=\"HAL splice donor effect of each ALT "
             "allele per model (hald %s): the donor site of largest absolute DELTA whose window contains "
             "the change; SITE is 1-based on the plus strand, DELTA = ALT_SCORE - REF_SCORE. "
             "Format: %s\">",
             HALD_VERSION, genes ? HALD_HAL_FORMAT_GENES : HALD_HAL_FORMAT);
    if (!(w->hdr = bcf_hdr_dup(in)))
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory (VCF header)", w->name);
    /* A HAL line already there (a file annotated before) is replaced. */
    bcf_hdr_remove(w->hdr, BCF_HL_INFO, "HAL");
    if (bcf_hdr_append(w->hdr, line) != 0 || bcf_hdr_sync(w->hdr) != 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: cannot add the HAL line to the VCF header",
                              w->name);
    if (bcf_hdr_write(w->fp, w->hdr) != 0)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s: write failed", w->name);
    return HALD_OK;
}

int hald_vcf_writer_put(hald_vcf_writer_t *w, bcf1_t *rec, const char *hal, size_t len,
                        hald_error_t *err)
{
    int rc;
    if (len) {
        w->value.len = 0;
        if (hald_buf_append(&w->value, hal, len, err) != HALD_OK ||
            hald_buf_append(&w->value, "", 1, err) != HALD_OK)
            return err->code;
        rc = bcf_update_info_string(w->hdr, rec, "HAL", w->value.data);
    } else {
        rc = bcf_update_info_string(w->hdr, rec, "HAL", NULL);
    }
    if (rc < 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: cannot set INFO/HAL of %s:%lld", w->name,
                              bcf_seqname_safe(w->hdr, rec), (long long)rec->pos + 1);
    if (bcf_write(w->fp, w->hdr, rec) != 0)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s: write failed", w->name);
    return HALD_OK;
}

int hald_vcf_writer_put_line(hald_vcf_writer_t *w, const char *line, size_t n, const char *hal,
                             size_t len, hald_error_t *err)
{
    w->value.len = 0;
    if (hald_vcf_line_set_hal(line, n, hal, len, &w->value, err) != HALD_OK ||
        hald_buf_append(&w->value, "\n", 1, err) != HALD_OK)
        return err->code;
    BGZF *z = w->fp->format.compression == bgzf ? w->fp->fp.bgzf : NULL;
    ssize_t wrote = z ? bgzf_write(z, w->value.data, w->value.len)
                         : hwrite(w->fp->fp.hfile, w->value.data, w->value.len);
    if (wrote != (ssize_t)w->value.len)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s: write failed", w->name);
    return HALD_OK;
}

int hald_vcf_writer_add_contigs(hald_vcf_writer_t *w, const hald_buf_t *names, hald_error_t *err)
{
    for (size_t at = 0; at < names->len; at += strlen(names->data + at) + 1) {
        const char *name = names->data + at;
        if (w->bcf)
            return hald_error_set(err, HALD_E_INPUT,
                                  "%s: contig %s is not declared in the VCF header (##contig), "
                                  "which BCF output needs",
                                  w->name, name);
        if (bcf_hdr_printf(w->hdr, "##contig=<ID=%s>", name) != 0 || bcf_hdr_sync(w->hdr) != 0)
            return hald_error_set(err, HALD_E_NOMEM, "%s: cannot add contig %s", w->name, name);
    }
    return HALD_OK;
}

int hald_vcf_writer_finish(hald_vcf_writer_t *w, hald_error_t *err)
{
    int rc = w->fp ? hts_close(w->fp) : 0;
    w->fp = NULL;
    if (rc != 0)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s: write failed", w->name);
    return HALD_OK;
}

void hald_vcf_writer_free(hald_vcf_writer_t *w)
{
    if (w->fp)
        hts_close(w->fp);
    if (w->hdr)
        bcf_hdr_destroy(w->hdr);
    hald_buf_free(&w->value);
    memset(w, 0, sizeof *w);
}
