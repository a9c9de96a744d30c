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
 *                               ({@code 2376} with TLS)
 * @param maxConcurrentDownloads layers fetched at once by all pulls together (daemon-wide)
 * @param maxConcurrentUploads   layers pushed at once, all pushes together (as dockerd)
 * @param partialRetention       how long an unfinished download is kept for a later pull to resume
 * @param importMaxBytes         the most bytes {@code docker import <url>} will fetch
 * @param registry               registry access settings
 * @param tls                    TLS for every {@code tcp://} listener (dockerd's {@code --tlscert}, {@code --tlsverify})
 * @param tcpUnauthenticated     allow a plain or unverified {@code tcp://} listener on a non-loopback address
 *                               (refused at startup otherwise; logged loudly at every start when allowed)
 * @param apiCorsHeader          origins whose web pages may call the API (dockerd's {@code --api-cors-header});
 *                               empty: no cross-origin request is served; {@code *}: any origin
 * @param allowedHosts           {@code Host} header names, besides loopback ones, that a plain-HTTP loopback
 *                               listener answers (DNS-rebinding protection)
 * @param minApiVersion          the oldest Engine API version served ({@code /v1.12} and up by default)
 * @param requestBodyTimeout     how long a request body (load, import, push's legacy credentials) may send nothing
 *                               before it is cut (400, nothing stored); also how long a client may leave a
 *                               streamed answer unread before it is cut (Tomcat's connection timeout)
 */
@ConfigurationProperties("imaged")
public record ImagedProperties(
        @DefaultValue("./data") Path dataRoot,
        @DefaultValue List<String> hosts,
        @DefaultValue("3") int maxConcurrentDownloads,
        @DefaultValue("5") int maxConcurrentUploads,
        @DefaultValue("24h") Duration partialRetention,
        @DefaultValue("8GB") org.springframework.util.unit.DataSize importMaxBytes,
        @DefaultValue Registry registry,
        @DefaultValue Tls tls,
        @DefaultValue("false") boolean tcpUnauthenticated,
        @DefaultValue("") String apiCorsHeader,
        @DefaultValue List<String> allowedHosts,
        @DefaultValue("1.12") String minApiVersion,
        @DefaultValue("60s") Duration requestBodyTimeout) {

    /**
     * @param cert   PEM certificate (chain) the TCP listeners present; with {@code key}, turns TLS on
     * @param key    its PEM private key: PKCS#1, SEC1 or PKCS#8, RSA or EC
     * @param caCert PEM bundle of the CAs whose client certificates are accepted when {@code verify} is on
     * @param verify require a client certificate signed by {@code caCert} (dockerd's {@code --tlsverify})
     */
    public record Tls(Path cert, Path key, Path caCert, @DefaultValue("false") boolean verify) {
        public Tls {
            // an empty value (IMAGED_TLS_CERT= in a compose file, "cert:" in YAML) is unset, not a file named ""
            cert = unsetIfEmpty(cert);
            key = unsetIfEmpty(key);
            caCert = unsetIfEmpty(caCert);
        }

        private static Path unsetIfEmpty(Path p) {
            return p == null || p.toString().isBlank() ? null : p;
        }

        public boolean enabled() {
            return cert != null || key != null || verify;
        }
    }

    /**
     * @param mirrors  mirrors for docker.io, tried in order before the upstream
     * @param insecure registries (host:port) reached over plain HTTP, or TLS without verification
     * @param dockerIoUpstream where docker.io really is (after the mirrors); tests point it at a loopback registry
     * @param dockerIoIndex    where docker.io's search ({@code /v1/search}) is; mirrors have none
     * @param maxManifestBytes the largest manifest or index accepted (dockerd and containerd use 4 MiB)
     * @param loopbackInsecure treat 127.0.0.0/8, ::1 and localhost as insecure, as dockerd always does; false
     *                         makes loopback registries need verified TLS (certs.d) unless listed in {@code insecure}
     * @param maxLayerBytes    the largest layer a registry may declare (or send); a bigger claim fails the pull
     */
    public record Registry(@DefaultValue List<String> mirrors, @DefaultValue List<String> insecure,
                           @DefaultValue("30s") Duration connectTimeout, @DefaultValue("60s") Duration readTimeout,
                           @DefaultValue("5") int maxAttempts,
                           @DefaultValue("https://registry-1.docker.io") String dockerIoUpstream,
                           @DefaultValue("https://index.docker.io") String dockerIoIndex,
                           @DefaultValue("4194304") int maxManifestBytes,
                           @DefaultValue("500ms") Duration retryBackoff,
                           @DefaultValue("true") boolean loopbackInsecure,
                           @DefaultValue("64GB") org.springframework.util.unit.DataSize maxLayerBytes) {
    }

    public Path socketDefault() {
        return dataRoot.resolve("imaged.sock");
    }

    /** The listeners; by default the socket and loopback TCP on 2375, or 2376 with TLS (dockerd's ports). */
    public List<String> effectiveHosts() {
        if (hosts != null && !hosts.isEmpty()) return hosts;
        return List.of("unix://" + socketDefault().toAbsolutePath().normalize(),
                tls != null && tls.enabled() ? "tcp://127.0.0.1:2376" : "tcp://127.0.0.1:2375");
    }
}
