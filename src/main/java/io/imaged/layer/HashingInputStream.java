package io.imaged.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Hashes and counts every byte read through it, and copies it to a sink when one is given: the one-pass
 * building block of layer ingestion (a blob is hashed while it is stored, a tar while it is parsed).
 */
public class HashingInputStream extends BulkFilterInputStream {
    private final MessageDigest sha;
    private final OutputStream sink;
    private long count;

    public HashingInputStream(InputStream in, MessageDigest sha, OutputStream sink) {
        super(in);
        this.sha = sha;
        this.sink = sink;
    }

    /** Called with each run of bytes read, before they are counted; {@code offset} is where they start. */
    protected void seen(byte[] b, int off, int len, long offset) {
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            seen(b, off, n, count);
            sha.update(b, off, n);
            if (sink != null) sink.write(b, off, n);
            count += n;
        }
        return n;
    }

    /** Skips by reading, so that skipped bytes are hashed too. */
    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 65536)];
        int r = read(buf, 0, buf.length);
        return Math.max(r, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    public long count() {
        return count;
    }

    /** Reads (and so hashes) whatever is left. */
    public void drain() throws IOException {
        byte[] buf = new byte[65536];
        while (read(buf, 0, buf.length) >= 0) {
            // hashing and copying happen in read
        }
    }
}
