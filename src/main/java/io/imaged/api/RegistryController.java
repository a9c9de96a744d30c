package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.error.ImagedException;
import io.imaged.registry.AuthConfig;
import io.imaged.pull.DistributionService;
import io.imaged.pull.SearchService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Registry-facing endpoints that store nothing: distribution inspect, search, login. */
@RestController
@Tag(name = "Distribution")
public class RegistryController {
    private final DistributionService distribution;
    private final SearchService search;
    private final ObjectMapper json;

    public RegistryController(DistributionService distribution, SearchService search, ObjectMapper json) {
        this.distribution = distribution;
        this.search = search;
        this.json = json;
    }

    @Operation(summary = "Get image information from the registry")
    @GetMapping(value = "/distribution/{name}/json", produces = MediaType.APPLICATION_JSON_VALUE)
    public ObjectNode inspect(@PathVariable String name, HttpServletRequest request) {
        return distribution.inspect(name, AuthConfig.fromHeader(request.getHeader("X-Registry-Auth"), json));
    }

    @Operation(summary = "Search images", tags = "Image")
    @GetMapping(value = "/images/search", produces = MediaType.APPLICATION_JSON_VALUE)
    public List<Map<String, Object>> search(@RequestParam(required = false) String term,
                                            @RequestParam(required = false) Integer limit,
                                            @RequestParam(required = false) String filters,
                                            HttpServletRequest request) throws IOException {
        Map<String, List<String>> f = new LinkedHashMap<>();
        if (filters != null && !filters.isBlank()) {
            try {
                var node = json.readTree(filters);
                node.fields().forEachRemaining(e -> {
                    List<String> values = new java.util.ArrayList<>();
                    if (e.getValue().isObject()) e.getValue().fieldNames().forEachRemaining(values::add);
                    else if (e.getValue().isArray()) e.getValue().forEach(v -> values.add(v.asText()));
                    f.put(e.getKey(), values);
                });
            } catch (IOException e) {
                throw ImagedException.invalid("invalid filter: " + e.getMessage());
            }
            for (String k : f.keySet()) {
                if (!k.equals("is-official") && !k.equals("stars") && !k.equals("is-automated")) {
                    throw ImagedException.invalid("invalid filter '" + k + "'");
                }
            }
        }
        return search.search(term, limit, f, AuthConfig.fromHeader(request.getHeader("X-Registry-Auth"), json));
    }

    @Operation(summary = "List a repository's tags", tags = "imaged extensions",
            description = "imaged's extension for the dashboard: the tags of a repository on its registry (GET /v2/<name>/tags/list), "
                    + "with X-Registry-Auth as for a pull.")
    @GetMapping(value = "/imaged/registries/tags", produces = MediaType.APPLICATION_JSON_VALUE)
    public SearchService.RepositoryTags tags(@RequestParam(required = false) String repository, HttpServletRequest request) {
        return search.tags(repository, AuthConfig.fromHeader(request.getHeader("X-Registry-Auth"), json));
    }

    @Operation(summary = "Check auth configuration", tags = "System")
    @PostMapping(value = "/auth", produces = MediaType.APPLICATION_JSON_VALUE)
    public AuthResponse login(@RequestBody(required = false) AuthConfig auth) {
        return AuthResponse.loginSucceeded(distribution.login(auth == null ? AuthConfig.ANONYMOUS : auth.normalised()));
    }
}
