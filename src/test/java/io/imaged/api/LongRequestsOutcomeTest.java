package io.imaged.api;

import io.imaged.error.ClientGoneException;
import io.imaged.error.ImagedException;
import io.imaged.metrics.OperationMetrics;
import io.imaged.metrics.OperationMetrics.Kind;
import io.imaged.progress.ProgressOutput;
import io.imaged.testsupport.TestProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How {@link LongRequests} tells an operation's outcome for the metrics: by what the work threw, and for a streamed
 * answer by the stream's last line — a failure written after the 200 is a failure, a client that left a cancel.
 */
class LongRequestsOutcomeTest {
    @TempDir
    Path dir;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private LongRequests requests;

    @AfterEach
    void close() {
        if (requests != null) requests.destroy();
    }

    private LongRequests requests() {
        requests = new LongRequests(TestProperties.of(dir), new OperationMetrics(registry));
        return requests;
    }

    private double count(String counter, String outcome) {
        return registry.get("imaged." + counter).tag("outcome", outcome).counter().count();
    }

    private static ProgressOutput stream() {
        return new ProgressOutput(event -> { });
    }

    @SuppressWarnings("unchecked")
    private static <T> T run(org.springframework.web.context.request.async.WebAsyncTask<T> task) throws Exception {
        return ((Callable<T>) task.getCallable()).call();
    }

    @Test
    void aStreamedAnswerIsJudgedByItsLastLine() throws Exception {
        LongRequests r = requests();
        ProgressOutput ok = stream();
        run(r.answer(Kind.PULL, ok, () -> {
            ok.status(null, "Status: Downloaded newer image");
            return null;
        }));
        ProgressOutput failedInside = stream();
        // as ProgressOutput.run ends a pull whose layer failed after the 200: the work returns, the stream ends in an error
        run(r.answer(Kind.PULL, failedInside, () -> {
            failedInside.run("pull", "x", org.slf4j.LoggerFactory.getLogger(getClass()), () -> {
                throw new IOException("unexpected EOF");
            });
            return null;
        }));
        ProgressOutput left = stream();
        run(r.answer(Kind.PULL, left, () -> {
            left.clientLeft();
            return null;
        }));
        assertThat(count("pulls", "succeeded")).isEqualTo(1);
        assertThat(count("pulls", "failed")).isEqualTo(1);
        assertThat(count("pulls", "cancelled")).isEqualTo(1);
        assertThat(registry.get("imaged.pull.duration").tag("outcome", "failed").timer().count()).isEqualTo(1);
    }

    @Test
    void whatTheWorkThrowsIsAFailureUnlessTheClientLeft() throws Exception {
        LongRequests r = requests();
        assertThatThrownBy(() -> run(r.answer(Kind.SAVE, () -> {
            throw ImagedException.notFound("No such image: nope:latest");
        }))).isInstanceOf(ImagedException.class);
        assertThatThrownBy(() -> run(r.answer(Kind.SAVE, () -> {
            throw new ClientGoneException("save");
        }))).isInstanceOf(ClientGoneException.class);
        run(r.answer(Kind.SAVE, () -> null));
        assertThat(count("saves", "failed")).isEqualTo(1);
        assertThat(count("saves", "cancelled")).isEqualTo(1);
        assertThat(count("saves", "succeeded")).isEqualTo(1);
        // the other operations did not move, and every outcome of every one exists from the start
        assertThat(count("pushes", "succeeded")).isZero();
        assertThat(registry.get("imaged.imports").tag("source", "url").tag("outcome", "cancelled").counter().count()).isZero();
    }
}
