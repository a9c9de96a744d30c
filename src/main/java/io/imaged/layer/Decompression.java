package io.imaged.layer;

import org.apache.commons.compress.compressors.CompressorException;
import org.apache.commons.compress.compressors.CompressorStreamFactory;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Detects gzip, bzip2, xz and zstd by their magic bytes and decompresses (gzip with the JDK's inflater, see
 * {@link GzipStream}; the others with commons-compress); anything else passes through.
 */
public final class Decompression {
    private static final CompressorStreamFactory FACTORY = new CompressorStreamFactory(true);

    private Decompression() {
    }

    public static InputStream detect(InputStream raw) throws IOException {
        BufferedInputStream in = raw instanceof BufferedInputStream b ? b : new BufferedInputStream(raw, 1 << 16);
        String kind = kind(in);
        if (kind == null) return in;
        switch (kind) {
            case CompressorStreamFactory.GZIP -> {
                return new GzipStream(in);
            }
            case CompressorStreamFactory.BZIP2, CompressorStreamFactory.XZ, CompressorStreamFactory.ZSTANDARD -> {
                try {
                    return FACTORY.createCompressorInputStream(kind, in);
                } catch (CompressorException e) {
                    throw new InvalidArchiveException("cannot decompress " + kind + " stream: " + e.getMessage(), e);
                }
            }
            default -> {
                return in;
            }
        }
    }

    /**
     * The compression {@code in}'s magic bytes name ({@link CompressorStreamFactory}'s names, e.g.
     * {@link CompressorStreamFactory#GZIP}), or null when they name none; nothing is consumed.
     */
    public static String kind(BufferedInputStream in) throws IOException {
        try {
            return CompressorStreamFactory.detect(in);
        } catch (CompressorException notCompressed) {
            return null;
        }
    }
}
