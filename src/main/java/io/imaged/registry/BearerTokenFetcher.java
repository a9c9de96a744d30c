package io.imaged.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gets bearer tokens from a token server (docker-distribution auth-token.md / auth-oauth.md) and caches them by
 * realm, service, scopes and (a hash of) the credentials until shortly before they expire.
 * <ul>
 *   <li>anonymous or username/password: {@code GET realm?service=&scope=} (Basic auth when there are credentials);</li>
 *   <li>identity token (a refresh token from an earlier login): {@code POST realm} with
 *       {@code grant_type=refresh_token}.</li>
 * </ul>
 */
@Component
public class BearerTokenFetcher {
    static final String CLIENT_ID = "imaged";
    private final ObjectMapper json;
    private final Map<String, Token> cache = new ConcurrentHashMap<>();

    public BearerTokenFetcher(ObjectMapper json) {
        this.json = json;
    }

    /**
     * A token answer.
     *
     * @param token        the bearer token
     * @param refreshToken a long-lived token the server hands out on login (becomes the IdentityToken), or null
     * @param expires      when to stop using the token
     */
    public record Token(String token, String refreshToken, Instant expires) {
        @Override
        public String toString() {
            return "Token[expires=" + expires + "]";
        }
    }

    public Token fetch(HttpClient http, Challenge challenge, List<String> scopes, AuthConfig auth, boolean offline,
                       Duration timeout) throws IOException {
        String realm = challenge.param("realm");
        if (realm == null || realm.isEmpty()) throw new Retrying.NotRetryable("bearer challenge without a realm");
        String service = challenge.param("service");
        String key = realm + "|" + service + "|" + String.join(" ", scopes) + "|" + auth.cacheKey();
        Token cached = cache.get(key);
        if (!offline && cached != null && cached.expires().isAfter(Instant.now())) return cached;
        Token fresh = auth.hasIdentityToken() ? refresh(http, realm, service, scopes, auth, timeout)
                : get(http, realm, service, scopes, auth, offline, timeout);
        cache.put(key, fresh);
        return fresh;
    }

    public void forget(AuthConfig auth) {
        cache.keySet().removeIf(k -> k.endsWith("|" + auth.cacheKey()));
    }

    private Token get(HttpClient http, String realm, String service, List<String> scopes, AuthConfig auth,
                      boolean offline, Duration timeout) throws IOException {
        StringJoiner q = new StringJoiner("&");
        if (service != null) q.add("service=" + enc(service));
        for (String s : scopes) q.add("scope=" + enc(s));
        if (auth.hasBasic()) q.add("account=" + enc(auth.username()));
        if (offline) q.add("offline_token=true").add("client_id=" + CLIENT_ID);
        URI uri = URI.create(realm + (realm.contains("?") ? "&" : "?") + q);
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(timeout).GET();
        if (auth.hasBasic()) rb.header("Authorization", auth.basicHeader());
        return send(http, rb.build(), realm);
    }

    private Token refresh(HttpClient http, String realm, String service, List<String> scopes, AuthConfig auth,
                          Duration timeout) throws IOException {
        StringJoiner form = new StringJoiner("&");
        form.add("grant_type=refresh_token").add("refresh_token=" + enc(auth.identityToken()))
                .add("client_id=" + CLIENT_ID);
        if (service != null) form.add("service=" + enc(service));
        if (!scopes.isEmpty()) form.add("scope=" + enc(String.join(" ", scopes)));
        HttpRequest req = HttpRequest.newBuilder(URI.create(realm)).timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form.toString())).build();
        return send(http, req, realm);
    }

    private Token send(HttpClient http, HttpRequest req, String realm) throws IOException {
        HttpResponse<byte[]> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while fetching a token");
        }
        if (r.statusCode() != 200) {
            RegistryException e = RegistryException.of(r.statusCode(), r.body(), json);
            String msg = e.getMessage();
            if (e.codes().isEmpty()) {
                // token servers (and Docker Hub) often answer {"details": "..."}
                try {
                    JsonNode n = json.readTree(r.body());
                    if (n.hasNonNull("details")) msg = "unauthorized: " + n.get("details").asText();
                } catch (IOException | RuntimeException ignored) {
                    // keep the status text
                }
            }
            throw new RegistryException(r.statusCode(), e.codes(), msg);
        }
        JsonNode n = json.readTree(r.body());
        String token = n.path("token").asText("");
        if (token.isEmpty()) token = n.path("access_token").asText("");
        if (token.isEmpty()) throw new Retrying.NotRetryable("token server " + realm + " returned no token");
        long expiresIn = n.path("expires_in").asLong(60);
        if (expiresIn < 60) expiresIn = 60;
        String refresh = n.path("refresh_token").asText("");
        return new Token(token, refresh.isEmpty() ? null : refresh, Instant.now().plusSeconds(expiresIn - 10));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
