#!/usr/bin/env python3
"""Checks for hald variants' end-to-end test.

    hald_vcfcheck.py apply GENOME.fa VCF OUT.fa
        the genome with every (single-ALT) SNV of VCF applied
    hald_vcfcheck.py bed TSV
        the TSV's sites as BED6 (one per start and strand), for hald scan --sites
    hald_vcfcheck.py best TSV
        per record the HAL value hald writes into a VCF, computed from the
        TSV rows: per ALT and model the row of largest |delta| (ties, equal
        to 12 digits: the first), "ALT|MODEL|start+1|strand|ref|alt|delta", joined by ','"""
import sys


def read_fasta(path):
    names, seqs, cur = [], [], []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(">"):
                if names:
                    seqs.append(cur)
                names.append(line)
                cur = []
            else:
                cur.append(line)
    seqs.append(cur)
    return names, ["".join(s) for s in seqs]


def apply(genome, vcf, out):
    names, seqs = read_fasta(genome)
    index = {n[1:].split()[0]: i for i, n in enumerate(names)}
    seqs = [list(s) for s in seqs]
    with open(vcf) as f:
        for line in f:
            if line.startswith("#"):
                continue
            c, pos, _, ref, alt = line.split("\t")[:5]
            if len(ref) == 1 and len(alt) == 1:
                s = seqs[index[c]]
                assert s[int(pos) - 1].upper() == ref.upper()
                s[int(pos) - 1] = alt
    with open(out, "w") as f:
        for n, s in zip(names, seqs):
            f.write(n + "\n" + "".join(s) + "\n")


def rows(tsv):
    with open(tsv) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            yield dict(zip(head, line.rstrip("\n").split("\t")))


def bed(tsv):
    seen = set()
    for r in rows(tsv):
        key = (r["chrom"], int(r["start"]), r["strand"])
        if key not in seen:
            seen.add(key)
    for c, s, st in sorted(seen):
        print("%s\t%d\t%d\t.\t0\t%s" % (c, s, s + 2, st))


def best(tsv):
    records = {}
    order = []
    for r in rows(tsv):
        key = (r["chrom"], r["pos"], r["ref"])
        if key not in records:
            records[key] = {}
            order.append(key)
        alleles = records[key]
        for m in ("mean", "regions"):
            if "delta_" + m not in r or r["delta_" + m] == "NA":
                continue
            k = (r["alt"], m)
            d = abs(float(r["delta_" + m]))
            # |deltas| equal to 12 digits are ties: the first row wins
            if k not in alleles or d > alleles[k][0] * (1 + 1e-12):
                alleles[k] = (d, "%s|%s|%d|%s|%s|%s|%s" % (
                    r["alt"], m, int(r["start"]) + 1, r["strand"], r["ref_" + m], r["alt_" + m],
                    r["delta_" + m]))
    for key in order:
        a = records[key]
        # ALT order as met in the TSV, mean before regions
        alts = []
        for alt, _ in a:
            if alt not in alts:
                alts.append(alt)
        vals = [a[(alt, m)][1] for alt in alts for m in ("mean", "regions") if (alt, m) in a]
        print("%s\t%s\t%s" % (key[0], key[1], ",".join(vals)))


cmd = sys.argv[1]
if cmd == "apply":
    apply(*sys.argv[2:5])
elif cmd == "bed":
    bed(sys.argv[2])
elif cmd == "best":
    best(sys.argv[2])
else:
    sys.exit("unknown command " + cmd)
