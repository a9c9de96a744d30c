package io.imaged.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.config.ImagedProperties;
import io.imaged.digest.Digest;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * One repository on one registry endpoint with one set of credentials: the exchanges of pull and push, each in a
 * class of its own ({@link ManifestExchange}, {@link BlobReads}, {@link BlobUploads}, {@link Listings}) over one
 * {@link AuthorizedTransport} (Basic or Bearer, answering 401 challenges once) and retried per {@link Retrying}.
 * Thread-safe: parallel layer downloads share a session.
 */
public final class RegistrySession {
    private final RegistryEndpoint endpoint;
    private final String repo;
    private final AuthorizedTransport transport;
    private final ManifestExchange manifests;
    private final BlobReads blobs;
    private final BlobUploads uploads;
    private final Listings listings;

    RegistrySession(RegistryEndpoint endpoint, String repo, AuthConfig auth, boolean push, BearerTokenFetcher tokens,
                    Retrying retrying, ImagedProperties props, ObjectMapper json, RegistryTraffic traffic) {
        this.endpoint = endpoint;
        this.repo = repo;
        Duration timeout = props.registry().readTimeout();
        this.transport = new AuthorizedTransport(endpoint, auth == null ? AuthConfig.ANONYMOUS : auth, tokens, retrying, json, timeout, traffic);
        if (repo != null) transport.addScope("repository:" + repo + ":" + (push ? "pull,push" : "pull"));
        this.manifests = new ManifestExchange(endpoint, repo, transport, retrying, json, timeout, props.registry().maxManifestBytes());
        this.blobs = new BlobReads(endpoint, repo, transport, retrying, json, timeout);
        this.uploads = new BlobUploads(endpoint, repo, transport, retrying, json);
        this.listings = new Listings(endpoint, repo, transport, retrying, json);
    }

    public RegistryEndpoint endpoint() {
        return endpoint;
    }

    public String repository() {
        return repo;
    }

    /** Adds a token scope (e.g. {@code repository:other/repo:pull} before a cross-repository mount). */
    public void addScope(String scope) {
        transport.addScope(scope);
    }

    /** {@code GET /v2/}: checks the endpoint speaks the v2 API and learns how it wants to be authenticated. */
    void ping() throws IOException {
        transport.ping();
    }

    /** Verifies the credentials; returns the identity (refresh) token when the token server hands one out. */
    String login() throws IOException {
        return transport.login();
    }

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
        return manifests.getManifest(reference);
    }

    /** {@code PUT /v2/<repo>/manifests/<reference>}; returns the digest the registry reports (or computes). */
    public Digest putManifest(String reference, String mediaType, byte[] bytes) throws IOException {
        return manifests.putManifest(reference, mediaType, bytes);
    }

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
        return blobs.openBlob(digest, offset);
    }

    /** Reads a small blob (a config) whole, verifying its digest and, when given, its size. */
    public byte[] getBlobBytes(Digest digest, long expectedSize, int limit) throws IOException {
        return blobs.getBlobBytes(digest, expectedSize, limit);
    }

    /** {@code HEAD /v2/<repo>/blobs/<digest>}: whether the registry already has the blob in this repository. */
    public boolean blobExists(Digest digest) throws IOException {
        return blobs.blobExists(digest);
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
        return uploads.mount(digest, fromRepo);
    }

    /** {@code POST /v2/<repo>/blobs/uploads/}: starts an upload, returns its location. */
    public URI startUpload() throws IOException {
        return uploads.startUpload();
    }

    /** Finishes an upload with the whole blob in one {@code PUT} (see {@link BlobUploads#uploadBlob}). */
    public Digest uploadBlob(URI location, Digest digest, long size, Supplier<InputStream> content) throws IOException {
        return uploads.uploadBlob(location, digest, size, content);
    }

    /** Uploads in {@code PATCH} chunks, then finishes with an empty {@code PUT} (see {@link BlobUploads#uploadChunked}). */
    public Digest uploadChunked(URI location, Digest digest, long size, Supplier<InputStream> content, int chunkSize)
            throws IOException {
        return uploads.uploadChunked(location, digest, size, content, chunkSize);
    }

    /** Every tag of the repository, in the registry's order, following {@code Link: rel="next"} pages. */
    public List<String> tags() throws IOException {
        return listings.tags();
    }

    /** Repository names from {@code GET /v2/_catalog}, at most {@code max}. */
    public List<String> catalog(int max) throws IOException {
        return listings.catalog(max);
    }

    /** One entry of a registry's own search, as Docker Hub's {@code /v1/search} answers it. */
    public record SearchHit(String name, String description, int starCount, boolean official) {
    }

    /** The registry's own search ({@code GET /v1/search}); null when the registry has none. */
    public List<SearchHit> searchV1(String query, int limit) throws IOException {
        return listings.searchV1(query, limit);
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
