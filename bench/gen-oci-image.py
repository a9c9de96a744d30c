#!/usr/bin/env python3
"""Writes a synthetic OCI image layout for the transfer benchmark, without the network.

usage: gen-oci-image.py DIR TAG LAYERS MB_PER_LAYER [SEED] [MIX]

Each layer is a gzip-compressed tar holding a mix of incompressible files (random bytes) and compressible
ones, so that both the network and gzip matter, like a real image. Layer sizes vary around MB_PER_LAYER
(uncompressed). MIX "half" (the default): every other file random, the rest hex text of random bytes, which
gzip halves (about 0.77 of the plain size in all). MIX "dense": a fifth of the bytes in random files, the rest hex text
in which every 1 KiB block appears twice (gzip keeps about 0.32), about 0.46 in all, like the 566 MB / 260 MB
image of issue 11 (`gen-oci-image.py DIR 1 4 135 11 dense`).
"""
import gzip
import hashlib
import io
import json
import os
import random
import sys
import tarfile

CHUNK = 4 * 1024 * 1024


class HashingWriter:
    """A write-only file object that hashes and counts what passes through it."""

    def __init__(self, out):
        self.out = out
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, b):
        self.sha.update(b)
        self.size += len(b)
        return self.out.write(b)

    def flush(self):
        self.out.flush()


def add_file(tar, name, size, compressible, rng, doubled=False):
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o644
    info.mtime = 1700000000
    data = io.BytesIO()
    left = size
    while left > 0:
        n = min(left, CHUNK)
        if compressible and doubled:
            block = rng.randbytes(512).hex().encode()
            chunk = ((block + block) * (n // (2 * len(block)) + 1))[:n] if n < 2 * len(block) else b"".join(
                (lambda b: b + b)(rng.randbytes(512).hex().encode()) for _ in range((n + 2047) // 2048))[:n]
        elif compressible:
            chunk = rng.randbytes((n + 1) // 2).hex().encode()[:n]
        else:
            chunk = rng.randbytes(n)
        data.write(chunk)
        left -= n
    data.seek(0)
    tar.addfile(info, data)


def write_layer(blobs, index, mb, rng, mix="half"):
    tmp = os.path.join(blobs, "tmp-layer")
    with open(tmp, "wb") as f:
        compressed = HashingWriter(f)
        # level 6 is gzip's and Go's default, what docker push and most registries' images use
        with gzip.GzipFile(fileobj=compressed, mode="wb", compresslevel=6, mtime=0) as gz:
            plain = HashingWriter(gz)
            with tarfile.open(fileobj=plain, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                d = tarfile.TarInfo(f"layer{index}")
                d.type = tarfile.DIRTYPE
                d.mode = 0o755
                d.mtime = 1700000000
                tar.addfile(d)
                total = int(mb * 1024 * 1024)
                i = 0
                written = random_bytes = 0
                while total > 0:
                    size = min(total, rng.randint(64 * 1024, max(128 * 1024, min(24 << 20, int(mb * (1 << 20)) // 4))))
                    # dense: a fifth of the BYTES random (a file is random while the random share is below 1/5);
                    # one file in four by count left the share to the draw of a few large files (0.46 to 0.52 in all)
                    text = random_bytes >= written / 5 if mix == "dense" else i % 2 == 1
                    written += size
                    random_bytes += 0 if text else size
                    add_file(tar, f"layer{index}/f{i:04d}.{'txt' if text else 'bin'}", size, text, rng, mix == "dense")
                    total -= size
                    i += 1
    digest = "sha256:" + compressed.sha.hexdigest()
    os.replace(tmp, os.path.join(blobs, compressed.sha.hexdigest()))
    return digest, compressed.size, "sha256:" + plain.sha.hexdigest()


def put_json(blobs, obj):
    raw = json.dumps(obj, separators=(",", ":")).encode()
    h = hashlib.sha256(raw).hexdigest()
    with open(os.path.join(blobs, h), "wb") as f:
        f.write(raw)
    return "sha256:" + h, len(raw)


def main():
    out, tag, layers, mb = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    mix = sys.argv[6] if len(sys.argv) > 6 else "half"
    rng = random.Random(seed)
    blobs = os.path.join(out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    layer_descs, diff_ids = [], []
    for i in range(layers):
        size_mb = mb * rng.uniform(0.5, 1.5) if layers > 4 else mb
        digest, size, diff_id = write_layer(blobs, i, size_mb, rng, mix)
        layer_descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size})
        diff_ids.append(diff_id)
        print(f"layer {i}: {size / 1e6:.1f} MB compressed, {digest}", file=sys.stderr)
    config = {
        "created": "2024-01-01T00:00:00Z",
        "architecture": "amd64",
        "os": "linux",
        "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2024-01-01T00:00:00Z", "created_by": f"bench layer {i}"} for i in range(layers)],
    }
    cdigest, csize = put_json(blobs, config)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest, "size": csize},
        "layers": layer_descs,
    }
    mdigest, msize = put_json(blobs, manifest)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest, "size": msize,
            "annotations": {"org.opencontainers.image.ref.name": tag}}]}, f)


if __name__ == "__main__":
    main()
