package io.imaged.pull;

import io.imaged.oci.Descriptor;
import io.imaged.oci.ManifestCodec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.error.ImagedException;
import io.imaged.oci.MediaTypes;
import io.imaged.reference.ImageReference;
import io.imaged.registry.AuthConfig;
import io.imaged.registry.RegistryClient;
import io.imaged.registry.RegistryErrors;
import io.imaged.registry.RegistrySession;
import org.springframework.stereotype.Service;

import java.io.IOException;

/**
 * Registry queries that store nothing: {@code GET /distribution/{name}/json} (descriptor and platforms of what a
 * reference names) and {@code POST /auth} (login check); {@link SearchService} does {@code GET /images/search}.
 */
@Service
public class DistributionService {
    private final RegistryClient client;
    private final ObjectMapper json;

    public DistributionService(RegistryClient client, ObjectMapper json) {
        this.client = client;
        this.json = json;
    }

    public ObjectNode inspect(String name, AuthConfig auth) {
        ImageReference ref = PullService.parseForApi(name).withDefaultTag();
        try {
            return client.withSession(ref, auth, false, s -> {
                RegistrySession.Manifest m = s.getManifest(ref.hasDigest() ? ref.digest() : ref.tag());
                ObjectNode out = json.createObjectNode();
                ObjectNode d = out.putObject("Descriptor");
                d.put("mediaType", m.mediaType());
                d.put("digest", m.digest().toString());
                d.put("size", m.bytes().length);
                ArrayNode platforms = out.putArray("Platforms");
                if (MediaTypes.isIndex(m.mediaType())) {
                    for (Descriptor e : ManifestCodec.parseIndex(m.bytes(), m.mediaType()).manifests()) {
                        if (e.platform() != null) platforms.addPOJO(e.platform().fields());
                    }
                } else if (MediaTypes.isManifest(m.mediaType())) {
                    Descriptor cfg = ManifestCodec.parseManifest(m.bytes(), m.mediaType()).config();
                    byte[] config = s.getBlobBytes(cfg.digest(), cfg.size(), PullService.MAX_CONFIG_BYTES);
                    platforms.addPOJO(ManifestCodec.configPlatform(config).fields());
                }
                return out;
            });
        } catch (IOException e) {
            throw RegistryErrors.ofQuery(e);
        }
    }

    /**
     * The registry a login's {@code serveraddress} names, as dockerd takes it: the host[:port] of the address read
     * as a URL ({@code https://} added when it has no scheme); a path, query or user part is ignored. An address
     * that is no URL, names no host, or a port that cannot be dialled is the client's error (400).
     */
    static String registryHost(String address) {
        String url = address.startsWith("https://") || address.startsWith("http://") ? address : "https://" + address;
        java.net.URI u;
        try {
            u = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            throw ImagedException.invalid("unable to parse server address: parse \"" + url + "\": " + e.getReason());
        }
        String authority = u.getRawAuthority();
        if (authority == null || authority.isEmpty()) {
            throw ImagedException.invalid("unable to parse server address: no host in \"" + address + "\"");
        }
        int at = authority.lastIndexOf('@');
        String host = at >= 0 ? authority.substring(at + 1) : authority;
        if (host.isEmpty() || host.startsWith(":")) {
            throw ImagedException.invalid("unable to parse server address: no host in \"" + address + "\"");
        }
        ImageReference probe = new ImageReference(host, "x", null, null);
        if (!probe.hasValidPort()) throw ImagedException.invalid("invalid port in server address \"" + host + "\"");
        return host;
    }

    /** {@code POST /auth}: the IdentityToken to hand back ("" when the registry gives none). */
    public String login(AuthConfig auth) {
        String server = auth.serverAddress() == null || auth.serverAddress().isBlank()
                ? ImageReference.DEFAULT_DOMAIN : registryHost(auth.serverAddress().trim());
        if (server.equals(ImageReference.LEGACY_DOMAIN) || server.equals("registry-1.docker.io")) server = ImageReference.DEFAULT_DOMAIN;
        try {
            String token = client.login(server, auth);
            return token == null ? "" : token;
        } catch (IOException e) {
            throw RegistryErrors.ofLogin(e);
        }
    }
}
