package io.imaged.registry;

import io.imaged.oci.ManifestCodec;
import io.imaged.oci.MediaTypes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.config.ImagedProperties;
import io.imaged.store.Digest;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One repository on one registry endpoint with one set of credentials: every HTTP exchange of pull and push
 * (manifests, blobs, uploads, tags, catalog), each authorised (Basic or Bearer, answering 401 challenges once)
 * and retried per {@link Retrying}. Thread-safe: parallel layer downloads share a session.
 */
public final class RegistrySession {
    private static final Pattern LINK_NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private final RegistryEndpoint endpoint;
    private final String repo;
    private final AuthConfig auth;
    private final BearerTokenFetcher tokens;
    private final Retrying retrying;
    private final ObjectMapper json;
    /** The slowest link an upload is given time for (on top of the read timeout): 64 KiB/s. */
    private static final long MIN_UPLOAD_BYTES_PER_SECOND = 64 << 10;
    private final Duration timeout;
    private final int maxManifestBytes;
    private final List<String> scopes = new CopyOnWriteArrayList<>();
    private volatile Challenge challenge;
    private volatile String authorization;

    RegistrySession(RegistryEndpoint endpoint, String repo, AuthConfig auth, boolean push, BearerTokenFetcher tokens,
                    Retrying retrying, ImagedProperties props, ObjectMapper json) {
        this.endpoint = endpoint;
        this.repo = repo;
        this.auth = auth == null ? AuthConfig.ANONYMOUS : auth;
        this.tokens = tokens;
        this.retrying = retrying;
        this.json = json;
        this.timeout = props.registry().readTimeout();
        this.maxManifestBytes = props.registry().maxManifestBytes();
        if (repo != null) scopes.add("repository:" + repo + ":" + (push ? "pull,push" : "pull"));
    }

    public RegistryEndpoint endpoint() {
        return endpoint;
    }

    public String repository() {
        return repo;
    }

    /** Adds a token scope (e.g. {@code repository:other/repo:pull} before a cross-repository mount). */
    public void addScope(String scope) {
        if (!scopes.contains(scope)) {
            scopes.add(scope);
            if (challenge != null && challenge.scheme().equals("bearer")) authorization = null;
        }
    }

    // ---- ping and login ------------------------------------------------------------------------------------

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

    // ---- manifests -----------------------------------------------------------------------------------------

    /**
     * A manifest or index as the registry sent it.
     *
     * @param bytes     the exact bytes (their sha256 is the digest)
     * @param mediaType from Content-Type, or from the document when the registry sends a generic type
     * @param digest    sha256 of the bytes, checked against the requested digest and Docker-Content-Digest
     */
    public record Manifest(byte[] bytes, String mediaType, Digest digest) {
    }

    /** {@code GET /v2/<repo>/manifests/<tag or digest>}, size-limited and verified. */
    public Manifest getManifest(String reference) throws IOException {
        URI uri = endpoint.resolve("/v2/" + repo + "/manifests/" + reference);
        return retrying.call("manifest", () -> {
            HttpResponse<InputStream> r = send(() -> HttpRequest.newBuilder(uri).GET().header("Accept", MediaTypes.ACCEPT),
                    "GET", uri, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = r.body()) {
                if (r.statusCode() == 401 && !auth.hasBasic() && challenge != null && challenge.scheme().equals("basic")) {
                    throw new RegistryException(401, List.of("UNAUTHORIZED"), "Head \"" + uri + "\": no basic auth credentials");
                }
                if (r.statusCode() != 200) throw RegistryException.of(r.statusCode(), body.readNBytes(65536), json);
                long declared = r.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (declared > maxManifestBytes) throw tooBig(reference);
                byte[] bytes = readLimited(new StallGuard(body, timeout, "GET " + uri), maxManifestBytes, reference);
                Digest digest = Digest.sha256(bytes);
                if (Digest.isValid(reference) && !Digest.parse(reference).equals(digest)) {
                    throw new Retrying.NotRetryable("manifest verification failed for digest " + reference
                            + ": registry " + endpoint.name() + " sent content with digest " + digest);
                }
                Optional<String> header = r.headers().firstValue("Docker-Content-Digest");
                if (header.isPresent() && Digest.isValid(header.get()) && !Digest.parse(header.get()).equals(digest)) {
                    throw new Retrying.NotRetryable("manifest verification failed: registry " + endpoint.name()
                            + " says " + header.get() + " but the content has digest " + digest);
                }
                return new Manifest(bytes, ManifestCodec.mediaTypeOf(bytes, r.headers().firstValue("Content-Type").orElse("")), digest);
            }
        });
    }

    private Retrying.NotRetryable tooBig(String reference) {
        return new Retrying.NotRetryable("manifest " + repo + ":" + reference + " from " + endpoint.name()
                + " is larger than the limit of " + maxManifestBytes + " bytes");
    }

    private byte[] readLimited(InputStream in, int limit, String reference) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
            if (out.size() > limit) throw tooBig(reference);
        }
        return out.toByteArray();
    }

    /** {@code PUT /v2/<repo>/manifests/<reference>}; returns the digest the registry reports (or computes). */
    public Digest putManifest(String reference, String mediaType, byte[] bytes) throws IOException {
        URI uri = endpoint.resolve("/v2/" + repo + "/manifests/" + reference);
        return retrying.call("put-manifest", () -> {
            HttpResponse<byte[]> r = send(() -> HttpRequest.newBuilder(uri).header("Content-Type", mediaType)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)), "PUT", uri, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 201 && r.statusCode() != 200) throw RegistryException.of(r.statusCode(), r.body(), json);
            return r.headers().firstValue("Docker-Content-Digest").filter(Digest::isValid).map(Digest::parse)
                    .orElse(Digest.sha256(bytes));
        });
    }

    // ---- blobs ---------------------------------------------------------------------------------------------

    /**
     * A blob body being received.
     *
     * @param body   the bytes from {@code offset} on (stall-guarded)
     * @param offset where the body starts in the blob (0 unless a Range request was honoured)
     * @param length bytes in this body, or -1 when the registry did not say
     * @param total  the blob's full size when known, else -1
     */
    public record BlobStream(InputStream body, long offset, long length, long total) implements Closeable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /** {@code GET /v2/<repo>/blobs/<digest>}, from byte {@code offset} on when offset > 0 (Range request). */
    public BlobStream openBlob(Digest digest, long offset) throws IOException {
        URI uri = endpoint.resolve("/v2/" + repo + "/blobs/" + digest);
        HttpResponse<InputStream> r = send(() -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
            if (offset > 0) b.header("Range", "bytes=" + offset + "-");
            return b;
        }, "GET", uri, HttpResponse.BodyHandlers.ofInputStream());
        int status = r.statusCode();
        long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (status == 200) {
            return new BlobStream(new StallGuard(r.body(), timeout, "GET " + uri), 0, length, length);
        }
        if (status == 206) {
            Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
            if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
                r.body().close();
                throw new IOException("registry " + endpoint.name() + " answered a range request for " + digest
                        + " with an unexpected range");
            }
            long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            return new BlobStream(new StallGuard(r.body(), timeout, "GET " + uri), offset, length, total);
        }
        byte[] err;
        try (InputStream in = r.body()) {
            err = in.readNBytes(65536);
        }
        throw RegistryException.of(status, err, json);
    }

    /** Reads a small blob (a config) whole, verifying its digest and, when given, its size. */
    public byte[] getBlobBytes(Digest digest, long expectedSize, int limit) throws IOException {
        return retrying.call("blob", () -> {
            try (BlobStream s = openBlob(digest, 0)) {
                if (s.length() > limit) throw new Retrying.NotRetryable("blob " + digest + " is larger than " + limit + " bytes");
                byte[] bytes = s.body().readNBytes(limit + 1);
                if (bytes.length > limit) throw new Retrying.NotRetryable("blob " + digest + " is larger than " + limit + " bytes");
                if (s.length() >= 0 && bytes.length < s.length()) {
                    throw new IOException("unexpected end of blob " + digest + " from " + endpoint.name());
                }
                Digest actual = Digest.sha256(bytes);
                if (!actual.equals(digest)) {
                    throw new Retrying.NotRetryable("blob verification failed: " + digest + " from " + endpoint.name()
                            + " has digest " + actual);
                }
                if (expectedSize >= 0 && bytes.length != expectedSize) {
                    throw new Retrying.NotRetryable("blob " + digest + " from " + endpoint.name() + " has " + bytes.length
                            + " bytes, the manifest says " + expectedSize);
                }
                return bytes;
            }
        });
    }

    /** {@code HEAD /v2/<repo>/blobs/<digest>}: whether the registry already has the blob in this repository. */
    public boolean blobExists(Digest digest) throws IOException {
        URI uri = endpoint.resolve("/v2/" + repo + "/blobs/" + digest);
        return retrying.call("blob-head", () -> {
            HttpResponse<Void> r = send(() -> HttpRequest.newBuilder(uri).method("HEAD", HttpRequest.BodyPublishers.noBody()),
                    "HEAD", uri, HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() == 200) return true;
            if (r.statusCode() == 404) return false;
            throw RegistryException.of(r.statusCode(), null, json);
        });
    }

    /**
     * Outcome of a mount attempt: mounted, or an upload the registry started instead.
     *
     * @param mounted  the blob is now in this repository
     * @param location upload URL to continue with when not mounted
     */
    public record MountResult(boolean mounted, URI location) {
    }

    /** {@code POST /v2/<repo>/blobs/uploads/?mount=<digest>&from=<repo>} (cross-repository mount). */
    public MountResult mount(Digest digest, String fromRepo) throws IOException {
        addScope("repository:" + fromRepo + ":pull");
        URI uri = endpoint.resolve("/v2/" + repo + "/blobs/uploads/?mount=" + enc(digest.toString()) + "&from=" + enc(fromRepo));
        return retrying.call("mount", () -> {
            HttpResponse<byte[]> r = send(() -> HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()),
                    "POST", uri, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 201) return new MountResult(true, null);
            if (r.statusCode() == 202) return new MountResult(false, location(r));
            throw RegistryException.of(r.statusCode(), r.body(), json);
        });
    }

    /** {@code POST /v2/<repo>/blobs/uploads/}: starts an upload, returns its location. */
    public URI startUpload() throws IOException {
        URI uri = endpoint.resolve("/v2/" + repo + "/blobs/uploads/");
        return retrying.call("start-upload", () -> {
            HttpResponse<byte[]> r = send(() -> HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()),
                    "POST", uri, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 202) throw RegistryException.of(r.statusCode(), r.body(), json);
            return location(r);
        });
    }

    /**
     * Finishes an upload in one {@code PUT <location>?digest=} with the whole blob (a fresh stream per attempt, so
     * a retry starts over with a new upload when the registry dropped the old one).
     */
    public Digest uploadBlob(URI location, Digest digest, long size, Supplier<InputStream> content) throws IOException {
        URI[] loc = {location};
        boolean[] fresh = {true};
        return retrying.call("upload", () -> {
            // a retry starts a new upload: the registry may have dropped or half-received the old one
            if (!fresh[0]) loc[0] = startUpload();
            fresh[0] = false;
            URI put = withQuery(loc[0], "digest=" + enc(digest.toString()));
            HttpResponse<byte[]> r = send(() -> HttpRequest.newBuilder(put)
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(content), size)),
                    "PUT", put, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 201 || r.statusCode() == 204) return digest;
            RegistryException e = RegistryException.of(r.statusCode(), r.body(), json);
            if (e.hasCode("BLOB_UPLOAD_UNKNOWN")) throw new IOException(e.getMessage(), e);
            throw e;
        });
    }

    /**
     * Uploads in {@code PATCH} chunks of at most {@code chunkSize} bytes ({@code Content-Range}, following each new
     * Location), then finishes with an empty {@code PUT <location>?digest=}: for registries (or proxies in front of
     * them) that refuse a whole blob in one request. A failed attempt starts over with a new upload.
     */
    public Digest uploadChunked(URI location, Digest digest, long size, Supplier<InputStream> content, int chunkSize)
            throws IOException {
        URI[] loc = {location};
        return retrying.call("upload-chunked", () -> {
            URI at = loc[0];
            try (InputStream in = content.get()) {
                long sent = 0;
                while (sent < size) {
                    byte[] chunk = in.readNBytes((int) Math.min(chunkSize, size - sent));
                    if (chunk.length == 0) throw new Retrying.NotRetryable("blob " + digest + " ended after " + sent + " bytes");
                    URI u = at;
                    long from = sent;
                    HttpResponse<byte[]> r = send(() -> HttpRequest.newBuilder(u)
                            .header("Content-Type", "application/octet-stream")
                            .header("Content-Range", from + "-" + (from + chunk.length - 1))
                            .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(chunk)), "PATCH", u,
                            HttpResponse.BodyHandlers.ofByteArray());
                    if (r.statusCode() != 202 && r.statusCode() != 204) {
                        RegistryException e = RegistryException.of(r.statusCode(), r.body(), json);
                        if (e.retryable() || e.hasCode("BLOB_UPLOAD_UNKNOWN")) loc[0] = startUpload();
                        if (e.hasCode("BLOB_UPLOAD_UNKNOWN")) throw new IOException(e.getMessage(), e);
                        throw e;
                    }
                    if (r.headers().firstValue("Location").isPresent()) at = location(r);
                    sent += chunk.length;
                }
            }
            URI put = withQuery(at, "digest=" + enc(digest.toString()));
            HttpResponse<byte[]> r = send(() -> HttpRequest.newBuilder(put).header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.noBody()), "PUT", put, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 201 || r.statusCode() == 204) return digest;
            RegistryException e = RegistryException.of(r.statusCode(), r.body(), json);
            if (e.retryable() || e.hasCode("BLOB_UPLOAD_UNKNOWN")) loc[0] = startUpload();
            if (e.hasCode("BLOB_UPLOAD_UNKNOWN")) throw new IOException(e.getMessage(), e);
            throw e;
        });
    }

    private URI location(HttpResponse<?> r) throws IOException {
        String l = r.headers().firstValue("Location").orElseThrow(() ->
                new IOException("registry " + endpoint.name() + " started an upload without a Location"));
        URI u = URI.create(l);
        return u.isAbsolute() ? u : endpoint.resolve(l.startsWith("/") ? l : "/" + l);
    }

    private static URI withQuery(URI u, String q) {
        String s = u.toString();
        return URI.create(s + (s.contains("?") ? "&" : "?") + q);
    }

    // ---- tags and catalog ----------------------------------------------------------------------------------

    /** Every tag of the repository, in the registry's order, following {@code Link: rel="next"} pages. */
    public List<String> tags() throws IOException {
        List<String> out = new ArrayList<>();
        URI uri = endpoint.resolve("/v2/" + repo + "/tags/list");
        while (uri != null) {
            URI u = uri;
            HttpResponse<byte[]> r = retrying.call("tags", () -> send(() -> HttpRequest.newBuilder(u).GET(), "GET", u,
                    HttpResponse.BodyHandlers.ofByteArray()));
            if (r.statusCode() != 200) throw RegistryException.of(r.statusCode(), r.body(), json);
            JsonNode n = json.readTree(r.body());
            for (JsonNode t : n.path("tags")) out.add(t.asText());
            uri = next(r);
        }
        return out;
    }

    /** Repository names from {@code GET /v2/_catalog}, at most {@code max}. */
    public List<String> catalog(int max) throws IOException {
        addScope("registry:catalog:*");
        List<String> out = new ArrayList<>();
        URI uri = endpoint.resolve("/v2/_catalog?n=" + Math.max(1, Math.min(max, 1000)));
        while (uri != null && out.size() < max) {
            URI u = uri;
            HttpResponse<byte[]> r = retrying.call("catalog", () -> send(() -> HttpRequest.newBuilder(u).GET(), "GET", u,
                    HttpResponse.BodyHandlers.ofByteArray()));
            if (r.statusCode() != 200) throw RegistryException.of(r.statusCode(), r.body(), json);
            for (JsonNode t : json.readTree(r.body()).path("repositories")) out.add(t.asText());
            uri = next(r);
        }
        return out.size() > max ? out.subList(0, max) : out;
    }

    /** One entry of a registry's own search, as Docker Hub's {@code /v1/search} answers it. */
    public record SearchHit(String name, String description, int starCount, boolean official) {
    }

    /**
     * The registry's own search ({@code GET /v1/search?q=&n=}, Docker Hub's index API); null when the registry
     * has none (404, 405, 501 — a distribution registry answers 404), so that the caller can fall back to the catalog.
     */
    public List<SearchHit> searchV1(String query, int limit) throws IOException {
        URI uri = endpoint.resolve("/v1/search?q=" + java.net.URLEncoder.encode(query, java.nio.charset.StandardCharsets.UTF_8)
                + "&n=" + limit);
        HttpResponse<byte[]> r = retrying.call("search", () -> send(() -> HttpRequest.newBuilder(uri).GET(), "GET", uri,
                HttpResponse.BodyHandlers.ofByteArray()));
        if (r.statusCode() == 404 || r.statusCode() == 405 || r.statusCode() == 501) return null;
        if (r.statusCode() != 200) throw RegistryException.of(r.statusCode(), r.body(), json);
        JsonNode results;
        try {
            results = json.readTree(r.body()).path("results");
        } catch (IOException e) {
            throw new IOException("invalid search answer from " + uri + ": " + e.getMessage(), e);
        }
        List<SearchHit> out = new ArrayList<>();
        for (JsonNode n : results) {
            out.add(new SearchHit(n.path("name").asText(), n.path("description").asText(""), n.path("star_count").asInt(0),
                    n.path("is_official").asBoolean(false)));
        }
        return out;
    }

    private URI next(HttpResponse<?> r) {
        for (String link : r.headers().allValues("Link")) {
            Matcher m = LINK_NEXT.matcher(link);
            if (m.find()) {
                URI u = URI.create(m.group(1));
                return u.isAbsolute() ? u : endpoint.resolve(m.group(1));
            }
        }
        return null;
    }

    // ---- the authorised exchange ---------------------------------------------------------------------------

    /** Sends with the current authorisation; on a 401 answers the challenge once and sends again. */
    private <T> HttpResponse<T> send(Supplier<HttpRequest.Builder> request, String method, URI uri,
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
        b.timeout(timeout).header("User-Agent", "imaged/" + io.imaged.api.DockerHeaders.ENGINE_VERSION);
        HttpRequest request = b.build();
        // the JDK client's timeout runs until the answer's headers, so it includes sending the body: a blob upload
        // gets the time to send it at a slow link's pace on top, or a big layer could never be pushed (dockerd has
        // no overall limit)
        long bodyBytes = request.bodyPublisher().map(HttpRequest.BodyPublisher::contentLength).orElse(0L);
        if (bodyBytes > 0) {
            request = HttpRequest.newBuilder(request, (name, value) -> true)
                    .timeout(timeout.plusSeconds(bodyBytes / MIN_UPLOAD_BYTES_PER_SECOND)).build();
        }
        HttpClient http = endpoint.http();
        try {
            return http.send(request, handler);
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
            return new UnreachableException(prefix + "dial tcp " + hp + ": " + what, e, false);
        }
        if (e instanceof java.net.http.HttpConnectTimeoutException) {
            return new UnreachableException(prefix + "dial tcp " + hp + ": i/o timeout", e, true);
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return new TransportException(prefix + "timeout awaiting response headers", e, true);
        }
        if (e instanceof javax.net.ssl.SSLException ssl) {
            return new UnreachableException(prefix + TlsErrors.describe(ssl, hp), e, false);
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (ping) return new UnreachableException(prefix + msg, e, true);
        return new TransportException(prefix + msg, e, true);
    }

    private static String goMethod(String method) {
        return method.charAt(0) + method.substring(1).toLowerCase();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A transport failure (no HTTP answer); {@code retryable} when trying again may help. */
    public static class TransportException extends IOException {
        private final boolean retryable;

        public TransportException(String message, Throwable cause, boolean retryable) {
            super(message, cause);
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }

    /** The endpoint could not be reached at all (so another endpoint may be tried). */
    public static class UnreachableException extends TransportException {
        public UnreachableException(String message, Throwable cause, boolean retryable) {
            super(message, cause, retryable);
        }
    }
}
