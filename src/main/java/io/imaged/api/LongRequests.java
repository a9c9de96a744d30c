package io.imaged.api;

import io.imaged.error.ClientGoneException;

import io.imaged.config.ImagedProperties;
import io.imaged.error.ImagedException;
import io.imaged.metrics.OperationMetrics;
import io.imaged.metrics.OperationMetrics.Kind;
import io.imaged.metrics.OperationMetrics.Outcome;
import io.imaged.progress.ProgressOutput;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;
import org.springframework.web.context.request.async.WebAsyncTask;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Runs the requests that last as long as a client takes — uploads that read a body (load, import) and answers
 * that stream (pull, push, save, URL import) — on pools of their own, as async servlet requests. Tomcat's
 * worker thread is handed back at once, so a few hundred stalled uploads or slow downloads cannot take the
 * workers that {@code /_ping}, {@code /version}, {@code /images/json} and inspect need (each listener has its
 * own worker pool; these two pools are shared by all listeners). A pool that is busy queues further requests
 * without holding any thread; a stalled body frees its thread after {@code imaged.request-body-timeout}.
 */
@Component
public class LongRequests implements DisposableBean {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LongRequests.class);
    /** Bodies read at once; more wait in the queue. A stalled one holds its thread for at most the body timeout. */
    static final int UPLOAD_THREADS = 128;
    /** Streamed answers written at once (pull and push also share the daemon-wide transfer slots). */
    static final int ANSWER_THREADS = 128;

    private final ThreadPoolTaskExecutor uploads = pool("imaged-upload-", UPLOAD_THREADS);
    private final ThreadPoolTaskExecutor answers = pool("imaged-answer-", ANSWER_THREADS);
    private final Duration bodyTimeout;
    private final OperationMetrics metrics;

    public LongRequests(ImagedProperties props, OperationMetrics metrics) {
        this.bodyTimeout = props.requestBodyTimeout();
        this.metrics = metrics;
    }

    /** Threads are made when needed and end after 30 s idle, so an idle daemon keeps none of them. */
    private static ThreadPoolTaskExecutor pool(String prefix, int threads) {
        ThreadPoolTaskExecutor p = new ThreadPoolTaskExecutor();
        p.setThreadNamePrefix(prefix);
        p.setCorePoolSize(threads);
        p.setMaxPoolSize(threads);
        p.setAllowCoreThreadTimeOut(true);
        p.setKeepAliveSeconds(30);
        p.setDaemon(true);
        p.initialize();
        return p;
    }

    /**
     * A request that reads {@code body}: a body that stops arriving becomes a 400 naming the timeout, one that Tomcat
     * cannot decode a 400 "malformed ...", a client that went away a {@link ClientGoneException}; in every case the
     * services have stored nothing of it.
     */
    <T> WebAsyncTask<T> upload(Kind op, RequestBody body, Callable<T> work) {
        return upload(op, body, null, work);
    }

    /**
     * {@link #upload} whose answer is streamed to {@code out} (push, load): when the connection closes {@code out}
     * learns that the client left, and the stream's last line tells the operation's outcome.
     */
    <T> WebAsyncTask<T> upload(Kind op, RequestBody body, ProgressOutput out, Callable<T> work) {
        WebAsyncTask<T> task = new WebAsyncTask<>(null, uploads, metered(op, out, readingBody(op.word(), body, work)));
        return out == null ? task : tellClientLeft(task, out);
    }

    private <T> Callable<T> readingBody(String what, RequestBody body, Callable<T> work) {
        return () -> {
            // Tomcat marks the request failed when a read fails: the container thread must be gone by then
            body.awaitContainerThread();
            try {
                return work.call();
            } catch (Exception e) {
                switch (body.failure()) {
                    case TIMED_OUT -> {
                        log.info("{} cut: no request body data received for {}s", what, bodyTimeout.toSeconds());
                        throw ImagedException.invalid("no request body data received for "
                            + bodyTimeout.toSeconds() + "s (imaged.request-body-timeout)");
                    }
                    case CLIENT_GONE -> throw new ClientGoneException(what);
                    // Tomcat's own error: ApiExceptionHandler words it as Go does ("malformed chunked encoding")
                    case MALFORMED -> throw body.error();
                    default -> throw e;
                }
            }
        };
    }

    /** A request whose answer streams for as long as the work lasts (save: the tar itself). */
    <T> WebAsyncTask<T> answer(Kind op, Callable<T> work) {
        return new WebAsyncTask<>(null, answers, metered(op, null, work));
    }

    /**
     * A streamed answer written to {@code out}: when the connection closes, Spring interrupts the work (an async
     * error cancels the task) and {@code out} learns that the client left, so the work ends as cancelled.
     */
    <T> WebAsyncTask<T> answer(Kind op, ProgressOutput out, Callable<T> work) {
        return tellClientLeft(new WebAsyncTask<>(null, answers, metered(op, out, work)), out);
    }

    /**
     * Counts the work's outcome and times it. Thrown, it failed — or was cancelled when the client went away; returned
     * with a streamed answer ({@code out}), the stream says: a last error line is a failure inside the 200.
     */
    private <T> Callable<T> metered(Kind op, ProgressOutput out, Callable<T> work) {
        return () -> {
            OperationMetrics.Sample sample = metrics.start(op);
            Outcome outcome = Outcome.FAILED;
            try {
                T result = work.call();
                outcome = out == null ? Outcome.SUCCEEDED
                        : out.gone() ? Outcome.CANCELLED : out.failed() ? Outcome.FAILED : Outcome.SUCCEEDED;
                return result;
            } catch (Exception e) {
                outcome = clientLeft(e) || out != null && out.gone() ? Outcome.CANCELLED : Outcome.FAILED;
                throw e;
            } finally {
                sample.end(outcome);
            }
        };
    }

    private static boolean clientLeft(Exception e) {
        return e instanceof ClientGoneException || e instanceof org.springframework.web.context.request.async.AsyncRequestNotUsableException
                || TomcatErrors.isClientAbort(e);
    }

    @SuppressWarnings("unchecked")
    private static <T> WebAsyncTask<T> tellClientLeft(WebAsyncTask<T> task, ProgressOutput out) {
        task.onError(() -> {
            out.clientLeft();
            // no result of its own: the error goes on to the usual handling
            return (T) CallableProcessingInterceptor.RESULT_NONE;
        });
        return task;
    }

    @Override
    public void destroy() {
        uploads.shutdown();
        answers.shutdown();
    }
}
