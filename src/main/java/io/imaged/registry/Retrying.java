package io.imaged.registry;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.imaged.config.ImagedProperties;
import org.springframework.stereotype.Component;

import java.io.IOException;
import io.imaged.error.ClientGoneException;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.Callable;

/**
 * Retries for registry calls (resilience4j): exponential backoff on 5xx, 429, timeouts and broken connections;
 * never on 4xx answers, digest mismatches or a refused connection (nobody listening will not start to).
 */
@Component
public class Retrying {
    private final RetryConfig config;
    private final RegistryTraffic traffic;

    /** Retries that nobody counts (unit tests). */
    public Retrying(ImagedProperties props) {
        this(props, RegistryTraffic.NONE);
    }

    @org.springframework.beans.factory.annotation.Autowired
    public Retrying(ImagedProperties props, RegistryTraffic traffic) {
        this.traffic = traffic;
        int attempts = Math.max(1, props.registry().maxAttempts());
        long backoff = Math.max(1, props.registry().retryBackoff().toMillis());
        this.config = RetryConfig.custom()
                .maxAttempts(attempts)
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(backoff, 2.0, 0.2, backoff * 16))
                .retryOnException(Retrying::retryable)
                .failAfterMaxAttempts(false)
                .build();
    }

    public static boolean retryable(Throwable t) {
        if (ClientGoneException.in(t)) return false;
        // an operation cancelled while the HTTP client was sending its body (the client went away): the client
        // reports the interrupted body read wrapped in a plain IOException, which must not be retried either
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (isInterrupt(c)) return false;
        }
        if (t instanceof RegistryException r) return r.retryable();
        if (t instanceof NotRetryable) return false;
        if (t instanceof RegistrySession.TransportException te) return te.retryable();
        if (t instanceof ConnectException) return false;
        if (t instanceof UnresolvedAddressException) return false;
        if (t instanceof InterruptedIOException && !(t instanceof HttpTimeoutException) && !(t instanceof java.net.SocketTimeoutException)) return false;
        if (t instanceof javax.net.ssl.SSLHandshakeException) return false;
        return t instanceof IOException;
    }

    private static boolean isInterrupt(Throwable t) {
        return t instanceof InterruptedIOException && !(t instanceof HttpTimeoutException)
                && !(t instanceof java.net.SocketTimeoutException);
    }

    /** Runs {@code call}, retrying per the policy; the last failure is thrown as it was. */
    public <T> T call(String name, Callable<T> call) throws IOException {
        Retry retry = Retry.of(name, config);
        // counted as resilience4j decides to retry, so no call site needs to know
        retry.getEventPublisher().onRetry(e -> traffic.retried(name));
        try {
            return Retry.decorateCheckedSupplier(retry, call::call).get();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            if (t instanceof Error err) throw err;
            throw new IOException(t.getMessage(), t);
        }
    }

    /** An IOException that must not be retried (e.g. content that does not match its digest). */
    public static class NotRetryable extends IOException {
        public NotRetryable(String message) {
            super(message);
        }

        public NotRetryable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
