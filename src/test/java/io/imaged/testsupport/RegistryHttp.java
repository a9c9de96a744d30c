package io.imaged.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Talks to a test registry directly (not through imaged): reads manifests, checks blobs, and uploads content
 * made outside imaged, so tests can check what a push left there and seed images imaged did not write.
 */
public final class RegistryHttp {
    private static final String ACCEPT = "application/vnd.docker.distribution.manifest.v2+json, "
            + "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, "
            + "application/vnd.oci.image.index.v1+json";
    private final String base;
    private final String authorization;
    private final HttpClient http;

    public RegistryHttp(String baseUrl) {
        this(baseUrl, null, null);
    }

    public RegistryHttp(String baseUrl, String user, String password) {
        this(baseUrl, user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    /** With a ready {@code Authorization} header value (e.g. {@code Bearer <token>}). */
    public RegistryHttp(String baseUrl, String authorization) {
        this(HttpClient.newHttpClient(), baseUrl, authorization);
    }

    /** With its own HTTP client (e.g. one that trusts a test CA and presents a client certificate). */
    public RegistryHttp(HttpClient http, String baseUrl, String authorization) {
        this.base = baseUrl;
        this.authorization = authorization;
        this.http = http;
    }

    /** A manifest as stored: bytes, media type and the registry's Docker-Content-Digest. */
    public record Manifest(int status, byte[] bytes, String mediaType, String digest) {
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    public Manifest manifest(String repo, String reference) throws IOException {
        HttpResponse<byte[]> r = send(req("/v2/" + repo + "/manifests/" + reference).header("Accept", ACCEPT).GET(),
                HttpResponse.BodyHandlers.ofByteArray());
        return new Manifest(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(""),
                r.headers().firstValue("Docker-Content-Digest").orElse(""));
    }

    public int blobStatus(String repo, String digest) throws IOException {
        return send(req("/v2/" + repo + "/blobs/" + digest).method("HEAD", HttpRequest.BodyPublishers.noBody()),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** POST + monolithic PUT; returns the digest. */
    public String putBlob(String repo, byte[] content) throws IOException {
        String digest = sha256(content);
        HttpResponse<Void> start = send(req("/v2/" + repo + "/blobs/uploads/").POST(HttpRequest.BodyPublishers.noBody()),
                HttpResponse.BodyHandlers.discarding());
        if (start.statusCode() != 202) throw new IOException("upload start: " + start.statusCode());
        String loc = start.headers().firstValue("Location").orElseThrow();
        URI u = URI.create(loc.startsWith("http") ? loc : base + loc);
        String put = u + (u.getQuery() == null ? "?" : "&") + "digest=" + digest;
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(put)).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content));
        if (authorization != null) b.header("Authorization", authorization);
        HttpResponse<String> done = send(b, HttpResponse.BodyHandlers.ofString());
        if (done.statusCode() != 201) throw new IOException("upload: " + done.statusCode() + " " + done.body());
        return digest;
    }

    public String putManifest(String repo, String tag, String mediaType, byte[] bytes) throws IOException {
        HttpResponse<String> r = send(req("/v2/" + repo + "/manifests/" + tag).header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) throw new IOException("manifest put: " + r.statusCode() + " " + r.body());
        return r.headers().firstValue("Docker-Content-Digest").orElse(sha256(bytes));
    }

    public static String sha256(byte[] b) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpRequest.Builder req(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (authorization != null) b.header("Authorization", authorization);
        return b;
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder b, HttpResponse.BodyHandler<T> h) throws IOException {
        try {
            return http.send(b.build(), h);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
