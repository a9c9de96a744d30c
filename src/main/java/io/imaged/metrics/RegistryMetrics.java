package io.imaged.metrics;

import io.imaged.registry.RegistryTraffic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry client's traffic as counters: {@code imaged_registry_fetched_bytes_total},
 * {@code imaged_registry_sent_bytes_total}, {@code imaged_layer_downloads_resumed_total} and
 * {@code imaged_registry_retries_total{call}}.
 */
@Component
public class RegistryMetrics implements RegistryTraffic {
    private final MeterRegistry registry;
    private final Counter fetched;
    private final Counter sent;
    private final Counter resumed;
    /** One counter per call name; the names are the registry client's dozen fixed words, never user input. */
    private final Map<String, Counter> retries = new ConcurrentHashMap<>();

    public RegistryMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.fetched = Counter.builder("imaged.registry.fetched").baseUnit("bytes")
                .description("Bytes received from registries (answer bodies: blobs, manifests, listings, errors)").register(registry);
        this.sent = Counter.builder("imaged.registry.sent").baseUnit("bytes")
                .description("Bytes sent to registries (request bodies: blob uploads, manifests)").register(registry);
        this.resumed = Counter.builder("imaged.layer.downloads.resumed")
                .description("Blob downloads continued from where an earlier attempt stopped (206 to a Range request)").register(registry);
        retry("manifest"); // one series from startup, so a rate over it is 0 rather than absent
    }

    @Override
    public void received(long bytes) {
        fetched.increment(bytes);
    }

    @Override
    public void sent(long bytes) {
        sent.increment(bytes);
    }

    @Override
    public void resumed() {
        resumed.increment();
    }

    @Override
    public void retried(String call) {
        retry(call).increment();
    }

    private Counter retry(String call) {
        return retries.computeIfAbsent(call, c -> Counter.builder("imaged.registry.retries").tag("call", c)
                .description("Registry calls retried after a retryable failure (5xx, 429, timeouts, broken connections)")
                .register(registry));
    }
}
