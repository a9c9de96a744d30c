package io.imaged.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.config.ImagedProperties;
import io.imaged.reference.ImageReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The distribution client: finds a registry's endpoints, pings them ({@code GET /v2/}) and opens
 * {@link RegistrySession}s for one repository with credentials. Pull and push share it.
 */
@Component
public class RegistryClient {
    private static final Logger log = LoggerFactory.getLogger(RegistryClient.class);
    private final EndpointResolver endpoints;
    private final BearerTokenFetcher tokens;
    private final Retrying retrying;
    private final ImagedProperties props;
    private final ObjectMapper json;
    private final RegistryTraffic traffic;

    public RegistryClient(EndpointResolver endpoints, BearerTokenFetcher tokens, Retrying retrying,
                          ImagedProperties props, ObjectMapper json, RegistryTraffic traffic) {
        this.traffic = traffic;
        this.endpoints = endpoints;
        this.tokens = tokens;
        this.retrying = retrying;
        this.props = props;
        this.json = json;
    }

    /** Work to do against one endpoint's session. */
    @FunctionalInterface
    public interface SessionCall<T> {
        T apply(RegistrySession session) throws IOException;
    }

    public List<RegistryEndpoint> endpoints(String domain, boolean push) throws IOException {
        return endpoints.endpoints(domain, push);
    }

    /**
     * Opens a session on {@code endpoint} for {@code repo} (the path, e.g. {@code library/busybox}) after a ping,
     * with the scopes pull (and push) need.
     */
    public RegistrySession open(RegistryEndpoint endpoint, String repo, AuthConfig auth, boolean push) throws IOException {
        RegistrySession s = new RegistrySession(endpoint, repo, auth, push, tokens, retrying, props, json, traffic);
        s.ping();
        endpoints.worked(endpoint);
        return s;
    }

    /**
     * Runs {@code call} on the first endpoint of {@code ref}'s registry that answers: an endpoint that cannot be
     * reached is skipped, a mirror that fails is skipped (dockerd's fallback); the last error is thrown.
     */
    public <T> T withSession(ImageReference ref, AuthConfig auth, boolean push, SessionCall<T> call) throws IOException {
        List<RegistryEndpoint> list = endpoints.endpoints(ref.domain(), push);
        List<IOException> errors = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            RegistryEndpoint e = list.get(i);
            boolean last = i == list.size() - 1;
            RegistrySession s;
            try {
                s = open(e, ref.path(), auth, push);
            } catch (IOException ex) {
                errors.add(ex);
                if (last) throw explaining(list, errors, ex);
                log.debug("registry endpoint {} not usable: {}", e, ex.getMessage());
                continue;
            }
            try {
                return call.apply(s);
            } catch (IOException ex) {
                if (!e.mirror() || last) throw ex;
                log.info("mirror {} failed ({}), trying the next endpoint", e, ex.getMessage());
                errors.add(ex);
            }
        }
        throw errors.isEmpty() ? new IOException("no endpoint for " + ref.domain()) : errors.get(errors.size() - 1);
    }

    /**
     * The error to report when the last endpoint failed with {@code last}: for an insecure registry that speaks only
     * TLS, the plain-HTTP fallback's answer (a 400) hides the TLS failure that explains (e.g. a client certificate
     * the registry wants), so that one is reported instead.
     */
    private static IOException explaining(List<RegistryEndpoint> endpoints, List<IOException> errors, IOException last) {
        RegistryEndpoint lastEndpoint = endpoints.get(endpoints.size() - 1);
        if (!"http".equals(lastEndpoint.base().getScheme()) || !(last instanceof RegistryException r) || r.status() != 400) return last;
        String https = "\"https://" + lastEndpoint.hostPort() + "/";
        for (IOException e : errors) {
            if (e != last && e.getCause() instanceof javax.net.ssl.SSLException && e.getMessage() != null
                    && e.getMessage().contains(https) && !e.getMessage().contains("server gave HTTP response")) {
                return e;
            }
        }
        return last;
    }

    /** docker.io's search, at Docker Hub's index (no {@code /v2/} ping: the index is not a registry). */
    public List<RegistrySession.SearchHit> searchDockerIoIndex(String query, int limit, AuthConfig auth) throws IOException {
        return new RegistrySession(endpoints.dockerIoIndex(), null, auth, false, tokens, retrying, props, json, traffic).searchV1(query, limit);
    }

    /** Checks credentials against a registry: the {@code POST /auth} login; returns an identity token or null. */
    public String login(String registry, AuthConfig auth) throws IOException {
        List<RegistryEndpoint> list = endpoints.endpoints(registry, true);
        IOException last = null;
        List<IOException> errors = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            RegistryEndpoint e = list.get(i);
            RegistrySession s = new RegistrySession(e, null, auth, false, tokens, retrying, props, json, traffic);
            try {
                String token = s.login();
                endpoints.worked(e);
                return token;
            } catch (RegistrySession.UnreachableException ex) {
                last = ex;
                errors.add(ex);
            } catch (RegistryException ex) {
                if (i < list.size() - 1) throw ex;
                errors.add(ex);
                throw explaining(list, errors, ex);
            }
        }
        throw last == null ? new IOException("no endpoint for " + registry) : last;
    }
}
