package io.imaged.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a registry lists: a repository's tags, the catalog, and Docker Hub's {@code /v1/search}. */
final class Listings extends RegistryExchange {
    private static final Pattern LINK_NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");

    Listings(RegistryEndpoint endpoint, String repo, AuthorizedTransport transport, Retrying retrying, ObjectMapper json) {
        super(endpoint, repo, transport, retrying, json);
    }

    /** Every tag of the repository, in the registry's order, following {@code Link: rel="next"} pages. */
    List<String> tags() throws IOException {
        List<String> out = new ArrayList<>();
        URI uri = endpoint.resolve("/v2/" + repo + "/tags/list");
        while (uri != null) {
            URI u = uri;
            HttpResponse<byte[]> r = retrying.call("tags", () -> transport.send(() -> HttpRequest.newBuilder(u).GET(), "GET", u,
                    HttpResponse.BodyHandlers.ofByteArray()));
            if (r.statusCode() != 200) throw RegistryException.of(r.statusCode(), r.body(), json);
            JsonNode n = json.readTree(r.body());
            for (JsonNode t : n.path("tags")) out.add(t.asText());
            uri = next(r);
        }
        return out;
    }

    /** Repository names from {@code GET /v2/_catalog}, at most {@code max}. */
    List<String> catalog(int max) throws IOException {
        transport.addScope("registry:catalog:*");
        List<String> out = new ArrayList<>();
        URI uri = endpoint.resolve("/v2/_catalog?n=" + Math.max(1, Math.min(max, 1000)));
        while (uri != null && out.size() < max) {
            URI u = uri;
            HttpResponse<byte[]> r = retrying.call("catalog", () -> transport.send(() -> HttpRequest.newBuilder(u).GET(), "GET", u,
                    HttpResponse.BodyHandlers.ofByteArray()));
            if (r.statusCode() != 200) throw RegistryException.of(r.statusCode(), r.body(), json);
            for (JsonNode t : json.readTree(r.body()).path("repositories")) out.add(t.asText());
            uri = next(r);
        }
        return out.size() > max ? out.subList(0, max) : out;
    }

    /**
     * The registry's own search ({@code GET /v1/search?q=&n=}, Docker Hub's index API); null when the registry
     * has none (404, 405, 501 — a distribution registry answers 404), so that the caller can fall back to the catalog.
     */
    List<RegistrySession.SearchHit> searchV1(String query, int limit) throws IOException {
        URI uri = endpoint.resolve("/v1/search?q=" + java.net.URLEncoder.encode(query, java.nio.charset.StandardCharsets.UTF_8)
                + "&n=" + limit);
        HttpResponse<byte[]> r = retrying.call("search", () -> transport.send(() -> HttpRequest.newBuilder(uri).GET(), "GET", uri,
                HttpResponse.BodyHandlers.ofByteArray()));
        if (r.statusCode() == 404 || r.statusCode() == 405 || r.statusCode() == 501) return null;
        if (r.statusCode() != 200) throw RegistryException.of(r.statusCode(), r.body(), json);
        JsonNode results;
        try {
            results = json.readTree(r.body()).path("results");
        } catch (IOException e) {
            throw new IOException("invalid search answer from " + uri + ": " + e.getMessage(), e);
        }
        List<RegistrySession.SearchHit> out = new ArrayList<>();
        for (JsonNode n : results) {
            out.add(new RegistrySession.SearchHit(n.path("name").asText(), n.path("description").asText(""), n.path("star_count").asInt(0),
                    n.path("is_official").asBoolean(false)));
        }
        return out;
    }

    private URI next(HttpResponse<?> r) {
        for (String link : r.headers().allValues("Link")) {
            Matcher m = LINK_NEXT.matcher(link);
            if (m.find()) {
                URI u = URI.create(m.group(1));
                return u.isAbsolute() ? u : endpoint.resolve(m.group(1));
            }
        }
        return null;
    }

}
