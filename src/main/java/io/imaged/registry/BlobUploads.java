package io.imaged.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.digest.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Blob uploads: cross-repository mounts, and uploads in one {@code PUT} or in {@code PATCH} chunks. */
final class BlobUploads extends RegistryExchange {

    BlobUploads(RegistryEndpoint endpoint, String repo, AuthorizedTransport transport, Retrying retrying, ObjectMapper json) {
        super(endpoint, repo, transport, retrying, json);
    }

    /** {@code POST /v2/<repo>/blobs/uploads/?mount=<digest>&from=<repo>} (cross-repository mount). */
    RegistrySession.MountResult mount(Digest digest, String fromRepo) throws IOException {
        transport.addScope("repository:" + fromRepo + ":pull");
        URI uri = endpoint.resolve("/v2/" + repo + "/blobs/uploads/?mount=" + enc(digest.toString()) + "&from=" + enc(fromRepo));
        return retrying.call("mount", () -> {
            HttpResponse<byte[]> r = transport.send(() -> HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()),
                    "POST", uri, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 201) return new RegistrySession.MountResult(true, null);
            if (r.statusCode() == 202) return new RegistrySession.MountResult(false, location(r));
            throw RegistryException.of(r.statusCode(), r.body(), json);
        });
    }

    /** {@code POST /v2/<repo>/blobs/uploads/}: starts an upload, returns its location. */
    URI startUpload() throws IOException {
        URI uri = endpoint.resolve("/v2/" + repo + "/blobs/uploads/");
        return retrying.call("start-upload", () -> {
            HttpResponse<byte[]> r = transport.send(() -> HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()),
                    "POST", uri, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 202) throw RegistryException.of(r.statusCode(), r.body(), json);
            return location(r);
        });
    }

    /**
     * Finishes an upload in one {@code PUT <location>?digest=} with the whole blob (a fresh stream per attempt, so
     * a retry starts over with a new upload when the registry dropped the old one).
     */
    Digest uploadBlob(URI location, Digest digest, long size, Supplier<InputStream> content) throws IOException {
        URI[] loc = {location};
        boolean[] fresh = {true};
        return retrying.call("upload", () -> {
            // a retry starts a new upload: the registry may have dropped or half-received the old one
            if (!fresh[0]) loc[0] = startUpload();
            fresh[0] = false;
            URI put = withQuery(loc[0], "digest=" + enc(digest.toString()));
            HttpResponse<byte[]> r = transport.send(() -> HttpRequest.newBuilder(put)
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
    Digest uploadChunked(URI location, Digest digest, long size, Supplier<InputStream> content, int chunkSize)
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
                    HttpResponse<byte[]> r = transport.send(() -> HttpRequest.newBuilder(u)
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
            HttpResponse<byte[]> r = transport.send(() -> HttpRequest.newBuilder(put).header("Content-Type", "application/octet-stream")
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

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

}
