package io.imaged.api;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Which web origins may call the API, from {@code imaged.api-cors-header} (dockerd's {@code --api-cors-header}):
 * empty for none, {@code *} for any, or a comma-separated list of origins ({@code https://dash.example:8443}).
 * An origin matches exactly (scheme, host and port; case does not matter; a trailing slash in the setting is
 * ignored). {@code Origin: null} (sandboxed frames, local files) matches only {@code *}.
 *
 * @param anyOrigin the setting is {@code *}
 * @param origins   the configured origins, lower case, without a trailing slash
 */
public record CorsPolicy(boolean anyOrigin, Set<String> origins) {
    /** dockerd's list, plus X-Registry-Config (sent by build clients) so that a page may send it too. */
    static final String ALLOW_HEADERS = "Origin, X-Requested-With, Content-Type, Accept, X-Registry-Auth, X-Registry-Config";
    static final String ALLOW_METHODS = "HEAD, GET, POST, DELETE, PUT, OPTIONS";
    /** What a page may read besides the CORS-safelisted headers (Content-Type, ...): the daemon's identity. */
    static final String EXPOSE_HEADERS = "Api-Version, Docker-Experimental, Ostype, Server";

    public CorsPolicy {
        origins = Set.copyOf(origins);
    }

    public static CorsPolicy parse(String setting) {
        if (setting == null || setting.isBlank()) return new CorsPolicy(false, Set.of());
        boolean any = false;
        Set<String> origins = new LinkedHashSet<>();
        for (String raw : setting.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) continue;
            if (entry.equals("*")) {
                any = true;
                continue;
            }
            String origin = normalise(entry);
            if (!origin.matches("[a-z][a-z0-9+.-]*://[^/?#\\s]+")) {
                throw new IllegalArgumentException("imaged.api-cors-header: '" + entry
                        + "' is not an origin (scheme://host[:port], as a browser sends it) nor *");
            }
            origins.add(origin);
        }
        return new CorsPolicy(any, origins);
    }

    public boolean enabled() {
        return anyOrigin || !origins.isEmpty();
    }

    public boolean allows(String origin) {
        if (anyOrigin) return true;
        return origin != null && origins.contains(normalise(origin));
    }

    /**
     * The {@code Access-Control-Allow-Origin} value for a request from {@code origin} (null: the request named
     * none): {@code *}, or the one configured origin as dockerd sends it, or the request's own origin when it is
     * one of several configured (the header takes a single origin). Null when there is nothing to send.
     */
    public String allowOriginFor(String origin) {
        if (anyOrigin) return "*";
        if (origin == null) return origins.size() == 1 ? origins.iterator().next() : null;
        return allows(origin) ? normalise(origin) : null;
    }

    /** Several origins: the answer depends on the request's Origin, so caches must key on it. */
    public boolean variesByOrigin() {
        return !anyOrigin && origins.size() > 1;
    }

    private static String normalise(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        while (o.endsWith("/")) o = o.substring(0, o.length() - 1);
        return o;
    }
}
