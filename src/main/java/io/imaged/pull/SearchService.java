package io.imaged.pull;

import io.imaged.config.ImagedProperties;
import io.imaged.error.ImagedException;
import io.imaged.reference.ImageReference;
import io.imaged.registry.AuthConfig;
import io.imaged.registry.RegistryClient;
import io.imaged.registry.RegistryErrors;
import io.imaged.registry.RegistrySession;
import io.imaged.registry.RegistrySession.SearchHit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /images/search}, after dockerd's rules: a term without a registry host searches docker.io (Docker
 * Hub's index, {@code /v1/search}); {@code host/term} searches that registry. A registry without a search API (a
 * distribution registry has none) is searched through its catalog: repository names containing the term. When
 * Docker Hub's index cannot be reached but docker.io mirrors are configured, their catalogs are searched instead,
 * so that an offline daemon with a mirror still finds what the mirror holds. Filters as dockerd applies them.
 */
@Service
public class SearchService {
    private static final Logger log = LoggerFactory.getLogger(SearchService.class);
    static final int DEFAULT_LIMIT = 25;
    private static final int MAX_CATALOG = 10_000;
    private final RegistryClient client;
    private final ImagedProperties props;

    public SearchService(RegistryClient client, ImagedProperties props) {
        this.client = client;
        this.props = props;
    }

    /** The filters dockerd accepts: {@code is-official}, {@code is-automated} (deprecated), {@code stars}. */
    record Filters(Boolean official, Boolean automated, int minStars) {
        static Filters of(Map<String, List<String>> f) {
            return new Filters(bool(f, "is-official"), bool(f, "is-automated"), stars(f.getOrDefault("stars", List.of())));
        }

        /** dockerd's GetBoolOrDefault: 1/true or 0/false, one of them; anything else is a 400. */
        private static Boolean bool(Map<String, List<String>> f, String key) {
            List<String> v = f.get(key);
            if (v == null) return null;
            boolean isFalse = v.contains("0") || v.contains("false");
            boolean isTrue = v.contains("1") || v.contains("true");
            if (v.isEmpty()) throw ImagedException.invalid("invalid filter '" + key + "'");
            if (isFalse == isTrue) throw ImagedException.invalid("invalid filter '" + key + "=[" + String.join(" ", v) + "]'");
            return isTrue;
        }

        private static int stars(List<String> values) {
            int min = 0;
            for (String s : values) {
                try {
                    min = Math.max(min, Integer.parseInt(s));
                } catch (NumberFormatException e) {
                    // dockerd wraps Go's strconv error
                    throw ImagedException.invalid("invalid filter 'stars=" + s + "': strconv.Atoi: parsing \"" + s + "\": invalid syntax");
                }
            }
            return min;
        }

        boolean keeps(SearchHit h) {
            if (official != null && official != h.official()) return false;
            return h.starCount() >= minStars;
        }
    }

    /** Results in the order and shape of dockerd's registry.SearchResult list. */
    public List<Map<String, Object>> search(String term, Integer limit, Map<String, List<String>> filterArgs, AuthConfig auth) {
        if (term == null) term = "";
        int max = limit == null ? DEFAULT_LIMIT : limit;
        if (max < 1 || max > 100) throw ImagedException.invalid("limit " + max + " is outside the range of [1, 100]");
        Filters filters = Filters.of(filterArgs);
        if (filters.automated() != null && filters.automated()) return List.of(); // deprecated: nothing is automated
        if (term.startsWith("http://") || term.startsWith("https://")) {
            throw ImagedException.invalid("invalid repository name: repository name (" + term + ") should not have a scheme");
        }
        String registry = ImageReference.DEFAULT_DOMAIN;
        String query = term;
        int slash = term.indexOf('/');
        if (slash > 0) {
            String first = term.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = first;
                query = term.substring(slash + 1);
            }
        }
        List<SearchHit> hits;
        try {
            hits = registry.equals(ImageReference.DEFAULT_DOMAIN) ? searchDockerIo(query, max, auth) : searchRegistry(registry, query, max, auth);
        } catch (IOException e) {
            throw RegistryErrors.ofQuery(e);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (SearchHit h : hits) {
            if (!filters.keeps(h)) continue;
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("star_count", h.starCount());
            item.put("is_official", h.official());
            item.put("name", h.name());
            item.put("is_automated", false);
            item.put("description", h.description());
            out.add(item);
            if (out.size() >= max) break;
        }
        return out;
    }

    /** A repository's tags, in the registry's order: what {@code GET /imaged/registries/tags} answers. */
    public record RepositoryTags(String repository, List<String> tags) {
    }

    /**
     * Every tag of {@code repository} (a name as {@code docker pull} takes it; a tag or digest on it is ignored),
     * from the registry's {@code /v2/<name>/tags/list}.
     */
    public RepositoryTags tags(String repository, AuthConfig auth) {
        if (repository == null || repository.isBlank()) throw ImagedException.invalid("repository is required: a name such as registry.example:5000/team/app");
        ImageReference ref = ImageReference.parse(repository.trim());
        ImageReference bare = new ImageReference(ref.domain(), ref.path(), null, null);
        try {
            return new RepositoryTags(bare.familiarName(), client.withSession(bare, auth, false, RegistrySession::tags));
        } catch (IOException e) {
            throw RegistryErrors.ofQuery(e);
        }
    }

    private List<SearchHit> searchDockerIo(String query, int max, AuthConfig auth) throws IOException {
        // an official image is stored as library/x but searched as x (dockerd trims the prefix too)
        String q = query.startsWith("library/") ? query.substring("library/".length()) : query;
        try {
            List<SearchHit> hits = client.searchDockerIoIndex(q, max, auth);
            if (hits != null) return hits;
        } catch (IOException e) {
            if (props.registry().mirrors().isEmpty()) throw e;
            log.info("docker.io search index unreachable ({}); searching the mirrors' catalogs", e.getMessage());
        }
        return catalog(ImageReference.DEFAULT_DOMAIN, q, max, auth);
    }

    private List<SearchHit> searchRegistry(String registry, String query, int max, AuthConfig auth) throws IOException {
        return client.withSession(new ImageReference(registry, "library/search", null, null), auth, false, s -> {
            List<SearchHit> own = s.searchV1(query, max);
            if (own != null) {
                return own.stream().map(h -> new SearchHit(registry + "/" + h.name(), h.description(), h.starCount(), h.official()))
                        .toList();
            }
            return matching(s.catalog(MAX_CATALOG), registry, query);
        });
    }

    private List<SearchHit> catalog(String registry, String query, int max, AuthConfig auth) throws IOException {
        return client.withSession(new ImageReference(registry, "library/search", null, null), auth, false,
                s -> matching(s.catalog(MAX_CATALOG), registry, query));
    }

    /** Catalog repositories whose name contains the term, named so that {@code docker pull} takes them as they are. */
    private static List<SearchHit> matching(List<String> repositories, String registry, String query) {
        String q = query.toLowerCase(Locale.ROOT);
        boolean hub = registry.equals(ImageReference.DEFAULT_DOMAIN);
        List<SearchHit> out = new ArrayList<>();
        for (String r : repositories) {
            if (!r.toLowerCase(Locale.ROOT).contains(q)) continue;
            String name = hub && r.startsWith("library/") ? r.substring("library/".length()) : r;
            out.add(new SearchHit(hub ? name : registry + "/" + name, "", 0, false));
        }
        return out;
    }
}
