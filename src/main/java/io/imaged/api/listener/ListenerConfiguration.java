package io.imaged.api.listener;

import io.imaged.config.ImagedProperties;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Listeners like dockerd's {@code -H}: every entry of {@code imaged.hosts} becomes a Tomcat connector,
 * TCP or unix socket, all serving the same API. With {@code imaged.tls.*} every TCP connector speaks TLS (and
 * requires a client certificate with {@code verify}); unix sockets stay plain, guarded by their file mode.
 * Settings that cannot be served safely stop startup before any connector opens ({@link ListenerSettingsException}).
 */
@Configuration
public class ListenerConfiguration {
    private static final Logger log = LoggerFactory.getLogger(ListenerConfiguration.class);

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> imagedListeners(ImagedProperties props) {
        return factory -> {
            ListenerTls tls = ListenerTls.load(props.tls());
            int defaultPort = tls.on() ? HostSpec.TLS_PORT : HostSpec.PLAIN_PORT;
            List<HostSpec> hosts = props.effectiveHosts().stream().map(s -> HostSpec.parse(s, defaultPort)).toList();
            List<String> exposed = NonLoopbackRule.check(hosts, tls, props.tcpUnauthenticated());
            tls.warnings().forEach(w -> log.warn("{}", w));
            if (tls.on() && hosts.stream().allMatch(h -> h.unixPath() != null)) {
                log.warn("imaged.tls.cert and imaged.tls.key are set but imaged.hosts has no tcp:// listener: TLS is not used");
            }
            exposed.forEach(w -> log.warn("{}", w));
            if (tls.on()) log.info("{}", tls.describe());

            HostSpec first = hosts.get(0);
            configure(factory, first, tls);
            for (HostSpec h : hosts.subList(1, hosts.size())) {
                Connector c = new Connector(TomcatServletWebServerFactory.DEFAULT_PROTOCOL);
                applyTo(c, h, tls, props);
                factory.addAdditionalTomcatConnectors(c);
            }
            factory.addConnectorCustomizers(c -> tune(c, props));
            // which listener a request came through (the browser guard in api applies to TCP only)
            factory.addEngineValves(new ListenerValve());
            // an upload's reading thread waits until the container thread has let go of the request (LongRequests)
            factory.addEngineValves(new io.imaged.api.ContainerHandOffValve());
        };
    }

    private static void configure(TomcatServletWebServerFactory factory, HostSpec h, ListenerTls tls) {
        if (h.unixPath() != null) {
            prepareSocketPath(h.unixPath());
            factory.setPort(0);
            factory.addConnectorCustomizers(c -> setUnix(c, h.unixPath()));
        } else {
            factory.setPort(h.port());
            factory.setAddress(NonLoopbackRule.address(h));
            factory.addConnectorCustomizers(tls::applyTo);
        }
    }

    private static void applyTo(Connector c, HostSpec h, ListenerTls tls, ImagedProperties props) {
        tune(c, props);
        if (h.unixPath() != null) {
            prepareSocketPath(h.unixPath());
            setUnix(c, h.unixPath());
        } else {
            c.setPort(h.port());
            c.setProperty("address", h.host());
            tls.applyTo(c);
        }
    }

    private static void setUnix(Connector c, Path path) {
        c.setProperty("unixDomainSocketPath", path.toString());
        c.setProperty("unixDomainSocketPathPermissions", "rw-rw----");
    }

    /**
     * Image names may arrive with %2F (docker-java encodes them); long streams must not time out, but a body that
     * stops arriving must: Tomcat's connection timeout is the read timeout of a request body (also when it is read
     * on LongRequests' pool, after the worker has returned) and the write timeout of a blocked answer.
     */
    private static void tune(Connector c, ImagedProperties props) {
        c.setEncodedSolidusHandling("decode");
        c.setProperty("relaxedPathChars", "[]|");
        c.setProperty("relaxedQueryChars", "[]|{}^\\`\"<>");
        c.setAsyncTimeout(0);
        // no Engine API body is a form: an import body sent as one (curl --data-binary) is a tar, not parameters
        c.setParseBodyMethods("");
        if (c.getProtocolHandler() instanceof AbstractHttp11Protocol<?> p) {
            p.setConnectionUploadTimeout(0);
            p.setDisableUploadTimeout(true);
            p.setConnectionTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, props.requestBodyTimeout().toMillis())));
            p.setMaxSwallowSize(-1);
            p.setKeepAliveTimeout(120_000);
        }
    }

    /**
     * A stale socket file (no server behind it) is replaced; a live one means another daemon is serving
     * there, and startup fails with a clear message rather than stealing the socket.
     */
    static void prepareSocketPath(Path path) {
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
            if (!Files.exists(path)) return;
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(path));
                throw new SocketInUseException(path);
            } catch (IOException refused) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare socket " + path, e);
        }
    }
}
