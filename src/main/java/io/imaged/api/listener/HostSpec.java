package io.imaged.api.listener;

import java.net.URI;
import java.nio.file.Path;

/** One listener from {@code imaged.hosts}: {@code unix:///path} or {@code tcp://host:port}. */
public record HostSpec(String host, int port, Path unixPath) {
    /** dockerd's defaults for {@code tcp://host} without a port: 2375 for plain HTTP, 2376 with TLS. */
    public static final int PLAIN_PORT = 2375;
    public static final int TLS_PORT = 2376;

    public static HostSpec parse(String spec) {
        return parse(spec, PLAIN_PORT);
    }

    public static HostSpec parse(String spec, int defaultTcpPort) {
        if (spec.startsWith("unix://")) {
            String p = spec.substring("unix://".length());
            if (p.isEmpty()) throw new IllegalArgumentException("invalid host " + spec + ": empty socket path");
            return new HostSpec(null, 0, Path.of(p).toAbsolutePath().normalize());
        }
        if (spec.startsWith("tcp://")) {
            URI u = URI.create(spec);
            String host = u.getHost() == null || u.getHost().isEmpty() ? "127.0.0.1" : u.getHost();
            int port = u.getPort() < 0 ? defaultTcpPort : u.getPort();
            return new HostSpec(host, port, null);
        }
        throw new IllegalArgumentException("invalid host " + spec + ": use unix:///path or tcp://host:port");
    }
}
