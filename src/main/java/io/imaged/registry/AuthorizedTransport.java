package io.imaged.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.engine.Engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The authorised HTTP exchange of one session: each request carries the current authorisation (Basic, or a Bearer
 * token for the session's scopes), a 401 challenge is answered once, GET and HEAD redirects are followed without
 * sending credentials to another host, and transport failures are worded as dockerd words them. Also the
 * handshakes that set the authorisation up (ping, login). Thread-safe.
 */
final class AuthorizedTransport {
    /** The slowest link an upload is given time for (on top of the read timeout): 64 KiB/s. */
    private static final long MIN_UPLOAD_BYTES_PER_SECOND = 64 << 10;
    private final RegistryEndpoint endpoint;
    private final AuthConfig auth;
    private final BearerTokenFetcher tokens;
    private final Retrying retrying;
    private final ObjectMapper json;
    private final Duration timeout;
    private final RegistryTraffic traffic;
    private final List<String> scopes = new CopyOnWriteArrayList<>();
    private volatile Challenge challenge;
    private volatile String authorization;

    AuthorizedTransport(RegistryEndpoint endpoint, AuthConfig auth, BearerTokenFetcher tokens, Retrying retrying,
                        ObjectMapper json, Duration timeout, RegistryTraffic traffic) {
        this.traffic = traffic;
        this.endpoint = endpoint;
        this.auth = auth;
        this.tokens = tokens;
        this.retrying = retrying;
        this.json = json;
        this.timeout = timeout;
    }

    /** Where this session's traffic is counted (resumed downloads are {@link BlobReads}' to tell). */
    RegistryTraffic traffic() {
        return traffic;
    }

    /** Whether the registry asked for Basic credentials that this session does not have. */
    boolean basicChallengeWithoutCredentials() {
        Challenge c = challenge;
        return !auth.hasBasic() && c != null && c.scheme().equals("basic");
    }

    /** Adds a token scope (e.g. {@code repository:other/repo:pull} before a cross-repository mount). */
    void addScope(String scope) {
        if (!scopes.contains(scope)) {
            scopes.add(scope);
            if (challenge != null && challenge.scheme().equals("bearer")) authorization = null;
        }
    }

    /** {@code GET /v2/}: checks the endpoint speaks the v2 API and learns how it wants to be authenticated. */
    void ping() throws IOException {
        URI uri = endpoint.resolve("/v2/");
        HttpResponse<byte[]> r = retrying.call("ping", () -> {
            HttpResponse<byte[]> answer = rawSend(HttpRequest.newBuilder(uri).GET(), "GET", uri,
                    HttpResponse.BodyHandlers.ofByteArray(), true);
            if (answer.statusCode() != 401 && answer.statusCode() != 200) {
                throw RegistryException.of(answer.statusCode(), answer.body(), json);
            }
            return answer;
        });
        if (r.statusCode() == 401) {
            challenge = Challenge.pick(r.headers().allValues("WWW-Authenticate")).orElse(null);
            if (challenge != null) authenticate();
        }
    }

    /** Verifies the credentials; returns the identity (refresh) token when the token server hands one out. */
    String login() throws IOException {
        URI uri = endpoint.resolve("/v2/");
        HttpResponse<byte[]> r = retrying.call("login", () -> rawSend(HttpRequest.newBuilder(uri).GET(), "GET", uri,
                HttpResponse.BodyHandlers.ofByteArray(), true));
        if (r.statusCode() == 200) return null;
        if (r.statusCode() != 401) throw loginFailed(uri, r.statusCode());
        challenge = Challenge.pick(r.headers().allValues("WWW-Authenticate")).orElse(null);
        if (challenge == null) throw loginFailed(uri, 401);
        String identity = null;
        if (challenge.scheme().equals("bearer")) {
            BearerTokenFetcher.Token t = tokens.fetch(endpoint.http(), challenge, List.of(), auth, !auth.hasIdentityToken(), timeout);
            authorization = "Bearer " + t.token();
            identity = t.refreshToken();
        } else {
            if (!auth.hasBasic()) throw loginFailed(uri, 401);
            authorization = auth.basicHeader();
        }
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).GET().header("Authorization", authorization);
        HttpResponse<byte[]> again = rawSend(rb, "GET", uri, HttpResponse.BodyHandlers.ofByteArray(), true);
        if (again.statusCode() != 200) throw loginFailed(uri, again.statusCode());
        return identity;
    }

    private static RegistryException loginFailed(URI uri, int status) {
        String text = switch (status) {
            case 401 -> "401 Unauthorized";
            case 403 -> "403 Forbidden";
            case 404 -> "404 Not Found";
            default -> String.valueOf(status);
        };
        return new RegistryException(status, List.of("UNAUTHORIZED"),
                "login attempt to " + uri + " failed with status: " + text);
    }

    private void authenticate() throws IOException {
        Challenge c = challenge;
        if (c == null) return;
        if (auth.hasRegistryToken()) {
            authorization = "Bearer " + auth.registryToken();
        } else if (c.scheme().equals("bearer")) {
            authorization = "Bearer " + tokens.fetch(endpoint.http(), c, List.copyOf(scopes), auth, false, timeout).token();
        } else if (c.scheme().equals("basic") && auth.hasBasic()) {
            authorization = auth.basicHeader();
        }
    }

    /** Sends with the current authorisation; on a 401 answers the challenge once and sends again. */
    <T> HttpResponse<T> send(Supplier<HttpRequest.Builder> request, String method, URI uri,
                                     HttpResponse.BodyHandler<T> handler) throws IOException {
        if (authorization == null && challenge != null) authenticate();
        HttpRequest.Builder b = request.get();
        String a = authorization;
        if (a != null) b.header("Authorization", a);
        HttpResponse<T> r = followRedirects(rawSend(b, method, uri, handler, false), request, method, handler);
        if (r.statusCode() != 401) return r;
        Optional<Challenge> c = Challenge.pick(r.headers().allValues("WWW-Authenticate"));
        if (c.isEmpty()) return r;
        discard(r);
        challenge = c.get();
        // a 401 carrying an error="insufficient_scope" or a changed challenge: get a token for it
        if (c.get().scheme().equals("bearer") && c.get().param("scope") != null) {
            for (String s : c.get().param("scope").split(" ")) if (!s.isBlank() && !scopes.contains(s)) scopes.add(s);
        }
        authorization = null;
        authenticate();
        HttpRequest.Builder again = request.get();
        if (authorization != null) again.header("Authorization", authorization);
        return followRedirects(rawSend(again, method, uri, handler, false), request, method, handler);
    }

    /**
     * Follows redirects of GET and HEAD (blobs are often served from storage or a CDN) with the same headers
     * (Range included) — but the registry's credentials go only to the registry itself: signed storage URLs
     * refuse a second authorisation, and a token must not leak to another host.
     */
    private <T> HttpResponse<T> followRedirects(HttpResponse<T> r, Supplier<HttpRequest.Builder> request, String method,
                                                HttpResponse.BodyHandler<T> handler) throws IOException {
        if (!method.equals("GET") && !method.equals("HEAD")) return r;
        URI current = r.request().uri();
        for (int hops = 0; hops < 10 && isRedirect(r.statusCode()); hops++) {
            Optional<String> location = r.headers().firstValue("Location");
            if (location.isEmpty()) return r;
            URI next = current.resolve(location.get());
            discard(r);
            HttpRequest.Builder b = request.get().uri(next);
            if (sameOrigin(next, endpoint.base()) && authorization != null) b.header("Authorization", authorization);
            r = rawSend(b, method, next, handler, false);
            current = next;
        }
        return r;
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && effectivePort(a) == effectivePort(b);
    }

    private static int effectivePort(URI u) {
        return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private static void discard(HttpResponse<?> r) {
        if (r.body() instanceof InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // nothing to keep
            }
        }
    }

    private <T> HttpResponse<T> rawSend(HttpRequest.Builder b, String method, URI uri, HttpResponse.BodyHandler<T> handler,
                                        boolean ping) throws IOException {
        b.timeout(timeout).header("User-Agent", "imaged/" + Engine.VERSION);
        HttpRequest request = b.build();
        // the JDK client's timeout runs until the answer's headers, so it includes sending the body: a blob upload
        // gets the time to send it at a slow link's pace on top, or a big layer could never be pushed (dockerd has
        // no overall limit)
        long bodyBytes = request.bodyPublisher().map(HttpRequest.BodyPublisher::contentLength).orElse(0L);
        if (bodyBytes > 0) {
            request = HttpRequest.newBuilder(request, (name, value) -> true)
                    .timeout(timeout.plusSeconds(bodyBytes / MIN_UPLOAD_BYTES_PER_SECOND)).build();
        }
        if (bodyBytes != 0 && request.bodyPublisher().isPresent()) {
            request = HttpRequest.newBuilder(request, (name, value) -> true)
                    .method(request.method(), CountingBodies.sent(request.bodyPublisher().get(), traffic::sent)).build();
        }
        HttpClient http = endpoint.http();
        try {
            return http.send(request, CountingBodies.received(handler, traffic::received));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(goMethod(method) + " \"" + uri + "\": interrupted");
        } catch (IOException e) {
            throw transportError(method, uri, e, ping);
        }
    }

    /** Words a transport failure as dockerd does: {@code Get "http://h:p/v2/": dial tcp h:p: connect: connection refused}. */
    private IOException transportError(String method, URI uri, IOException e, boolean ping) {
        String hp = endpoint.hostPort();
        String prefix = goMethod(method) + " \"" + uri + "\": ";
        if (e instanceof ConnectException) {
            String what = e.getMessage() == null || e.getMessage().isEmpty() || e.getMessage().contains("refused")
                    ? "connect: connection refused" : e.getMessage();
            return new RegistrySession.UnreachableException(prefix + "dial tcp " + hp + ": " + what, e, false);
        }
        if (e instanceof java.net.http.HttpConnectTimeoutException) {
            return new RegistrySession.UnreachableException(prefix + "dial tcp " + hp + ": i/o timeout", e, true);
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return new RegistrySession.TransportException(prefix + "timeout awaiting response headers", e, true);
        }
        if (e instanceof javax.net.ssl.SSLException ssl) {
            return new RegistrySession.UnreachableException(prefix + TlsErrors.describe(ssl, hp), e, false);
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (ping) return new RegistrySession.UnreachableException(prefix + msg, e, true);
        return new RegistrySession.TransportException(prefix + msg, e, true);
    }

    private static String goMethod(String method) {
        return method.charAt(0) + method.substring(1).toLowerCase();
    }

}
