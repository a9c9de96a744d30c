package io.imaged.layer;

import io.imaged.oci.MediaTypes;

import io.imaged.store.BlobStore;
import io.imaged.digest.Digest;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;
import io.imaged.store.Store;
import org.springframework.stereotype.Component;

import org.apache.commons.compress.compressors.CompressorStreamFactory;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;

/**
 * Stores a layer that has no registry blob (import, load). A stream is decompressed if it is compressed, measured
 * in one pass while its plain tar goes to the blob store, then registered. A local file (a layer of an unpacked
 * archive) is measured where it lies and then moved into the blob store as it is — a plain tar under its diff ID,
 * a gzip blob under its own digest — so a load writes each layer's bytes once.
 */
@Component
public class LayerIngester {
    private final Store store;

    public LayerIngester(Store store) {
        this.store = store;
    }

    /** A stored, measured layer tar, not yet registered as a layer. */
    public record IngestedTar(TarMeasurement measurement, LayerBlob blob) {
    }

    /**
     * A layer file measured where it lies: the digest of its bytes ({@code fileDigest}, what an OCI manifest names)
     * and its tar's measurement; {@code blob} is what it will be stored as.
     */
    public record MeasuredFile(Path file, Digest fileDigest, TarMeasurement measurement, LayerBlob blob) {
    }

    /**
     * Reads a layer file once: a plain tar is hashed and its headers checked; a gzip file is hashed as it is and
     * inflated to measure its tar. Null for another compression (bzip2, xz, zstd), which {@link #storeTar} stores
     * inflated instead. Nothing is written.
     */
    public MeasuredFile measureFile(Path file) throws IOException {
        MessageDigest sha = Digest.newSha256();
        DigestInputStream raw = new DigestInputStream(Files.newInputStream(file), sha);
        try (BufferedInputStream in = new BufferedInputStream(raw, 1 << 16)) {
            String kind = Decompression.kind(in);
            if (kind == null) {
                // a plain tar's bytes are the file's: the digest TarMeasurer takes is its diff ID and its blob digest
                raw.on(false);
                TarMeasurement m = measure(in);
                return new MeasuredFile(file, m.diffId(), m, new LayerBlob(m.diffId(), MediaTypes.DOCKER_LAYER_TAR, m.tarSize()));
            }
            if (!kind.equals(CompressorStreamFactory.GZIP)) return null;
            TarMeasurement m = measure(CompressedInputGuard.decompress(in));
            in.transferTo(OutputStream.nullOutputStream()); // the blob digest covers every byte
            Digest d = Digest.fromHash(sha.digest());
            return new MeasuredFile(file, d, m, new LayerBlob(d, MediaTypes.DOCKER_LAYER_GZIP, Files.size(file)));
        }
    }

    private static TarMeasurement measure(InputStream tar) throws IOException {
        try {
            return TarMeasurer.measure(tar, OutputStream.nullOutputStream());
        } catch (java.io.EOFException e) {
            throw new InvalidArchiveException("Error processing tar file(exit status 1): unexpected EOF", e);
        }
    }

    /** Moves a measured file into the blob store (leased until the load commits); the file is gone afterwards. */
    public IngestedTar adopt(MeasuredFile f, io.imaged.store.Lease lease) throws IOException {
        lease.blob(f.blob().digest());
        store.blobs().adoptLocalFile(f.file(), f.blob().digest());
        return new IngestedTar(f.measurement(), f.blob());
    }

    public IngestedTar storeTar(InputStream maybeCompressed, io.imaged.store.Lease lease) throws IOException {
        InputStream tar = CompressedInputGuard.decompress(maybeCompressed);
        try (BlobStore.BlobWriter w = store.blobs().newWriter()) {
            TarMeasurement m;
            try {
                m = TarMeasurer.measure(tar, w.stream());
            } catch (java.io.EOFException e) {
                throw new InvalidArchiveException("Error processing tar file(exit status 1): unexpected EOF", e);
            }
            lease.blob(m.diffId());
            Digest d = w.commit(m.diffId());
            return new IngestedTar(m, new LayerBlob(d, MediaTypes.DOCKER_LAYER_TAR, m.tarSize()));
        }
    }

    /** Registers an ingested tar as the layer on top of {@code parentChain}. */
    public Layer register(Digest parentChain, IngestedTar tar, io.imaged.store.Lease lease) throws IOException {
        try (Store.Held held = store.write()) {
            lease.layer(Layer.chainId(parentChain, tar.measurement().diffId()));
            return store.layers().register(parentChain, tar.measurement().diffId(), tar.measurement().fileBytes(),
                    tar.measurement().tarSize(), tar.blob());
        }
    }
}
