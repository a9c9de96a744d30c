package io.imaged.registry;

import io.imaged.oci.ManifestCodec;
import io.imaged.oci.MediaTypes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.digest.Digest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code GET} and {@code PUT /v2/<repo>/manifests/<reference>}: exact bytes, verified against the digests the registry gives. */
final class ManifestExchange extends RegistryExchange {
    private final Duration timeout;
    private final int maxManifestBytes;

    ManifestExchange(RegistryEndpoint endpoint, String repo, AuthorizedTransport transport, Retrying retrying, ObjectMapper json, Duration timeout, int maxManifestBytes) {
        super(endpoint, repo, transport, retrying, json);
        this.timeout = timeout;
        this.maxManifestBytes = maxManifestBytes;
    }

    RegistrySession.Manifest getManifest(String reference) throws IOException {
        URI uri = endpoint.resolve("/v2/" + repo + "/manifests/" + reference);
        return retrying.call("manifest", () -> {
            HttpResponse<InputStream> r = transport.send(() -> HttpRequest.newBuilder(uri).GET().header("Accept", MediaTypes.ACCEPT),
                    "GET", uri, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = r.body()) {
                if (r.statusCode() == 401 && transport.basicChallengeWithoutCredentials()) {
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
                return new RegistrySession.Manifest(bytes, ManifestCodec.mediaTypeOf(bytes, r.headers().firstValue("Content-Type").orElse("")), digest);
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
    Digest putManifest(String reference, String mediaType, byte[] bytes) throws IOException {
        URI uri = endpoint.resolve("/v2/" + repo + "/manifests/" + reference);
        return retrying.call("put-manifest", () -> {
            HttpResponse<byte[]> r = transport.send(() -> HttpRequest.newBuilder(uri).header("Content-Type", mediaType)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)), "PUT", uri, HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 201 && r.statusCode() != 200) throw RegistryException.of(r.statusCode(), r.body(), json);
            return r.headers().firstValue("Docker-Content-Digest").filter(Digest::isValid).map(Digest::parse)
                    .orElse(Digest.sha256(bytes));
        });
    }

}
