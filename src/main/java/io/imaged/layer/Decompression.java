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
        String kind;
        try {
            kind = CompressorStreamFactory.detect(in);
        } catch (CompressorException notCompressed) {
            return in;
        }
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
}
