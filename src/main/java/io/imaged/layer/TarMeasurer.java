package io.imaged.layer;

import io.imaged.store.Digest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads an uncompressed layer tar once: every byte is hashed (diff ID), counted and copied to {@code sink}
 * while the tar headers are parsed, checked (no path may climb out of the layer root) and the layer's file
 * bytes summed. Nothing is buffered beyond a read block.
 */
public final class TarMeasurer {
    private TarMeasurer() {
    }

    public static TarMeasurement measure(InputStream tar, OutputStream sink) throws IOException {
        MessageDigest sha = Digest.newSha256();
        TeeCountingStream tee = new TeeCountingStream(tar, sha, sink);
        Map<String, Long> sizes = new HashMap<>();
        long entries = 0;
        try (TarArchiveInputStream in = new TarArchiveInputStream(new NonClosing(tee))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                entries++;
                String path = checkPath(e.getName());
                if (e.isLink()) checkPath(e.getLinkName()); // a hard link must point inside the layer
                long size = 0;
                if (e.isSymbolicLink()) size = e.getLinkName().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                else if (e.isFile() && !e.isLink()) size = e.getSize();
                if (path.isEmpty() || e.isDirectory() || path.substring(path.lastIndexOf('/') + 1).startsWith(".wh.")) size = 0;
                sizes.put(path, size);
            }
        } catch (InvalidArchiveException ex) {
            throw ex;
        } catch (java.io.EOFException ex) {
            throw tarError("unexpected EOF", ex);
        } catch (IOException | IllegalArgumentException ex) {
            String m = String.valueOf(ex.getMessage()).toLowerCase(java.util.Locale.ROOT);
            throw tarError(m.contains("truncated") || m.contains("eof") ? "unexpected EOF" : "archive/tar: invalid tar header", ex);
        }
        // commons-compress reads a short or headerless input as an empty archive; Go's archive/tar (and so
        // dockerd) only accepts no bytes at all or zero blocks there
        if (entries == 0 && tee.nonZero) throw tarError(tee.count() < 512 ? "unexpected EOF" : "archive/tar: invalid tar header", null);
        tee.drain(); // trailing padding is part of the diff ID
        long fileBytes = 0;
        for (long s : sizes.values()) fileBytes += s;
        return new TarMeasurement(Digest.fromHash(sha.digest()), tee.count(), fileBytes, entries);
    }

    /** dockerd's wording: its tar extraction runs in a child process whose failure it reports so. */
    private static InvalidArchiveException tarError(String what, Throwable cause) {
        return new InvalidArchiveException("Error processing tar file(exit status 1): " + what, cause);
    }

    /** Normalises a tar path; throws when it would leave the layer root. */
    static String checkPath(String name) {
        String p = name.replace('\\', '/');
        while (p.startsWith("./")) p = p.substring(2);
        while (p.startsWith("/")) p = p.substring(1);
        StringBuilder out = new StringBuilder();
        int depth = 0;
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) {
                if (depth == 0) throw new InvalidArchiveException("invalid tar archive: path " + name + " climbs out of the layer");
                depth--;
                out.setLength(Math.max(0, out.lastIndexOf("/")));
                continue;
            }
            if (out.length() > 0) out.append('/');
            out.append(part);
            depth++;
        }
        return out.toString();
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
