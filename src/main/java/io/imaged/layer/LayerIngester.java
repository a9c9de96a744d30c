package io.imaged.layer;

import io.imaged.oci.MediaTypes;

import io.imaged.store.BlobStore;
import io.imaged.digest.Digest;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;
import io.imaged.store.Store;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;

/**
 * Stores a layer that has no registry blob (import, load): the stream is decompressed if it is
 * compressed, measured in one pass while its plain tar goes to the blob store, then registered.
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
