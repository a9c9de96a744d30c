package io.imaged.api;

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

/**
 * What dockerd refuses before a handler runs, refused here before Spring binds parameters: a query string that
 * Go's {@code url.ParseQuery} rejects (400 {@code invalid URL escape "%zz"}, {@code invalid semicolon separator
 * in query}), a path with a {@code ;param} segment that Tomcat would silently strip, and {@code TRACE}, which
 * dockerd's router does not know (the last two 404 {@code page not found}). Tomcat is told
 * to let TRACE through ({@code server.TomcatErrorConfiguration}) only so that this answer is JSON and not its
 * empty 405; the servlet's own TRACE echo never runs. Runs after {@link ApiPathFilter}, so the API version is
 * checked first, as dockerd's version middleware runs before the handler parses the form.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
public class StrictRequestFilter extends OncePerRequestFilter {
    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if ("TRACE".equalsIgnoreCase(request.getMethod())) {
            reject(response, 404, "page not found");
            return;
        }
        if (request.getRequestURI().indexOf(';') >= 0) {
            // Tomcat strips ";param" from a path segment; dockerd's router knows no such path
            reject(response, 404, "page not found");
            return;
        }
        String queryError = GoQuery.error(request.getQueryString());
        if (queryError != null) {
            reject(response, 400, queryError);
            return;
        }
        chain.doFilter(request, response);
    }

    private void reject(HttpServletResponse response, int status, String message) throws IOException {
        DockerHeaders.addTo(response);
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.getOutputStream().write(ErrorBody.json(message).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
