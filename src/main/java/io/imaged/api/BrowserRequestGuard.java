package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.config.ImagedProperties;
import io.imaged.api.listener.Listener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.net.URI;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Keeps web pages away from the API on TCP listeners, and lets the ones {@code imaged.api-cors-header} names in.
 * <ul>
 *   <li>A request with an {@code Origin} (only browsers send one) that is neither allowed by the CORS setting nor
 *       the daemon's own origin is answered 403 before anything reads its body or acts on it: a page can send a
 *       "simple" cross-origin POST without asking first, so answering it without CORS headers is not enough.</li>
 *   <li>On a plain-HTTP connection to a loopback address, a {@code Host} that is not a loopback name or one of
 *       {@code imaged.allowed-hosts} is answered 403 (DNS rebinding: a page whose name now points at 127.0.0.1 is
 *       same-origin with the daemon as far as the browser knows).</li>
 *   <li>Allowed cross-origin requests get dockerd's CORS headers; a preflight {@code OPTIONS} is answered here.</li>
 * </ul>
 * The unix socket is left as it is: no browser reaches it. Clients that send no {@code Origin} (curl, the docker
 * CLI, docker-py, docker-java) are unaffected.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class BrowserRequestGuard extends OncePerRequestFilter {
    /** A header echoed in an error message is cut here: the message is for a human, not a mirror. */
    private static final int MAX_ECHO = 200;
    private final CorsPolicy cors;
    private final HostAllowList hosts;
    private final ObjectMapper json;

    public BrowserRequestGuard(ImagedProperties props, ObjectMapper json) {
        this.cors = CorsPolicy.parse(props.apiCorsHeader());
        this.hosts = HostAllowList.of(props.allowedHosts());
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        // without the mark (a request that did not come through a connector) the stricter TCP rules apply
        Listener listener = request.getAttribute(Listener.ATTRIBUTE) instanceof Listener l ? l : new Listener(false, false);
        if (listener.unixSocket()) {
            chain.doFilter(request, response);
            return;
        }
        String host = request.getHeader("Host");
        boolean hostAllowed = host == null || hosts.allows(host);
        if (!listener.tls() && !hostAllowed && HostAllowList.isLoopbackLiteral(request.getLocalAddr())) {
            reject(response, "Host " + echo(host) + " is not allowed: use a loopback name or address, "
                    + "or name the host in imaged.allowed-hosts");
            return;
        }
        List<String> origins = Collections.list(request.getHeaders("Origin"));
        if (origins.isEmpty()) {
            allowOrigin(response, null);
            chain.doFilter(request, response);
            return;
        }
        String origin = origins.get(0);
        boolean corsAllowed = origins.size() == 1 && cors.allows(origin);
        // a same-origin page is trusted only where its Host is: behind TLS, or a loopback or allowed name
        boolean sameOrigin = origins.size() == 1 && host != null && (listener.tls() || hostAllowed)
                && sameOrigin(origin, listener.tls() ? "https" : "http", host);
        if (!corsAllowed && !sameOrigin) {
            reject(response, "Origin " + echo(String.join(", ", origins)) + " is not allowed: web pages from "
                    + "other origins may not use this API; to let a dashboard in, name its origin in imaged.api-cors-header");
            return;
        }
        if (corsAllowed) {
            allowOrigin(response, origin);
            if ("OPTIONS".equals(request.getMethod()) && request.getHeader("Access-Control-Request-Method") != null) {
                // a preflight: the browser asks before a request it may not send unasked (X-Registry-Auth, DELETE...)
                if ("true".equalsIgnoreCase(request.getHeader("Access-Control-Request-Private-Network"))) {
                    // Chrome's Private Network Access: a public page (https://dash.example) calling a loopback daemon
                    response.setHeader("Access-Control-Allow-Private-Network", "true");
                }
                DockerHeaders.addTo(response);
                response.setStatus(HttpServletResponse.SC_OK);
                response.setContentLength(0);
                return;
            }
        }
        chain.doFilter(request, response);
    }

    /** dockerd's CORS headers, written before the answer starts so that streamed answers carry them too. */
    private void allowOrigin(HttpServletResponse response, String origin) {
        String value = cors.allowOriginFor(origin);
        if (value == null) return;
        response.setHeader("Access-Control-Allow-Origin", value);
        response.setHeader("Access-Control-Allow-Headers", CorsPolicy.ALLOW_HEADERS);
        response.setHeader("Access-Control-Allow-Methods", CorsPolicy.ALLOW_METHODS);
        response.setHeader("Access-Control-Expose-Headers", CorsPolicy.EXPOSE_HEADERS);
        if (cors.variesByOrigin()) response.addHeader("Vary", "Origin");
    }

    /** The origin a page served by this listener itself has: {@code scheme://Host}, default ports folded. */
    static boolean sameOrigin(String origin, String scheme, String hostHeader) {
        try {
            URI o = new URI(origin.trim());
            URI self = new URI(scheme + "://" + hostHeader.trim());
            if (o.getScheme() == null || o.getHost() == null || self.getHost() == null) return false;
            if (o.getRawPath() != null && !o.getRawPath().isEmpty() || o.getRawQuery() != null) return false;
            return o.getScheme().equalsIgnoreCase(scheme)
                    && o.getHost().toLowerCase(Locale.ROOT).equals(self.getHost().toLowerCase(Locale.ROOT))
                    && port(o) == port(self);
        } catch (Exception e) {
            return false;
        }
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) return u.getPort();
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static String echo(String header) {
        String h = header.replaceAll("\\p{Cntrl}", "?");
        return h.length() <= MAX_ECHO ? h : h.substring(0, MAX_ECHO) + "...";
    }

    private void reject(HttpServletResponse response, String message) throws IOException {
        DockerHeaders.addTo(response);
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        json.writeValue(response.getOutputStream(), new ErrorBody(message));
    }
}
