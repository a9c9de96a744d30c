package io.imaged.pull;

import io.imaged.layer.Decompression;
import io.imaged.layer.TarMeasurement;
import io.imaged.layer.TarMeasurer;
import io.imaged.transfer.Futures;
import io.imaged.transfer.TransferManager;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * The decompressing half of a layer download ({@link DownloadAttempt}), in two stages on two threads joined by a
 * second {@link ChunkPipe}: inflate, then diff ID (sha256) and tar headers ({@link TarMeasurer}). Inflating is about
 * three quarters of the work and the tar's hash most of the rest, so on one thread the measurer was the slowest of a
 * layer's threads, and the last layer of a pull, which runs alone, left the other core partly idle. With the
 * hash beside the inflater the three threads of a layer (network, inflate, hash) share the cores.
 * <p>
 * A failure of the inflater (corrupt gzip, bytes after the last member) is the measurement's failure, not the
 * "download stopped" that the tar stage then reads; when the tar stage fails first (a bad tar) the inflater stops at
 * its next buffer and stops reading the network pipe, which the download thread then hashes alone.
 */
final class LayerMeasurer {
    /** Inflated bytes in flight per layer: 4 × 256 KiB (recycled, as the network pipe's). */
    private static final int BUFFERS = 4;
    private static final int BUFFER_BYTES = 256 * 1024;

    private LayerMeasurer() {
    }

    /** Starts measuring what the download thread sends into {@code compressed}; the answer of the tar stage. */
    static Future<TarMeasurement> start(TransferManager transfers, ChunkPipe compressed) {
        return transfers.beside(() -> {
            ChunkPipe tar = new ChunkPipe(BUFFERS, BUFFER_BYTES);
            Future<?> inflating;
            try {
                inflating = transfers.beside(() -> {
                    inflate(compressed, tar);
                    return null;
                });
            } catch (RuntimeException rejected) {
                compressed.reader().close();
                compressed.readerDone();
                throw rejected;
            }
            try {
                return measure(tar, inflating);
            } finally {
                awaitEnd(inflating);
                tar.recycle();
            }
        });
    }

    /** The tar stage; when its input broke off because the inflater failed, the inflater's failure is thrown. */
    private static TarMeasurement measure(ChunkPipe tar, Future<?> inflating) throws Exception {
        try (InputStream in = tar.reader()) {
            return TarMeasurer.measure(in, null);
        } catch (IOException | RuntimeException e) {
            // the tar reader rewords a broken input as a tar error; the inflater's own failure is the real one
            if (tar.readerSawAbort()) throw inflateFailure(inflating, e);
            throw e;
        } finally {
            tar.readerDone();
        }
    }

    /** The inflate stage: reads the compressed pipe, fills the tar pipe's buffers; aborts the tar pipe on failure. */
    private static void inflate(ChunkPipe compressed, ChunkPipe tar) throws IOException {
        // closing the decompressor frees its native zlib/zstd state now rather than at some later GC
        try (InputStream in = compressed.reader(); InputStream plain = Decompression.detect(in)) {
            while (true) {
                byte[] buf = tar.claim();
                if (buf == null) return; // the tar stage has stopped (it failed): stop reading the network pipe too
                int n = plain.readNBytes(buf, 0, buf.length);
                tar.send(buf, n);
                if (n < buf.length) break;
            }
            tar.close();
        } catch (IOException | RuntimeException | Error e) {
            tar.abort();
            throw e;
        } finally {
            compressed.readerDone();
        }
    }

    private static Exception inflateFailure(Future<?> inflating, Exception fallback) {
        try {
            inflating.get();
            return fallback;
        } catch (ExecutionException e) {
            return e.getCause() instanceof Exception cause ? cause : fallback;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallback;
        } catch (CancellationException e) {
            return fallback;
        }
    }

    /** The tar pipe's buffers go back only once the inflater, its writer, has finished with them. */
    private static void awaitEnd(Future<?> inflating) {
        try {
            Futures.getUninterruptibly(inflating);
        } catch (ExecutionException | CancellationException e) {
            // its failure was reported by the tar stage (inflateFailure)
        }
    }
}
