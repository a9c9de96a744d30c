package io.imaged.layer;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DecompressionTest {

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** Hands out the bytes in pieces of at most {@code piece}, ending a read at each of {@code cuts}, and never says more is available. */
    private static InputStream network(byte[] data, int piece, int... cuts) {
        return new InputStream() {
            int pos;

            @Override
            public int read() {
                return pos < data.length ? data[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= data.length) return -1;
                int n = Math.min(Math.min(len, piece), data.length - pos);
                for (int c : cuts) if (c > pos && c < pos + n) n = c - pos;
                System.arraycopy(data, pos, b, off, n);
                pos += n;
                return n;
            }

            @Override
            public int available() {
                return 0;
            }
        };
    }

    @Test
    void aConcatenatedGzipIsReadWholeEvenWhenAMemberEndsExactlyAtAReadBoundary() throws IOException {
        byte[] a = new byte[300_000], b = "second member\n".repeat(5000).getBytes();
        new Random(1).nextBytes(a);
        byte[] first = gzip(a);
        byte[] both = concat(first, gzip(b));
        try (InputStream in = Decompression.detect(network(both, 4096, first.length))) {
            assertThat(in.readAllBytes()).isEqualTo(concat(a, b));
        }
    }

    @Test
    void aSingleMemberRoundTrips() throws IOException {
        byte[] data = "layer bytes ".repeat(100_000).getBytes();
        try (InputStream in = Decompression.detect(network(gzip(data), 65536))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
    }

    @Test
    void bytesAfterTheLastMemberAreRefusedAsGoDoes() throws IOException {
        byte[] data = "payload\n".repeat(1000).getBytes();
        byte[] withGarbage = concat(gzip(data), "this is not gzip".getBytes());
        assertThatThrownBy(() -> {
            try (InputStream in = Decompression.detect(network(withGarbage, 1 << 20))) {
                in.readAllBytes();
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("invalid header");
        byte[] garbageInItsOwnRead = concat(gzip(data), new byte[100]);
        assertThatThrownBy(() -> {
            try (InputStream in = Decompression.detect(network(garbageInItsOwnRead, 1 << 20, garbageInItsOwnRead.length - 100))) {
                in.readAllBytes();
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("invalid header");
    }

    @Test
    void aTruncatedGzipIsAnEndOfFile() throws IOException {
        byte[] full = gzip("x".repeat(100_000).getBytes());
        byte[] cut = Arrays.copyOf(full, full.length - 20);
        assertThatThrownBy(() -> {
            try (InputStream in = Decompression.detect(network(cut, 4096))) {
                in.readAllBytes();
            }
        }).isInstanceOf(EOFException.class);
    }
}
