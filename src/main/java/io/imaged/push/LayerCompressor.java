package io.imaged.push;

import io.imaged.transfer.SingleFlight;

import io.imaged.oci.MediaTypes;

import io.imaged.store.BlobStore;
import io.imaged.digest.Digest;
import io.imaged.store.Layer;
import io.imaged.store.LayerBlob;
import io.imaged.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Gives a layer that only has its plain tar (imported, loaded) a gzip blob, once: the tar is streamed through gzip
 * into a new blob (hashed and counted while written, never held in memory) and the blob is registered with the
 * layer, so later pushes re-use it and push the same digest. Concurrent pushes of one layer share one compression.
 */
@Component
public class LayerCompressor {
    private static final Logger log = LoggerFactory.getLogger(LayerCompressor.class);
    private final Store store;
    private final SingleFlight<Digest, LayerBlob> compressions = new SingleFlight<>();

    public LayerCompressor(Store store) {
        this.store = store;
    }

    /** The layer's gzip blob, compressing its plain tar first when it has none. */
    public LayerBlob gzipBlob(Layer layer) throws IOException {
        LayerBlob existing = storedGzip(store.layers().get(layer.chainId()));
        if (existing != null) return existing;
        try {
            return compressions.run(layer.chainId(), () -> compress(layer));
        } catch (SingleFlight.JoinedRunFailed e) {
            throw SingleFlight.unwrap(e);
        }
    }

    private LayerBlob storedGzip(Layer layer) {
        if (layer == null) return null;
        for (LayerBlob b : layer.blobs()) {
            if (b.gzip() && store.blobs().exists(b.digest())) return b;
        }
        return null;
    }

    private LayerBlob compress(Layer layer) throws IOException {
        LayerBlob plain = layer.uncompressedBlob();
        if (plain == null || !store.blobs().exists(plain.digest())) {
            throw new IOException("layer " + layer.diffId() + " has neither a compressed nor an uncompressed blob stored");
        }
        long t0 = System.nanoTime();
        try (InputStream in = store.blobs().open(plain.digest()); BlobStore.BlobWriter w = store.blobs().newWriter()) {
            // mtime 0 and a fixed level: compressing the same tar again gives the same bytes
            GZIPOutputStream gz = new GZIPOutputStream(w.stream(), 1 << 16) {
                {
                    def.setLevel(Deflater.DEFAULT_COMPRESSION);
                }
            };
            in.transferTo(gz);
            gz.finish();
            gz.flush();
            long size = w.size();
            // commit and register under the read lock: garbage collection (write lock) cannot run between the
            // blob appearing and the layer naming it
            try (Store.Held held = store.read()) {
                Digest d = w.commit(null);
                LayerBlob blob = new LayerBlob(d, MediaTypes.DOCKER_LAYER_GZIP, size);
                store.layers().register(layer.parent(), layer.diffId(), layer.size(), layer.tarSize(), blob);
                log.info("compressed layer {} ({} bytes) to {} ({} bytes) in {} ms", layer.diffId(), plain.size(), d, size,
                        (System.nanoTime() - t0) / 1_000_000);
                return blob;
            }
        }
    }
}
