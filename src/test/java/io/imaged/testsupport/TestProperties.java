package io.imaged.testsupport;

import io.imaged.config.ImagedProperties;
import org.springframework.util.unit.DataSize;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Settings for tests that build the store or the registry client without Spring; docker.io points nowhere. */
public final class TestProperties {
    private TestProperties() {
    }

    public static ImagedProperties of(Path dataRoot) {
        return of(dataRoot, Duration.ofHours(1));
    }

    public static ImagedProperties of(Path dataRoot, Duration partialRetention) {
        return of(dataRoot, partialRetention, List.of(), true);
    }

    /** With {@code imaged.registry.insecure} and {@code loopback-insecure} as given. */
    public static ImagedProperties withInsecure(Path dataRoot, List<String> insecure, boolean loopbackInsecure) {
        return of(dataRoot, Duration.ofHours(1), insecure, loopbackInsecure);
    }

    private static ImagedProperties of(Path dataRoot, Duration partialRetention, List<String> insecure, boolean loopbackInsecure) {
        return new ImagedProperties(dataRoot, List.of(), 3, 5, partialRetention, DataSize.ofGigabytes(1),
                new ImagedProperties.Registry(List.of(), insecure, Duration.ofSeconds(5), Duration.ofSeconds(10), 3,
                        "http://127.0.0.1:1", "http://127.0.0.1:1", 4 << 20, Duration.ofMillis(10), loopbackInsecure,
                        DataSize.ofGigabytes(64)),
                new ImagedProperties.Tls(null, null, null, false), false, "", List.of(), "1.12",
                Duration.ofSeconds(60));
    }
}
