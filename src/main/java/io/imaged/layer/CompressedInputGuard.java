package io.imaged.layer;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Decompresses like {@link Decompression#detect} and tells the two ways reading can fail apart: the source fails
 * (the client went away, a read timed out) — passed on as it is — or the decompressor finds the data corrupt
 * (bytes after the last gzip member, a bad deflate block), which is the sender's fault: a 400
 * {@link InvalidArchiveException} instead of a 500. A truncated stream stays an {@link EOFException}, which the
 * tar reader reports as {@code unexpected EOF}.
 */
final class CompressedInputGuard {
    private CompressedInputGuard() {
    }

    static InputStream decompress(InputStream raw) throws IOException {
        SourceWatch source = new SourceWatch(raw);
        return new Guarded(Decompression.detect(source), source);
    }

    private static final class SourceWatch extends FilterInputStream {
        private boolean failed;

        SourceWatch(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                failed = true;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                failed = true;
                throw e;
            }
        }
    }

    private static final class Guarded extends FilterInputStream {
        private final SourceWatch source;

        Guarded(InputStream in, SourceWatch source) {
            super(in);
            this.source = source;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw classify(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw classify(e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return in.skip(n);
            } catch (IOException e) {
                throw classify(e);
            }
        }

        private IOException classify(IOException e) {
            if (source.failed || e instanceof EOFException) return e;
            String m = e.getMessage() == null ? "" : e.getMessage();
            String what = m.startsWith("gzip:") ? m : "corrupt compressed data" + (m.isEmpty() ? "" : ": " + m);
            throw new InvalidArchiveException("Error processing tar file(exit status 1): "
                    + io.imaged.error.ErrorMessages.safe(what, "corrupt compressed data"), e);
        }
    }
}
