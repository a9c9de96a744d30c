package io.imaged.pull;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hands a byte stream from one thread to another in a few recycled buffers, so that the writer (network,
 * partial file, blob hash) and the reader (inflate, diff ID, tar headers) of one layer run on two cores at once.
 * The JDK's {@code PipedInputStream} does not serve: its writer sleeps until the reader has emptied the whole
 * buffer, so the two sides take turns instead of overlapping.
 * <p>
 * The writer claims an empty buffer, fills it and sends it; it ends with {@link #close()} or {@link #abort()}.
 * The reader reads {@link #reader()} and closes it when it wants no more (also when it failed), after which
 * {@link #claim()} answers null and the writer carries on alone.
 * <p>
 * Buffers come from a small daemon-wide spare list and go back to it ({@link #recycle()}) once both sides are
 * done: a buffer lives as long as a layer download, long enough to be promoted to the old generation, so
 * allocating fresh ones per layer would leave garbage there that grows the heap (and the RSS) pull after pull.
 */
final class ChunkPipe {
    private record Chunk(byte[] buf, int len) {
    }

    private static final int SPARE_BUFFERS = 32;
    private static final BlockingQueue<byte[]> SPARE = new ArrayBlockingQueue<>(SPARE_BUFFERS);
    private static final Chunk END = new Chunk(new byte[0], -1);
    private static final Chunk ABORTED = new Chunk(new byte[0], -1);
    private final BlockingQueue<byte[]> empty;
    /** One more slot than there are buffers: the end marker always fits. */
    private final BlockingQueue<Chunk> filled;
    private final byte[][] owned;
    private volatile boolean readerGone;
    private volatile boolean readerDone;
    private volatile boolean readerSawAbort;

    ChunkPipe(int buffers, int bufferBytes) {
        empty = new ArrayBlockingQueue<>(buffers);
        filled = new ArrayBlockingQueue<>(buffers + 1);
        owned = new byte[buffers][];
        for (int i = 0; i < buffers; i++) {
            byte[] b = SPARE.poll();
            owned[i] = b != null && b.length == bufferBytes ? b : new byte[bufferBytes];
            empty.add(owned[i]);
        }
    }

    /** The reader's thread has finished with the pipe (its last statement, also after a failure). */
    void readerDone() {
        readerDone = true;
    }

    /**
     * Gives the buffers back for other pipes; only once the writer is done (the caller) and the reader said
     * {@link #readerDone()} — a reader still running could otherwise read another download's bytes.
     */
    void recycle() {
        if (!readerDone) return;
        for (byte[] b : owned) SPARE.offer(b);
    }

    /** An empty buffer to fill, waiting for the reader to free one; null once the reader has gone. */
    byte[] claim() throws InterruptedIOException {
        try {
            while (!readerGone) {
                byte[] b = empty.poll(50, TimeUnit.MILLISECONDS);
                if (b != null) return b;
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while handing over layer bytes");
        }
    }

    /** Passes the first {@code len} bytes of a claimed buffer on (a buffer with nothing in it is just returned). */
    void send(byte[] buf, int len) {
        if (len <= 0) empty.add(buf);
        else filled.add(new Chunk(buf, len));
    }

    /** No more bytes: the reader sees the end of its stream. */
    void close() {
        filled.add(END);
    }

    /** The writer failed: the reader's next read fails instead of ending the stream as if it were complete. */
    void abort() {
        filled.add(ABORTED);
    }

    InputStream reader() {
        return new Reader();
    }

    /**
     * Whether the reader has read up to the writer's {@link #abort()}: then whatever failed on the reader's side
     * (the tar reader words a broken stream as its own error) followed from the writer's failure.
     */
    boolean readerSawAbort() {
        return readerSawAbort;
    }

    /** What the reader reads after the writer's {@link #abort()}: the writer's own failure is the one to report. */
    static final class WriterFailed extends IOException {
        WriterFailed() {
            super("the layer download stopped");
        }
    }

    private final class Reader extends InputStream {
        private Chunk current;
        private int pos;
        private boolean ended;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (!next()) return -1;
            int n = Math.min(len, current.len() - pos);
            System.arraycopy(current.buf(), pos, b, off, n);
            pos += n;
            return n;
        }

        /** Makes {@code current} a chunk with bytes left; false at the end. */
        private boolean next() throws IOException {
            if (ended) return false;
            // the abort marker is taken once; a reader that swallowed that failure (commons-compress's format
            // detection reads a failed signature read as "not compressed") must fail again, not wait forever
            if (readerSawAbort) throw new WriterFailed();
            if (current != null && pos < current.len()) return true;
            if (current != null) empty.add(current.buf());
            current = null;
            Chunk c;
            try {
                c = filled.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading layer bytes");
            }
            if (c == ABORTED) {
                readerSawAbort = true;
                throw new WriterFailed();
            }
            if (c == END) {
                ended = true;
                return false;
            }
            current = c;
            pos = 0;
            return true;
        }

        @Override
        public int available() {
            return current == null ? 0 : current.len() - pos;
        }

        @Override
        public void close() {
            readerGone = true;
        }
    }
}
