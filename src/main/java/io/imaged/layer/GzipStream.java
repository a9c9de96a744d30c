package io.imaged.layer;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.util.zip.GZIPInputStream;

/**
 * gzip through the JDK's {@link GZIPInputStream}: per byte it costs about 20 % less CPU than commons-compress's
 * reader (larger reads into zlib, fewer calls), the largest single cost of a pull. Two gaps of the JDK class are
 * closed here, so that it reads what Go's reader (dockerd) reads:
 * <ul>
 * <li>it looks for a further gzip member only when {@code available() > 0}; the source is wrapped so that
 * {@code available()} is exact (it waits for the next byte when none is buffered), so a concatenated stream
 * whose member boundary falls between two network reads is read whole;</li>
 * <li>it ends quietly at bytes after the last member that are not another member; those are refused here
 * ("invalid header"), as Go does — except one or two such bytes right at the end, which the JDK consumes while
 * looking for the next header.</li>
 * </ul>
 */
final class GzipStream extends GZIPInputStream {
    private static final int TRAILER_BYTES = 8;
    private final BufferedInputStream source;
    private boolean ended;

    GzipStream(BufferedInputStream source) throws IOException {
        super(new ExactAvailable(source), 64 * 1024);
        this.source = source;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n < 0 && !ended) {
            ended = true;
            // after the last member only its 8-byte trailer may have been left in the inflater's input
            if (inf.getRemaining() > TRAILER_BYTES || source.read() >= 0) {
                throw new IOException("gzip: invalid header (data after the last gzip member)");
            }
        }
        return n;
    }

    /** {@code available()} that is 0 only at the end of the stream (it may wait for the next byte). */
    private static final class ExactAvailable extends FilterInputStream {
        ExactAvailable(BufferedInputStream in) {
            super(in);
        }

        @Override
        public int available() throws IOException {
            int n = in.available();
            if (n > 0) return n;
            in.mark(1);
            int b = in.read();
            in.reset();
            return b < 0 ? 0 : 1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, len);
        }
    }
}
