package io.imaged.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.digest.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Blob downloads: {@code GET} (from an offset, with Range) and {@code HEAD /v2/<repo>/blobs/<digest>}. */
final class BlobReads extends RegistryExchange {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private final Duration timeout;

    BlobReads(RegistryEndpoint endpoint, String repo, AuthorizedTransport transport, Retrying retrying, ObjectMapper json, Duration timeout) {
        super(endpoint, repo, transport, retrying, json);
        this.timeout = timeout;
    }

    /** {@code GET /v2/<repo>/blobs/<digest>}, from byte {@code offset} on when offset > 0 (Range request). */
    RegistrySession.BlobStream openBlob(Digest digest, long offset) throws IOException {
        URI uri = endpoint.resolve("/v2/" + repo + "/blobs/" + digest);
        HttpResponse<InputStream> r = transport.send(() -> {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
            if (offset > 0) b.header("Range", "bytes=" + offset + "-");
            return b;
        }, "GET", uri, HttpResponse.BodyHandlers.ofInputStream());
        int status = r.statusCode();
        long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (status == 200) {
            return new RegistrySession.BlobStream(new StallGuard(r.body(), timeout, "GET " + uri), 0, length, length);
        }
        if (status == 206) {
            Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
            if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
                r.body().close();
                throw new IOException("registry " + endpoint.name() + " answered a range request for " + digest
                        + " with an unexpected range");
            }
            long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            transport.traffic().resumed();
            return new RegistrySession.BlobStream(new StallGuard(r.body(), timeout, "GET " + uri), offset, length, total);
        }
        byte[] err;
        try (InputStream in = r.body()) {
            err = in.readNBytes(65536);
        }
        throw RegistryException.of(status, err, json);
    }

    /** Reads a small blob (a config) whole, verifying its digest and, when given, its size. */
    byte[] getBlobBytes(Digest digest, long expectedSize, int limit) throws IOException {
        return retrying.call("blob", () -> {
            try (RegistrySession.BlobStream s = openBlob(digest, 0)) {
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
    boolean blobExists(Digest digest) throws IOException {
        URI uri = endpoint.resolve("/v2/" + repo + "/blobs/" + digest);
        return retrying.call("blob-head", () -> {
            HttpResponse<Void> r = transport.send(() -> HttpRequest.newBuilder(uri).method("HEAD", HttpRequest.BodyPublishers.noBody()),
                    "HEAD", uri, HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() == 200) return true;
            if (r.statusCode() == 404) return false;
            throw RegistryException.of(r.statusCode(), null, json);
        });
    }

}
