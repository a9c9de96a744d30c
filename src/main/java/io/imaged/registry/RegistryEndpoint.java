package io.imaged.registry;

import java.net.URI;
import java.net.http.HttpClient;

/**
 * One place to reach a registry: base URI ({@code https://registry-1.docker.io}), the HTTP client whose TLS
 * settings fit it, whether it is a mirror (pull only) and whether TLS errors are tolerated.
 *
 * @param name     the registry as named in image references ({@code docker.io}, {@code 127.0.0.1:5000})
 * @param base     scheme, host and port of the API root (without {@code /v2/})
 * @param http     client to use
 * @param mirror   a docker.io mirror (pull only)
 * @param insecure plain HTTP or unverified TLS allowed
 */
public record RegistryEndpoint(String name, URI base, HttpClient http, boolean mirror, boolean insecure) {

    public URI resolve(String pathAndQuery) {
        String b = base.toString();
        if (b.endsWith("/")) b = b.substring(0, b.length() - 1);
        return URI.create(b + pathAndQuery);
    }

    /** {@code host:port} of the endpoint (what certs.d and insecure lists are keyed by). */
    public String hostPort() {
        return hostPort(base);
    }

    /** {@code host:port} of a URI, or just the host when it names no port. */
    static String hostPort(URI u) {
        return u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort();
    }

    @Override
    public String toString() {
        return base.toString();
    }
}
