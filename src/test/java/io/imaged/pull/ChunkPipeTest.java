package io.imaged.pull;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChunkPipeTest {

    @Test
    void carriesEveryByteInOrderFromOneThreadToAnother() throws Exception {
        byte[] data = new byte[3_000_017];
        new Random(7).nextBytes(data);
        ChunkPipe pipe = new ChunkPipe(3, 4096);
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = pipe.reader()) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        int off = 0;
        Random sizes = new Random(3);
        while (off < data.length) {
            byte[] buf = pipe.claim();
            int n = Math.min(data.length - off, 1 + sizes.nextInt(buf.length));
            System.arraycopy(data, off, buf, 0, n);
            pipe.send(buf, n);
            off += n;
        }
        pipe.close();
        assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(data);
    }

    @Test
    void anAbortedWriterFailsTheReaderInsteadOfEndingItsStream() throws Exception {
        ChunkPipe pipe = new ChunkPipe(2, 16);
        byte[] buf = pipe.claim();
        buf[0] = 42;
        pipe.send(buf, 1);
        pipe.abort();
        InputStream in = pipe.reader();
        assertThat(in.read()).isEqualTo(42);
        assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessageContaining("stopped");
        // a reader that swallowed the failure and reads on fails again instead of waiting for bytes that never come
        assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessageContaining("stopped");
    }

    @Test
    void aWriterWhoseReaderLeftGetsNoMoreBuffersAndDoesNotBlock() throws Exception {
        ChunkPipe pipe = new ChunkPipe(2, 16);
        pipe.send(pipe.claim(), 16);
        pipe.send(pipe.claim(), 16); // both buffers now wait for the reader
        CompletableFuture<byte[]> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return pipe.claim();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        assertThat(blocked).isNotDone();
        pipe.reader().close();
        assertThat(blocked.get(5, TimeUnit.SECONDS)).isNull();
        pipe.close(); // the end marker still fits
    }
}
