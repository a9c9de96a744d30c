package io.imaged.server;

import java.net.URI;
import java.nio.file.Path;

/** One listener from {@code imaged.hosts}: {@code unix:///path} or {@code tcp://host:port}. */
public record HostSpec(String host, int port, Path unixPath) {
    public static HostSpec parse(String spec) {
        if (spec.startsWith("unix://")) {
            String p = spec.substring("unix://".length());
            if (p.isEmpty()) throw new IllegalArgumentException("invalid host " + spec + ": empty socket path");
            return new HostSpec(null, 0, Path.of(p).toAbsolutePath().normalize());
        }
        if (spec.startsWith("tcp://")) {
            URI u = URI.create(spec);
            String host = u.getHost() == null || u.getHost().isEmpty() ? "127.0.0.1" : u.getHost();
            int port = u.getPort() < 0 ? 2375 : u.getPort();
            return new HostSpec(host, port, null);
        }
        throw new IllegalArgumentException("invalid host " + spec + ": use unix:///path or tcp://host:port");
    }
}
