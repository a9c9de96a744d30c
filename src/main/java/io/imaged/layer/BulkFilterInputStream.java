package io.imaged.layer;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A filter whose one-byte {@link #read()} goes through its bulk read, so that a subclass that counts, hashes, tees
 * or checks what passes does so in one place and no byte slips past it.
 */
public abstract class BulkFilterInputStream extends FilterInputStream {
    protected BulkFilterInputStream(InputStream in) {
        super(in);
    }

    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public abstract int read(byte[] b, int off, int len) throws IOException;
}
