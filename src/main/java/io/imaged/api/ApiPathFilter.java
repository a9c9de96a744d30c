package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.engine.ApiVersion;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UriUtils;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes Engine API paths routable: strips the {@code /v1.xx} prefix (checking the version as dockerd does),
 * and folds an image name that contains slashes ({@code /images/example.com:5000/team/base/json}) into
 * one encoded path segment so that controllers can map {@code /images/{name}/json}.
 */
@Component
// after BrowserRequestGuard: a refused web page learns nothing, not even whether its API version is served
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class ApiPathFilter extends OncePerRequestFilter {
    private static final Pattern VERSIONED = Pattern.compile("^/v([0-9]+\\.[0-9]+)(/.*)$");
    private static final Set<String> FIXED_IMAGE_ROUTES = Set.of("json", "create", "load", "prune", "search", "get");
    private static final String[] IMAGE_SUFFIXES = {"/json", "/history", "/tag", "/push", "/get"};
    /** imaged's layer explorer: the image name may hold slashes too. */
    private static final Pattern LAYER_FILES = Pattern.compile("^/imaged/images/(.+)/layers/([^/]*)/files$");
    private static final String VERSION_ATTRIBUTE = ApiVersion.class.getName();
    private final ObjectMapper json;
    private final SupportedApiVersions versions;

    public ApiPathFilter(ObjectMapper json, SupportedApiVersions versions) {
        this.json = json;
        this.versions = versions;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = UriUtils.decode(request.getRequestURI().substring(request.getContextPath().length()), StandardCharsets.UTF_8);
        ApiVersion version = ApiVersion.MAX;
        Matcher m = VERSIONED.matcher(path);
        if (m.matches()) {
            try {
                version = ApiVersion.parse(m.group(1));
            } catch (NumberFormatException e) {
                version = null;
            }
            if (version == null) {
                reject(response, ApiVersion.MAX, 400, "invalid API version: " + m.group(1));
                return;
            }
            // dockerd's words; the version as the client wrote it (1.012 stays 1.012)
            if (version.lessThan(versions.min())) {
                reject(response, version, 400, "client version " + m.group(1) + " is too old. Minimum supported API version is "
                        + versions.min() + ", please upgrade your client to a newer version");
                return;
            }
            if (versions.max().lessThan(version)) {
                reject(response, version, 400, "client version " + m.group(1) + " is too new. Maximum supported API version is " + versions.max());
                return;
            }
            path = m.group(2);
        }
        request.setAttribute(VERSION_ATTRIBUTE, version);
        DockerHeaders.addTo(response);
        String routed = route(path);
        if (routed.equals(request.getRequestURI())) {
            chain.doFilter(request, response);
        } else {
            chain.doFilter(new RoutedRequest(request, routed, path), response);
        }
    }

    /** The API version of the request's path; requests without a {@code /v1.xx} prefix get the newest. */
    static ApiVersion versionOf(HttpServletRequest request) {
        Object v = request.getAttribute(VERSION_ATTRIBUTE);
        return v instanceof ApiVersion av ? av : ApiVersion.MAX;
    }

    /** The path Spring MVC routes on: the image name as one encoded segment. */
    static String route(String path) {
        if (path.startsWith("/images/")) {
            String rest = path.substring("/images/".length());
            if (FIXED_IMAGE_ROUTES.contains(rest) || rest.isEmpty()) return encodeAll(path);
            for (String suffix : IMAGE_SUFFIXES) {
                if (rest.endsWith(suffix) && rest.length() > suffix.length()) {
                    return "/images/" + segment(rest.substring(0, rest.length() - suffix.length())) + suffix;
                }
            }
            return "/images/" + segment(rest);
        }
        Matcher files = LAYER_FILES.matcher(path);
        if (files.matches()) {
            return "/imaged/images/" + segment(files.group(1)) + "/layers/" + segment(files.group(2)) + "/files";
        }
        if (path.startsWith("/distribution/") && path.endsWith("/json")) {
            String name = path.substring("/distribution/".length(), path.length() - "/json".length());
            if (!name.isEmpty()) return "/distribution/" + segment(name) + "/json";
        }
        return encodeAll(path);
    }

    private static String segment(String name) {
        return UriUtils.encodePathSegment(name, StandardCharsets.UTF_8);
    }

    private static String encodeAll(String path) {
        return UriUtils.encodePath(path, StandardCharsets.UTF_8);
    }

    /** An error in the shape the requested version's clients read: plain text up to 1.23, as dockerd. */
    private void reject(HttpServletResponse response, ApiVersion version, int status, String message) throws IOException {
        DockerHeaders.addTo(response);
        response.setStatus(status);
        if (version.plainTextErrors()) {
            response.setContentType(ApiExceptionHandler.PLAIN_TEXT_ERROR.toString());
            response.setHeader("X-Content-Type-Options", "nosniff");
            response.getOutputStream().write((message + "\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        json.writeValue(response.getOutputStream(), new ErrorBody(message));
    }

    private static final class RoutedRequest extends HttpServletRequestWrapper {
        private final String uri;
        private final String servletPath;

        RoutedRequest(HttpServletRequest request, String uri, String decodedPath) {
            super(request);
            this.uri = request.getContextPath() + uri;
            this.servletPath = decodedPath;
        }

        @Override
        public String getRequestURI() {
            return uri;
        }

        @Override
        public StringBuffer getRequestURL() {
            StringBuffer sb = new StringBuffer();
            sb.append(getScheme()).append("://").append(getServerName()).append(uri);
            return sb;
        }

        @Override
        public String getServletPath() {
            return servletPath;
        }

        @Override
        public String getPathInfo() {
            return null;
        }
    }
}
