#!/usr/bin/env python3
"""Read a hald binary file (format version 2, docs/binary-format.md).

    python3 read_hald_bin.py FILE     print it as the TSV the run would print

As a module, with nothing but the standard library:

    head, rows = read("scores.bin")
    # scores: rows of (id, [score per model]); sites: rows of
    # (chrom, start, strand, canonical, [score per model], name or None)
    # with None for NA.  head["models"] names the score columns.

With numpy, the scores of one block are
np.frombuffer(payload, "<f8", count * k).reshape(count, k).
"""
import struct
import sys

MODELS = {1: "mean", 2: "regions"}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:8]
    if magic not in (b"HALDSCR\0", b"HALDSCN\0"):
        raise ValueError(f"{path}: not a hald binary file")
    version, header_size, k, flags = struct.unpack_from("<4I", data, 8)
    if version != 2 or header_size != 64:
        raise ValueError(f"{path}: version {version}, this reader reads 2")
    head = {
        "kind": "sites" if magic == b"HALDSCN\0" else "scores",
        "models": [MODELS[c] for c in data[24:24 + k]],
        "flags": flags,
        "record_size": struct.unpack_from("<I", data, 32)[0],
    }
    named = head["kind"] == "scores" or flags & 1
    rec = head["record_size"]
    names, rows, pos = {}, [], 64
    while True:
        if pos + 16 > len(data):
            raise ValueError(f"{path}: truncated: no end block")
        tag, count, size = struct.unpack_from("<4sIQ", data, pos)
        payload = data[pos + 16:pos + 16 + size]
        pos += 16 + size
        if tag == b"END ":
            total = struct.unpack_from("<Q", payload)[0]
            if total != len(rows) or pos != len(data):
                raise ValueError(f"{path}: end block counts {total}, file holds {len(rows)}")
            return head, rows
        if tag == b"NAME":
            for line in payload[:payload.rindex(b"\n") + 1].decode().splitlines():
                index, name = line.split("\t")
                names[int(index)] = name
            continue
        labels = payload[count * rec:].split(b"\n")[:count] if named else [None] * count
        for i in range(count):
            r = payload[i * rec:(i + 1) * rec]
            label = labels[i].decode() if named else None
            if head["kind"] == "scores":
                scores = struct.unpack_from(f"<{k}d", r)
                rows.append((label, [None if s != s else s for s in scores]))
            else:
                seq, strand, canonical, start = struct.unpack_from("<IcB2xQ", r)
                scores = struct.unpack_from(f"<{k}d", r, 16)
                rows.append((names[seq], start, strand.decode(), canonical,
                             [None if s != s else s for s in scores], label))


def tsv(head, rows, out):
    fmt = lambda s: "NA" if s is None else "%.15g" % s
    if head["kind"] == "scores":
        out.write("\t".join(["id"] + head["models"]) + "\n")
        for label, scores in rows:
            out.write("\t".join([label] + [fmt(s) for s in scores]) + "\n")
        return
    named = head["flags"] & 1
    out.write("\t".join(["chrom", "start", "end", "strand"] + head["models"] +
                        (["name", "canonical"] if named else [])) + "\n")
    for chrom, start, strand, canonical, scores, name in rows:
        cols = [chrom, str(start), str(start + 2), strand] + [fmt(s) for s in scores]
        if named:
            cols += [name or ".", "yes" if canonical else "no"]
        out.write("\t".join(cols) + "\n")


if __name__ == "__main__":
    tsv(*read(sys.argv[1]), sys.stdout)
