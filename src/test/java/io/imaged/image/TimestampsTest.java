package io.imaged.image;

import io.imaged.error.ImagedException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimestampsTest {
    private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void goDurations() {
        assertThat(Timestamps.goDuration("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Timestamps.goDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Timestamps.goDuration("1.5h")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Timestamps.goDuration(".5s")).isEqualTo(Duration.ofMillis(500));
        assertThat(Timestamps.goDuration("1.s")).isEqualTo(Duration.ofSeconds(1));
        assertThat(Timestamps.goDuration("300ms")).isEqualTo(Duration.ofMillis(300));
        assertThat(Timestamps.goDuration("2us")).isEqualTo(Duration.ofNanos(2000));
        assertThat(Timestamps.goDuration("-2s")).isEqualTo(Duration.ofSeconds(-2));
        assertThat(Timestamps.goDuration("0")).isNull();
        assertThat(Timestamps.goDuration("10")).isNull();
        assertThat(Timestamps.goDuration("10x")).isNull();
        assertThat(Timestamps.goDuration(".s")).isNull();
        assertThat(Timestamps.goDuration("")).isNull();
    }

    /** The regex this replaced took 80 s of CPU on 2,000 digits without a unit. */
    @Test
    void longRunsOfDigitsAnswerAtOnce() {
        String digits = "1".repeat(100_000);
        long t0 = System.nanoTime();
        assertThat(Timestamps.goDuration(digits)).isNull();
        assertThat(Timestamps.goDuration(digits + "x")).isNull();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        // a number of seconds beyond any instant is a client error, not a 500
        assertThatThrownBy(() -> Timestamps.parse(digits, NOW)).isInstanceOf(ImagedException.class)
                .hasMessageContaining("failed to parse value as time or duration");
    }

    @Test
    void unixSecondsAndDates() {
        assertThat(Timestamps.parse("1700000000.5", NOW)).isEqualTo(Instant.ofEpochSecond(1700000000, 500_000_000));
        assertThat(Timestamps.parse("10m", NOW)).isEqualTo(NOW.minus(Duration.ofMinutes(10)));
        assertThat(Timestamps.parse("2024-02-03", NOW)).isEqualTo(Instant.parse("2024-02-03T00:00:00Z"));
    }
}
