package io.imaged.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Every {@code imaged.*} setting. Names given in the issues are contracts; see {@code config/application.yml}.
 *
 * @param dataRoot               where everything is stored (env {@code IMAGED_DATA_ROOT}); default {@code ./data}
 * @param hosts                  listeners, like dockerd's {@code -H}: {@code unix:///path}, {@code tcp://host:port};
 *                               empty means {@code unix://<data-root>/imaged.sock} and {@code tcp://127.0.0.1:2375}
 * @param maxConcurrentDownloads layers fetched at once by all pulls together (daemon-wide)
 * @param maxConcurrentUploads   layers pushed at once, all pushes together (as dockerd)
 * @param partialRetention       how long an unfinished download is kept for a later pull to resume
 * @param importMaxBytes         the most bytes {@code docker import <url>} will fetch
 * @param registry               registry access settings
 */
@ConfigurationProperties("imaged")
public record ImagedProperties(
        @DefaultValue("./data") Path dataRoot,
        @DefaultValue List<String> hosts,
        @DefaultValue("3") int maxConcurrentDownloads,
        @DefaultValue("5") int maxConcurrentUploads,
        @DefaultValue("24h") Duration partialRetention,
        @DefaultValue("8GB") org.springframework.util.unit.DataSize importMaxBytes,
        @DefaultValue Registry registry) {

    /**
     * @param mirrors  mirrors for docker.io, tried in order before the upstream
     * @param insecure registries (host:port) reached over plain HTTP, or TLS without verification
     * @param dockerIoUpstream where docker.io really is (after the mirrors); tests point it at a loopback registry
     * @param dockerIoIndex    where docker.io's search ({@code /v1/search}) is; mirrors have none
     * @param maxManifestBytes the largest manifest or index accepted (dockerd and containerd use 4 MiB)
     * @param loopbackInsecure treat 127.0.0.0/8, ::1 and localhost as insecure, as dockerd always does; false
     *                         makes loopback registries need verified TLS (certs.d) unless listed in {@code insecure}
     */
    public record Registry(@DefaultValue List<String> mirrors, @DefaultValue List<String> insecure,
                           @DefaultValue("30s") Duration connectTimeout, @DefaultValue("60s") Duration readTimeout,
                           @DefaultValue("5") int maxAttempts,
                           @DefaultValue("https://registry-1.docker.io") String dockerIoUpstream,
                           @DefaultValue("https://index.docker.io") String dockerIoIndex,
                           @DefaultValue("4194304") int maxManifestBytes,
                           @DefaultValue("500ms") Duration retryBackoff,
                           @DefaultValue("true") boolean loopbackInsecure) {
    }

    public Path socketDefault() {
        return dataRoot.resolve("imaged.sock");
    }

    public List<String> effectiveHosts() {
        if (hosts != null && !hosts.isEmpty()) return hosts;
        return List.of("unix://" + socketDefault().toAbsolutePath().normalize(), "tcp://127.0.0.1:2375");
    }
}
