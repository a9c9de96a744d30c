package io.imaged.pull;

import io.imaged.layer.BulkFilterInputStream;
import io.imaged.layer.TarMeasurement;
import io.imaged.layer.HashingInputStream;
import io.imaged.layer.InvalidArchiveException;
import io.imaged.registry.RegistryException;
import io.imaged.registry.RegistrySession;
import io.imaged.registry.Retrying;
import io.imaged.digest.Digest;
import io.imaged.store.Store;
import io.imaged.transfer.TransferManager;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP request's worth of a layer download ({@link LayerFetcher}), continuing the partial file: the network
 * bytes are appended and hashed while a second thread decompresses and measures them through a {@link ChunkPipe}.
 */
final class DownloadAttempt {
    private static final long PROGRESS_INTERVAL_NANOS = 100_000_000L;
    /** Per layer being fetched: 4 × 256 KiB between the network thread and the measurer (1 MiB, recycled). */
    private static final int PIPE_BUFFERS = 4;
    private static final int PIPE_BUFFER_BYTES = 256 * 1024;
    private final Store store;
    private final TransferManager transfers;
    private final RegistrySession session;
    private final Digest digest;
    private final long size;
    private final Path part;
    private final long have;
    private final LayerFetcher.Listener listener;
    private final int restartsSoFar;
    /** Where in the blob this attempt's network bytes start (0 when the registry ignored the Range request). */
    long begin;
    long received;
    boolean restartedFromZero;
    IOException networkFailure;

    DownloadAttempt(Store store, TransferManager transfers, RegistrySession session, Digest digest, long size, Path part,
                    long have, LayerFetcher.Listener listener, int restartsSoFar) {
        this.store = store;
        this.transfers = transfers;
        this.session = session;
        this.digest = digest;
        this.size = size;
        this.part = part;
        this.have = have;
        this.begin = have;
        this.listener = listener;
        this.restartsSoFar = restartsSoFar;
    }

    LayerFetcher.Fetched run(String mediaType) throws IOException {
        long start = have;
        RegistrySession.BlobStream net = null;
        try {
            if (size < 0 || have < size) {
                net = session.openBlob(digest, have);
                if (net.offset() == 0 && have > 0) {
                    // the registry ignored the Range request: start over, a bounded number of times
                    if (restartsSoFar >= LayerFetcher.MAX_RESTARTS_FROM_ZERO) {
                        throw new Retrying.NotRetryable("downloading " + digest + " from " + session.endpoint().name()
                                + ": " + LayerFetcher.RANGE_IGNORED + ": the registry answered a request from byte " + have
                                + " with the whole blob " + (restartsSoFar + 1) + " times and broke off each time");
                    }
                    Files.deleteIfExists(part);
                    start = 0;
                    begin = 0;
                    restartedFromZero = true;
                }
                long expectedBody = size < 0 ? -1 : size - start;
                if (size >= 0 && net.total() >= 0 && net.total() != size) {
                    throw new Retrying.NotRetryable("blob " + digest + " from " + session.endpoint().name() + " has "
                            + net.total() + " bytes, the manifest says " + size);
                }
                if (expectedBody >= 0 && net.length() >= 0 && net.length() != expectedBody) {
                    throw new Retrying.NotRetryable("blob " + digest + " from " + session.endpoint().name()
                            + " is sent with " + net.length() + " bytes from offset " + start + ", the manifest says "
                            + size + " in all");
                }
            }
            return measure(net, start, mediaType);
        } catch (RegistryException e) {
            if (e.status() == 416) Files.deleteIfExists(part);
            throw e;
        } finally {
            if (net != null) {
                try {
                    net.close();
                } catch (IOException ignored) {
                    // done with it
                }
            }
        }
    }

    private LayerFetcher.Fetched measure(RegistrySession.BlobStream net, long start, String mediaType) throws IOException {
        MessageDigest sha = Digest.newSha256();
        try (OutputStream append = io.imaged.store.PrivateFiles.newOutputStream(part, StandardOpenOption.APPEND);
             InputStream local = start > 0 ? new Limited(Files.newInputStream(part), start) : InputStream.nullInputStream()) {
            InputStream network = net == null ? InputStream.nullInputStream() : new NetworkTee(net.body(), append, start);
            HashingInputStream all = new HashingInputStream(new SequenceInputStream(local, network), sha, null);
            // this thread: network, partial file, blob hash; two threads beside it: inflate, then diff ID and tar headers
            ChunkPipe pipe = new ChunkPipe(PIPE_BUFFERS, PIPE_BUFFER_BYTES);
            Future<TarMeasurement> measuring = LayerMeasurer.start(transfers, pipe);
            try {
                return finish(all, pipe, measuring, append, sha, mediaType);
            } finally {
                pipe.recycle();
            }
        }
    }

    private LayerFetcher.Fetched finish(HashingInputStream all, ChunkPipe pipe, Future<TarMeasurement> measuring, OutputStream append,
                           MessageDigest sha, String mediaType) throws IOException {
        try {
            pump(all, pipe);
        } catch (IOException | RuntimeException | Error e) {
            pipe.abort();
            awaitQuietly(measuring);
            append.flush();
            throw e;
        }
        pipe.close();
        append.flush();
        if (size >= 0 && all.count() < size) {
            awaitQuietly(measuring);
            throw new IOException("unexpected EOF: got " + all.count() + " of " + size + " bytes of " + digest
                    + " from " + session.endpoint().name());
        }
        TarMeasurement m;
        try {
            m = await(measuring);
        } catch (RuntimeException bad) {
            // bad content: a lying registry is reported as a digest mismatch
            Files.deleteIfExists(part);
            if (!Digest.fromHash(sha.digest()).equals(digest)) throw mismatch();
            throw new Retrying.NotRetryable("failed to register layer: " + bad.getMessage(), bad);
        }
        listener.verifying();
        Digest actual = Digest.fromHash(sha.digest());
        if (!actual.equals(digest) || (size >= 0 && all.count() != size)) {
            Files.deleteIfExists(part);
            throw mismatch();
        }
        return new LayerFetcher.Fetched(digest, mediaType, all.count(), m);
    }

    /** Reads the whole blob, handing it to the measurer until that stops wanting it (then just hashing it). */
    private void pump(HashingInputStream all, ChunkPipe pipe) throws IOException {
        byte[] scratch = null;
        while (true) {
            byte[] buf = scratch != null ? scratch : pipe.claim();
            if (buf == null) buf = scratch = new byte[PIPE_BUFFER_BYTES];
            // whole buffers: one hand-over (and wake-up of the inflater) per 256 KiB, not per network read
            int n = all.readNBytes(buf, 0, buf.length);
            if (buf != scratch) pipe.send(buf, n);
            if (n < buf.length) return;
        }
    }

    /** The measurer's answer; its tar or decompression failure is thrown as it is. */
    private TarMeasurement await(Future<TarMeasurement> measuring) throws IOException {
        try {
            return measuring.get();
        } catch (InterruptedException e) {
            measuring.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while measuring " + digest);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error er) throw er;
            // an I/O failure of the measurer is the content's: the pipe itself does not fail on a complete blob
            throw new InvalidArchiveException(String.valueOf(c.getMessage()), c);
        }
    }

    /** Waits (briefly) for a measurer that was told to stop. */
    private void awaitQuietly(Future<TarMeasurement> measuring) {
        try {
            measuring.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | CancellationException e) {
            // it is being stopped: its answer no longer matters
        }
    }

    private Retrying.NotRetryable mismatch() {
        return new Retrying.NotRetryable("filesystem layer verification failed for digest " + digest);
    }

    /** Network bytes: appended to the partial file as they arrive, counted, reported, capped at the size. */
    private final class NetworkTee extends BulkFilterInputStream {
        private final OutputStream append;
        private final long start;
        private long lastReport;

        NetworkTee(InputStream in, OutputStream append, long start) {
            super(in);
            this.append = append;
            this.start = start;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (IOException e) {
                networkFailure = e instanceof RegistrySession.TransportException ? e
                        : new RegistrySession.TransportException("reading " + digest + " from " + session.endpoint().name()
                        + ": " + e.getMessage(), e, true);
                throw networkFailure;
            }
            if (n > 0) {
                if (size >= 0 && start + received + n > size) {
                    throw new Retrying.NotRetryable("blob " + digest + " from " + session.endpoint().name()
                            + " is larger than the " + size + " bytes the manifest says");
                }
                append.write(b, off, n);
                received += n;
                long now = System.nanoTime();
                if (now - lastReport >= PROGRESS_INTERVAL_NANOS || start + received == size) {
                    lastReport = now;
                    append.flush();
                    listener.downloading(start + received, size);
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buf = new byte[(int) Math.min(n, 65536)];
            int r = read(buf, 0, buf.length);
            return Math.max(r, 0);
        }
    }

    /** The first {@code limit} bytes of a stream (the partial file grows while the network part is read). */
    private static final class Limited extends FilterInputStream {
        private long left;

        Limited(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int b = in.read();
            if (b >= 0) left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }
    }
}
