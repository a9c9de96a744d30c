package io.imaged.transfer;

import io.imaged.error.ClientGoneException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The transfer manager with fake transfers: order, the daemon-wide limit, fail-fast and cancellation per direction. */
class TransferManagerTest {
    private final TransferManager manager = new TransferManager(2, 2);
    private final ConcurrentLinkedQueue<String> started = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> queued = new ConcurrentLinkedQueue<>();
    private static final Transfers.Queued NOT_QUEUED = () -> { };

    @AfterEach
    void close() {
        manager.close();
    }

    /** A fake transfer: says it started, then waits for {@code go} (interruptibly) and answers {@code name}. */
    private Transfers.Task<String> fake(String name, CountDownLatch go) {
        return cancel -> {
            started.add(name);
            try {
                if (!go.await(10, TimeUnit.SECONDS)) throw new IOException(name + ": never released");
            } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException(name + ": interrupted");
            }
            cancel.check();
            return name;
        };
    }

    private static void await(CountDownLatch latch) throws IOException {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    private static void eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met in time").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void transfersOfAllOperationsShareTheLimitAndStartInTheOrderTheyWereAdded() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch rest = new CountDownLatch(1);
        try (Transfers<String> a = manager.start(Direction.DOWNLOAD, () -> false);
             Transfers<String> b = manager.start(Direction.DOWNLOAD, () -> false)) {
            a.add(fake("a1", first), () -> queued.add("a1"));
            a.add(fake("a2", rest), () -> queued.add("a2"));
            a.add(fake("a3", rest), () -> queued.add("a3"));
            Transfers.Transfer<String> b1 = b.add(fake("b1", rest), () -> queued.add("b1"));
            assertThat(queued).as("the two past the limit, told they wait before they could start").containsExactly("a3", "b1");
            eventually(() -> started.size() == 2);
            Thread.sleep(100);
            assertThat(started).containsExactlyInAnyOrder("a1", "a2");
            assertThat(manager.slots(Direction.DOWNLOAD).waiting()).isEqualTo(2);
            assertThat(manager.slots(Direction.UPLOAD).active()).as("the other direction's limit is its own").isZero();
            first.countDown(); // a1 ends: the first in line (a3, added before b1) gets its slot
            eventually(() -> started.size() == 3);
            Thread.sleep(100);
            assertThat(started).containsExactlyInAnyOrder("a1", "a2", "a3");
            rest.countDown();
            assertThat(a.awaitAll()).containsExactly("a1", "a2", "a3");
            assertThat(b1.get()).isEqualTo("b1");
        }
        assertThat(manager.slots(Direction.DOWNLOAD).active()).isZero();
    }

    @Test
    void anUploadFailureInterruptsTheRunningOnesAndNoQueuedOneStarts() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch fail = new CountDownLatch(1);
        try (Transfers<String> push = manager.start(Direction.UPLOAD, () -> false)) {
            push.add(fake("slow", never), NOT_QUEUED);
            push.add(cancel -> {
                started.add("failing");
                await(fail);
                throw new IOException("registry said no");
            }, NOT_QUEUED);
            push.add(fake("queued", never), NOT_QUEUED);
            eventually(() -> started.size() == 2);
            fail.countDown();
            long t0 = System.nanoTime();
            assertThatThrownBy(push::awaitAll).isInstanceOf(IOException.class).hasMessage("registry said no");
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).as("the slow one was interrupted, not waited for").isLessThan(5);
            assertThat(push.cancellation().cancelled()).isTrue();
        }
        assertThat(started).doesNotContain("queued");
        assertThat(manager.slots(Direction.UPLOAD).active()).isZero();
        assertThat(manager.slots(Direction.UPLOAD).waiting()).isZero();
    }

    @Test
    void aFailedPullLetsItsRunningDownloadsFinishButStartsNoQueuedOne() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        try (Transfers<String> pull = manager.start(Direction.DOWNLOAD, () -> false)) {
            pull.add(cancel -> {
                started.add("running");
                await(go);
                cancel.check();
                finished.set(true);
                return "running";
            }, NOT_QUEUED);
            pull.add(fake("other", go), NOT_QUEUED);
            pull.add(fake("queued", go), NOT_QUEUED);
            eventually(() -> started.size() == 2);
            CompletableFuture<IOException> stopped = CompletableFuture.supplyAsync(() -> pull.stop(new IOException("diff ID mismatch")));
            Thread.sleep(200);
            assertThat(stopped).as("stop waits for the running downloads").isNotDone();
            go.countDown();
            assertThat(stopped.get(10, TimeUnit.SECONDS)).hasMessage("diff ID mismatch");
            assertThat(finished).as("a download shared with other pulls is not interrupted by this one's failure").isTrue();
        }
        assertThat(started).containsExactlyInAnyOrder("running", "other");
        assertThat(manager.slots(Direction.DOWNLOAD).active()).isZero();
    }

    @Test
    void aClientThatLeftStopsItsDownloadsAtTheirNextCheckAndIsWhatIsReported() throws Exception {
        AtomicBoolean gone = new AtomicBoolean();
        CountDownLatch go = new CountDownLatch(1);
        try (Transfers<String> pull = manager.start(Direction.DOWNLOAD, gone::get)) {
            Transfers.Transfer<String> t = pull.add(fake("layer", go), NOT_QUEUED);
            eventually(() -> started.size() == 1);
            gone.set(true);
            go.countDown();
            assertThatThrownBy(t::get).isInstanceOf(ClientGoneException.class);
            assertThat(pull.cancellation().cancelled()).isTrue();
        }
    }

    @Test
    void aStoppedTransferIsToldApartFromAFailedOne() {
        assertThat(Cancellation.isStop(new ClientGoneException())).isTrue();
        assertThat(Cancellation.isStop(new java.io.InterruptedIOException("cancelled"))).isTrue();
        assertThat(Cancellation.isStop(new java.net.SocketTimeoutException("read timed out"))).isFalse();
        assertThat(Cancellation.isStop(new IOException("connection reset"))).isFalse();
    }
}
