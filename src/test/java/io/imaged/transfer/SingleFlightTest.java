package io.imaged.transfer;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SingleFlightTest {
    private final SingleFlight<String, String> flights = new SingleFlight<>();

    @Test
    void aSecondCallerForTheSameKeyWaitsForTheFirstRunInsteadOfStartingOne() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> call("blob", () -> {
            runs.incrementAndGet();
            started.countDown();
            await(release);
            return "bytes";
        }));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> call("blob", () -> {
            runs.incrementAndGet();
            return "again";
        }));
        Thread.sleep(200);
        assertThat(second).as("the joiner waits for the run under way").isNotDone();
        // another key is not held up
        assertThat(flights.run("other", () -> "x")).isEqualTo("x");
        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("bytes");
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("bytes");
        assertThat(runs).hasValue(1);
        // once finished, the key is free: the next caller runs its own work
        assertThat(flights.run("blob", () -> "fresh")).isEqualTo("fresh");
    }

    @Test
    void theRunnersOwnFailureIsThrownAsItIsAndAJoinersWrapped() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        IOException boom = new IOException("registry went away");
        CompletableFuture<Throwable> runner = CompletableFuture.supplyAsync(() -> {
            try {
                flights.run("blob", () -> {
                    started.countDown();
                    await(release);
                    throw boom;
                });
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Throwable> joiner = CompletableFuture.supplyAsync(() -> {
            try {
                flights.run("blob", () -> "never run");
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        Thread.sleep(200);
        release.countDown();
        assertThat(runner.get(10, TimeUnit.SECONDS)).isSameAs(boom);
        Throwable joined = joiner.get(10, TimeUnit.SECONDS);
        assertThat(joined).isInstanceOf(SingleFlight.JoinedRunFailed.class).hasCause(boom);
        assertThat(SingleFlight.unwrap((SingleFlight.JoinedRunFailed) joined)).isSameAs(boom);
        assertThatThrownBy(() -> SingleFlight.unwrap(new SingleFlight.JoinedRunFailed(new IllegalStateException("bug"))))
                .isInstanceOf(IllegalStateException.class);
    }

    private String call(String key, SingleFlight.Work<String> work) {
        try {
            return flights.run(key, work);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void await(CountDownLatch l) {
        try {
            l.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
