/* hald (internal) — the input's VCF records written again with the INFO
 * field HAL, as VCF, bgzip VCF or BCF (htslib), into a sink: the output
 * keeps the sink's promise (a temporary renamed only when complete). */
#ifndef HALD_WRITERS_VCF_WRITER_H
#define HALD_WRITERS_VCF_WRITER_H

#include <htslib/vcf.h>

#include "hald/buf.h"
#include "hald/error.h"
#include "hald/sink.h"
#include "hald/variants_run.h"

typedef struct hald_vcf_writer {
    htsFile *fp;
    bcf_hdr_t *hdr;
    const char *name;
    int bcf;
    hald_buf_t value;        /* the HAL value, NUL-terminated */
} hald_vcf_writer_t;

/* Writes the input's header with the ##INFO line of HAL (GENE in its
 * format with genes) and a ##hald_version line. */
int hald_vcf_writer_begin(hald_vcf_writer_t *w, hald_sink_t *sink, const bcf_hdr_t *in,
                          hald_variant_out_t format, int genes, hald_error_t *err);
/* Writes rec with HAL = hal[0..len) (len 0: rec without HAL). */
int hald_vcf_writer_put(hald_vcf_writer_t *w, bcf1_t *rec, const char *hal, size_t len,
                        hald_error_t *err);
/* Writes a text VCF's line as read (no newline) with HAL = hal[0..len)
 * spliced into its INFO (len 0: without HAL): the record byte for byte
 * but for INFO/HAL.  Plain and bgzip VCF only. */
int hald_vcf_writer_put_line(hald_vcf_writer_t *w, const char *line, size_t n, const char *hal,
                             size_t len, hald_error_t *err);
/* Declares contigs the input header lacked (NUL-terminated names, in the
 * order the reader added them).  Plain and bgzip VCF name them in records
 * as bcftools does; BCF cannot (its header is written): an error. */
int hald_vcf_writer_add_contigs(hald_vcf_writer_t *w, const hald_buf_t *names, hald_error_t *err);
/* Flushes and closes htslib's side (BGZF's end block). */
int hald_vcf_writer_finish(hald_vcf_writer_t *w, hald_error_t *err);
void hald_vcf_writer_free(hald_vcf_writer_t *w);

#endif
