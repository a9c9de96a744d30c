package io.imaged.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Puts test images into a real registry with plain distribution API calls (JDK HttpClient, independent of the
 * code under test): monolithic blob uploads and manifest PUTs, optionally with Basic credentials.
 */
public final class RegistrySeeder {
    private final String base;
    private final String authorization;
    private final HttpClient http;

    public RegistrySeeder(String baseUrl) {
        this(baseUrl, null, null);
    }

    public RegistrySeeder(String baseUrl, String user, String password) {
        this(baseUrl, user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    /** With a ready {@code Authorization} header value (e.g. {@code Bearer <token>}). */
    public RegistrySeeder(String baseUrl, String authorization) {
        this(HttpClient.newHttpClient(), baseUrl, authorization);
    }

    /** With its own HTTP client (e.g. one that trusts a test CA and presents a client certificate). */
    public RegistrySeeder(HttpClient http, String baseUrl, String authorization) {
        this.base = baseUrl;
        this.authorization = authorization;
        this.http = http;
    }

    public static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Uploads a blob; returns its digest. */
    public String blob(String repo, byte[] content) throws IOException, InterruptedException {
        String digest = sha256(content);
        HttpResponse<String> start = http.send(req(base + "/v2/" + repo + "/blobs/uploads/")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (start.statusCode() != 202) throw new IOException("upload start: " + start.statusCode() + " " + start.body());
        String loc = start.headers().firstValue("Location").orElseThrow();
        if (loc.startsWith("/")) loc = base + loc;
        String put = loc + (loc.contains("?") ? "&" : "?") + "digest=" + digest;
        HttpResponse<String> done = http.send(req(put).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
        if (done.statusCode() != 201) throw new IOException("upload: " + done.statusCode() + " " + done.body());
        return digest;
    }

    /** PUTs a manifest or index under a tag (or digest); returns the digest the registry reports. */
    public String manifest(String repo, String reference, String mediaType, byte[] bytes) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(req(base + "/v2/" + repo + "/manifests/" + reference)
                .header("Content-Type", mediaType).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) throw new IOException("manifest put: " + r.statusCode() + " " + r.body());
        return r.headers().firstValue("Docker-Content-Digest").orElse(sha256(bytes));
    }

    private HttpRequest.Builder req(String url) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (authorization != null) b.header("Authorization", authorization);
        return b;
    }
}
