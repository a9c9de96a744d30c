package io.imaged.api.listener;

import io.imaged.api.DockerErrorReportValve;
import org.apache.catalina.Container;
import org.apache.catalina.Engine;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;

/**
 * Tomcat settings that make every error Docker's {@code {"message": ...}} and let real clients' requests in, on
 * every listener (the connectors {@link ListenerConfiguration} adds as well as the first one):
 * <ul>
 * <li>the host's {@link ErrorReportValve} (HTML pages for a request Tomcat cannot parse) is replaced by
 * {@link DockerErrorReportValve};</li>
 * <li>{@code TRACE} is let through to the API, which answers it as dockerd does (404 JSON) instead of Tomcat's
 * empty 405; the servlet's TRACE echo is never reached;</li>
 * <li>the request line plus headers may be {@code server.max-http-request-header-size} long (imaged's default
 * 64 KB: a 9 KiB {@code X-Registry-Auth} and long filter URLs fit; Tomcat's default is 8 KB). Tomcat allocates
 * this buffer for every connection it keeps, which is why it is not Go's 1 MB.</li>
 * </ul>
 * Applied from a context customizer, which runs when all connectors exist and after Spring Boot's own valve
 * setup (this customizer is ordered last).
 */
@Configuration
public class TomcatErrorConfiguration implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {
    private final ServerProperties server;

    public TomcatErrorConfiguration(ServerProperties server) {
        this.server = server;
    }

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addContextCustomizers(context -> {
            Container host = context.getParent();
            if (host instanceof StandardHost h) {
                h.setErrorReportValveClass(DockerErrorReportValve.class.getName());
                for (Valve v : h.getPipeline().getValves()) {
                    if (v instanceof ErrorReportValve && !(v instanceof DockerErrorReportValve)) h.getPipeline().removeValve(v);
                }
                h.getPipeline().addValve(new DockerErrorReportValve());
            }
            if (host != null && host.getParent() instanceof Engine engine && engine.getService() != null) {
                for (Connector c : engine.getService().findConnectors()) tune(c);
            }
        });
    }

    private void tune(Connector c) {
        c.setAllowTrace(true);
        DataSize max = server.getMaxHttpRequestHeaderSize();
        if (max != null && max.toBytes() > 0 && c.getProtocolHandler() instanceof AbstractHttp11Protocol<?> p) {
            p.setMaxHttpRequestHeaderSize((int) max.toBytes());
        }
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
