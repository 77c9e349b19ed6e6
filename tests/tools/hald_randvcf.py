#!/usr/bin/env python3
"""Random variants of a genome as a sorted VCF, for tests and benchmarks.

    hald_randvcf.py GENOME.fa N SEED [--min-gap G] [--indels F] [--multi F]

SNVs (REF from the genome, a different ALT), and with probability F
indels of 1-10 bases after an anchor base (deletions and insertions,
VCF-style); --multi F gives that share of records a second ALT.  Records
are sorted in FASTA order, at least G bases apart (default 1), never on an
N.  The header declares every contig."""
import argparse
import random
import sys


def read_fasta(path):
    names, seqs, cur = [], [], []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith(">"):
                if names:
                    seqs.append("".join(cur))
                names.append(line[1:].split()[0])
                cur = []
            else:
                cur.append(line)
    if names:
        seqs.append("".join(cur))
    return names, seqs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("genome")
    ap.add_argument("n", type=int)
    ap.add_argument("seed", type=int)
    ap.add_argument("--min-gap", type=int, default=1)
    ap.add_argument("--indels", type=float, default=0.0)
    ap.add_argument("--multi", type=float, default=0.0)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    names, seqs = read_fasta(a.genome)
    total = sum(len(s) for s in seqs)
    # Positions spread over the genome, sorted, then thinned to the gap.
    picks = sorted(rng.randrange(total) for _ in range(a.n))
    out = sys.stdout
    out.write("##fileformat=VCFv4.2\n")
    for name, seq in zip(names, seqs):
        out.write("##contig=<ID=%s,length=%d>\n" % (name, len(seq)))
    out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    base = 0
    k = 0
    for name, seq in zip(names, seqs):
        last = -a.min_gap
        while k < len(picks) and picks[k] < base + len(seq):
            p = picks[k] - base
            k += 1
            if p - last < a.min_gap or p + 12 >= len(seq) or "N" in seq[p:p + 12].upper():
                continue
            last = p
            ref = seq[p].upper()
            if rng.random() < a.indels:
                size = rng.randint(1, 10)
                if rng.random() < 0.5:
                    ref = seq[p:p + size + 1].upper()
                    alts = [ref[0]]
                else:
                    alts = [ref + "".join(rng.choice("ACGT") for _ in range(size))]
            else:
                alts = [rng.choice([b for b in "ACGT" if b != ref])]
            if rng.random() < a.multi:
                more = rng.choice([b for b in "ACGT" if b != ref and b not in alts] or ["<DEL>"])
                alts.append(more)
            out.write("%s\t%d\t.\t%s\t%s\t.\tPASS\t.\n" % (name, p + 1, ref, ",".join(alts)))
        base += len(seq)


main()
