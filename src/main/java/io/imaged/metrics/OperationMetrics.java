package io.imaged.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * How the daemon's operations end and how long they take: {@code imaged_<operation>s_total{outcome}} and
 * {@code imaged_<operation>_duration_seconds} (a histogram) for pulls, pushes, loads, saves and imports. The web
 * layer starts a {@link Sample} when an operation's work begins and ends it with the outcome, which for a streamed
 * answer is decided by the stream's last line, not by its 200. Every counter exists from startup (at 0), so a rate
 * over a counter that has not moved yet is 0 rather than absent.
 */
@Component
public class OperationMetrics {
    /** The operations counted; imports by where the layer comes from. */
    public enum Kind {
        PULL("pulls", "pull", Tags.empty()),
        PUSH("pushes", "push", Tags.empty()),
        LOAD("loads", "load", Tags.empty()),
        SAVE("saves", "save", Tags.empty()),
        IMPORT_URL("imports", "import", Tags.of("source", "url")),
        IMPORT_BODY("imports", "import", Tags.of("source", "body"));

        private final String counter;
        private final String word;
        private final Tags tags;

        Kind(String counter, String word, Tags tags) {
            this.counter = counter;
            this.word = word;
            this.tags = tags;
        }

        /** The operation in one word, as the log says it ({@code pull}, {@code import}). */
        public String word() {
            return word;
        }
    }

    /** How an operation ended: done, failed (also inside an answer that had begun), or its client went away. */
    public enum Outcome {
        SUCCEEDED, FAILED, CANCELLED;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The histogram's buckets: from a pull that finds its image up to date to a big one over a slow link (past an
     * hour is "+Inf"). Fixed and few rather than Micrometer's percentile histogram, which has 90 buckets between 5 ms
     * and an hour: times 6 operations and 3 outcomes that was 1,620 series for a graph these 16 draw as well.
     */
    private static final Duration[] BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2),
            Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1)};
    private final MeterRegistry registry;
    private final Map<Kind, Map<Outcome, Counter>> counters = new EnumMap<>(Kind.class);

    public OperationMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (Kind op : Kind.values()) {
            Map<Outcome, Counter> byOutcome = new EnumMap<>(Outcome.class);
            for (Outcome o : Outcome.values()) {
                byOutcome.put(o, Counter.builder("imaged." + op.counter)
                        .description("Finished " + op.counter + " by outcome")
                        .tags(op.tags).tag("outcome", o.label()).register(registry));
            }
            counters.put(op, byOutcome);
        }
    }

    /** Starts timing {@code op}; {@link Sample#end} counts it. */
    public Sample start(Kind op) {
        return new Sample(op, System.nanoTime());
    }

    /** One operation in progress. */
    public final class Sample {
        private final Kind op;
        private final long startNanos;

        private Sample(Kind op, long startNanos) {
            this.op = op;
            this.startNanos = startNanos;
        }

        public void end(Outcome outcome) {
            counters.get(op).get(outcome).increment();
            // made when first used: no empty histograms for outcomes never seen
            Timer.builder("imaged." + op.word + ".duration")
                    .description("Duration of " + op.counter + ", from the start of the work to the end of the answer")
                    .tags(op.tags).tag("outcome", outcome.label())
                    .serviceLevelObjectives(BUCKETS)
                    .register(registry)
                    .record(System.nanoTime() - startNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }
}
