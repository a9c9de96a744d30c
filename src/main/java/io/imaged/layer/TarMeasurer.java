package io.imaged.layer;

import io.imaged.digest.Digest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;

/**
 * Reads an uncompressed layer tar once: every byte is hashed (diff ID), counted and copied to {@code sink}
 * while the tar headers are parsed and checked by {@link TarReader} (the one tar validation that import, load and
 * pull share) and the layer's file bytes summed. Nothing is buffered beyond a read block and one small entry per
 * path (duplicates, writes through symlinks and hard links are checked against the paths seen before).
 */
public final class TarMeasurer {
    private TarMeasurer() {
    }

    public static TarMeasurement measure(InputStream tar, OutputStream sink) throws IOException {
        MessageDigest sha = Digest.newSha256();
        TeeCountingStream tee = new TeeCountingStream(tar, sha, sink);
        long fileBytes = 0;
        long entries;
        // the reader refuses duplicate paths, so each file is counted once
        try (TarReader in = new TarReader(new NonClosing(tee), TarReader.Kind.LAYER)) {
            TarReader.Entry e;
            while ((e = in.next()) != null) {
                TarArchiveEntry h = e.header();
                String path = e.path();
                if (path.isEmpty() || h.isDirectory() || path.substring(path.lastIndexOf('/') + 1).startsWith(".wh.")) continue;
                if (h.isSymbolicLink()) fileBytes += h.getLinkName().getBytes(StandardCharsets.UTF_8).length;
                else if (h.isFile() && !h.isLink()) fileBytes += h.getSize();
            }
            entries = in.entries();
        }
        // commons-compress reads a short or headerless input as an empty archive; Go's archive/tar (and so
        // dockerd) only accepts no bytes at all or zero blocks there
        if (entries == 0 && tee.nonZero) throw tarError(tee.count() < 512 ? "unexpected EOF" : "archive/tar: invalid tar header", null);
        tee.drain(); // trailing padding is part of the diff ID
        return new TarMeasurement(Digest.fromHash(sha.digest()), tee.count(), fileBytes, entries);
    }

    /** dockerd's wording: its tar extraction runs in a child process whose failure it reports so. */
    private static InvalidArchiveException tarError(String what, Throwable cause) {
        return new InvalidArchiveException("Error processing tar file(exit status 1): " + what, cause);
    }

    /** Also notes whether a non-zero byte is among the first two blocks (a tar with no entries is all zeros). */
    private static final class TeeCountingStream extends HashingInputStream {
        private boolean nonZero;

        TeeCountingStream(InputStream in, MessageDigest sha, OutputStream sink) {
            super(in, sha, sink);
        }

        @Override
        protected void seen(byte[] b, int off, int len, long offset) {
            for (int i = off; !nonZero && i < off + len && offset + (i - off) < 1024; i++) if (b[i] != 0) nonZero = true;
        }
    }

    private static final class NonClosing extends FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public long skip(long n) throws IOException {
            return in.skip(n);
        }

        @Override
        public void close() {
            // the caller drains the stream after the tar parser is done
        }
    }
}
