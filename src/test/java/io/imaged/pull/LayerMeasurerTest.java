package io.imaged.pull;

import io.imaged.testsupport.Tars;
import io.imaged.testsupport.TestImages;

import io.imaged.digest.Digest;
import io.imaged.layer.InvalidArchiveException;
import io.imaged.layer.TarMeasurement;
import io.imaged.transfer.TransferManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LayerMeasurerTest {
    private final TransferManager transfers = new TransferManager(3, 5);

    @AfterEach
    void close() {
        transfers.close();
    }

    @Test
    void measuresAGzipLayerSentInPiecesAcrossManyBuffersOfBothPipes() throws Exception {
        byte[] tar = tar(3_000_000);
        TarMeasurement m = run(TestImages.gzip(tar)).get(20, TimeUnit.SECONDS);
        assertThat(m.diffId()).isEqualTo(Digest.sha256(tar));
        assertThat(m.tarSize()).isEqualTo(tar.length);
        assertThat(m.fileBytes()).isEqualTo(3_000_000);
    }

    @Test
    void aCorruptGzipIsReportedAsTheInflatersFailureNotAsAStoppedDownload() throws Exception {
        byte[] gz = TestImages.gzip(tar(100_000));
        byte[] withGarbage = Arrays.copyOf(gz, gz.length + 16);
        Arrays.fill(withGarbage, gz.length, withGarbage.length, (byte) 7);
        Future<TarMeasurement> f = run(withGarbage);
        assertThatThrownBy(() -> f.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().hasMessageContaining("gzip: invalid header");
    }

    @Test
    void aBadTarStopsTheInflaterWhichStopsReadingTheNetworkPipe() throws Exception {
        byte[] notTar = new byte[4_000_000];
        new Random(5).nextBytes(notTar);
        Future<TarMeasurement> f = run(TestImages.gzip(notTar));
        assertThatThrownBy(() -> f.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(InvalidArchiveException.class);
    }

    @Test
    void aDownloadThatFailsBeforeItsFirstBufferEndsTheMeasurementAtOnce() throws Exception {
        ChunkPipe pipe = new ChunkPipe(2, 8192);
        Future<TarMeasurement> f = LayerMeasurer.start(transfers, pipe);
        pipe.abort(); // before any byte: the format detection meets the failure first
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
    }

    /** Sends {@code gz} through a network pipe in odd-sized pieces, as the download thread does; the measurement. */
    private Future<TarMeasurement> run(byte[] gz) throws IOException {
        ChunkPipe pipe = new ChunkPipe(2, 8192);
        Future<TarMeasurement> f = LayerMeasurer.start(transfers, pipe);
        Random sizes = new Random(11);
        int off = 0;
        while (off < gz.length) {
            byte[] buf = pipe.claim();
            if (buf == null) break; // the measurer stopped reading (a bad tar): the writer goes on alone
            int n = Math.min(gz.length - off, 1 + sizes.nextInt(buf.length));
            System.arraycopy(gz, off, buf, 0, n);
            pipe.send(buf, n);
            off += n;
        }
        pipe.close();
        return f;
    }

    private static byte[] tar(int fileBytes) {
        byte[] data = new byte[fileBytes];
        new Random(3).nextBytes(data);
        return Tars.ofBytes(Map.of("f.bin", data));
    }
}
