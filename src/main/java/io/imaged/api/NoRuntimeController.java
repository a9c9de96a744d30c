package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.image.Filters;
import io.swagger.v3.oas.annotations.Hidden;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import org.springframework.web.util.UriUtils;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Engine API's runtime endpoints on a daemon without a runtime. The three lists dashboards and {@code docker ps}
 * read first are empty in dockerd's shapes; every other container, exec, network, volume, swarm, node, service, task,
 * secret, config, plugin, build, commit and session endpoint of the v1.50 spec ({@link #OPERATIONS}) answers 501
 * naming the operation. A 501, not a 404: the CLI pulls the image when {@code POST /containers/create} says "not
 * found", so {@code docker run} would pull before failing. A path under these prefixes that the spec does not have
 * stays dockerd's 404 "page not found".
 */
@RestController
@Tag(name = "Runtime (none)")
public class NoRuntimeController {
    static final String MESSAGE = "imaged stores and moves images; it has no container runtime (%s)";
    /** dockerd's accepted list filters (daemon/list.go, daemon/network/filter.go, volume/service/convert.go). */
    private static final Set<String> CONTAINER_FILTERS = Set.of("ancestor", "before", "expose", "exited", "health", "id",
            "isolation", "is-task", "label", "name", "network", "publish", "since", "status", "volume");
    private static final Set<String> NETWORK_FILTERS = Set.of("dangling", "driver", "id", "label", "name", "scope", "type");
    private static final Set<String> VOLUME_FILTERS = Set.of("dangling", "driver", "label", "name");

    /** One endpoint of the spec: method, path ({@code {id}}: one segment; {@code {name}}: a plugin reference, slashes and all). */
    record RuntimeOperation(String method, String path, String name) {
        Pattern pattern() {
            return Pattern.compile(path.replace("{id}", "[^/]+").replace("{name}", ".+"));
        }
    }

    static final List<RuntimeOperation> OPERATIONS = List.of(
            op("POST", "/containers/create", "container create"),
            op("GET", "/containers/{id}/json", "container inspect"),
            op("GET", "/containers/{id}/top", "container top"),
            op("GET", "/containers/{id}/logs", "container logs"),
            op("GET", "/containers/{id}/changes", "container diff"),
            op("GET", "/containers/{id}/export", "container export"),
            op("GET", "/containers/{id}/stats", "container stats"),
            op("POST", "/containers/{id}/resize", "container resize"),
            op("POST", "/containers/{id}/start", "container start"),
            op("POST", "/containers/{id}/stop", "container stop"),
            op("POST", "/containers/{id}/restart", "container restart"),
            op("POST", "/containers/{id}/kill", "container kill"),
            op("POST", "/containers/{id}/update", "container update"),
            op("POST", "/containers/{id}/rename", "container rename"),
            op("POST", "/containers/{id}/pause", "container pause"),
            op("POST", "/containers/{id}/unpause", "container unpause"),
            op("POST", "/containers/{id}/attach", "container attach"),
            op("GET", "/containers/{id}/attach/ws", "container attach"),
            op("POST", "/containers/{id}/wait", "container wait"),
            op("DELETE", "/containers/{id}", "container remove"),
            op("HEAD", "/containers/{id}/archive", "container cp"),
            op("GET", "/containers/{id}/archive", "container cp"),
            op("PUT", "/containers/{id}/archive", "container cp"),
            op("POST", "/containers/prune", "container prune"),
            op("POST", "/containers/{id}/exec", "exec create"),
            op("POST", "/exec/{id}/start", "exec start"),
            op("POST", "/exec/{id}/resize", "exec resize"),
            op("GET", "/exec/{id}/json", "exec inspect"),
            op("POST", "/volumes/create", "volume create"),
            op("GET", "/volumes/{id}", "volume inspect"),
            op("PUT", "/volumes/{id}", "volume update"),
            op("DELETE", "/volumes/{id}", "volume remove"),
            op("POST", "/volumes/prune", "volume prune"),
            op("GET", "/networks/{id}", "network inspect"),
            op("DELETE", "/networks/{id}", "network remove"),
            op("POST", "/networks/create", "network create"),
            op("POST", "/networks/{id}/connect", "network connect"),
            op("POST", "/networks/{id}/disconnect", "network disconnect"),
            op("POST", "/networks/prune", "network prune"),
            op("GET", "/plugins", "plugin ls"),
            op("GET", "/plugins/privileges", "plugin privileges"),
            op("POST", "/plugins/pull", "plugin install"),
            op("POST", "/plugins/create", "plugin create"),
            op("GET", "/plugins/{name}/json", "plugin inspect"),
            op("DELETE", "/plugins/{name}", "plugin remove"),
            op("POST", "/plugins/{name}/enable", "plugin enable"),
            op("POST", "/plugins/{name}/disable", "plugin disable"),
            op("POST", "/plugins/{name}/upgrade", "plugin upgrade"),
            op("POST", "/plugins/{name}/push", "plugin push"),
            op("POST", "/plugins/{name}/set", "plugin set"),
            op("GET", "/nodes", "node ls"),
            op("GET", "/nodes/{id}", "node inspect"),
            op("DELETE", "/nodes/{id}", "node remove"),
            op("POST", "/nodes/{id}/update", "node update"),
            op("GET", "/swarm", "swarm inspect"),
            op("POST", "/swarm/init", "swarm init"),
            op("POST", "/swarm/join", "swarm join"),
            op("POST", "/swarm/leave", "swarm leave"),
            op("POST", "/swarm/update", "swarm update"),
            op("GET", "/swarm/unlockkey", "swarm unlock-key"),
            op("POST", "/swarm/unlock", "swarm unlock"),
            op("GET", "/services", "service ls"),
            op("POST", "/services/create", "service create"),
            op("GET", "/services/{id}", "service inspect"),
            op("DELETE", "/services/{id}", "service remove"),
            op("POST", "/services/{id}/update", "service update"),
            op("GET", "/services/{id}/logs", "service logs"),
            op("GET", "/tasks", "task ls"),
            op("GET", "/tasks/{id}", "task inspect"),
            op("GET", "/tasks/{id}/logs", "task logs"),
            op("GET", "/secrets", "secret ls"),
            op("POST", "/secrets/create", "secret create"),
            op("GET", "/secrets/{id}", "secret inspect"),
            op("DELETE", "/secrets/{id}", "secret remove"),
            op("POST", "/secrets/{id}/update", "secret update"),
            op("GET", "/configs", "config ls"),
            op("POST", "/configs/create", "config create"),
            op("GET", "/configs/{id}", "config inspect"),
            op("DELETE", "/configs/{id}", "config remove"),
            op("POST", "/configs/{id}/update", "config update"),
            op("POST", "/build", "build"),
            op("POST", "/build/prune", "build cache prune"),
            op("POST", "/commit", "commit"),
            op("POST", "/session", "session"));

    /** The table compiled once: method → (pattern, name) in table order (fixed paths before {@code {name}} ones). */
    private static final Map<String, List<Map.Entry<Pattern, String>>> BY_METHOD = compile();

    private final ObjectMapper json;

    public NoRuntimeController(ObjectMapper json) {
        this.json = json;
    }

    private static RuntimeOperation op(String method, String path, String name) {
        return new RuntimeOperation(method, path, name);
    }

    private static Map<String, List<Map.Entry<Pattern, String>>> compile() {
        Map<String, List<Map.Entry<Pattern, String>>> m = new java.util.HashMap<>();
        for (RuntimeOperation o : OPERATIONS) {
            m.computeIfAbsent(o.method(), k -> new java.util.ArrayList<>()).add(Map.entry(o.pattern(), o.name()));
        }
        m.replaceAll((k, v) -> List.copyOf(v));
        return Map.copyOf(m);
    }

    /** The operation of the table that {@code method} on {@code path} (without the version prefix) is, or null. */
    static String operation(String method, String path) {
        for (Map.Entry<Pattern, String> e : BY_METHOD.getOrDefault(method, List.of())) {
            if (e.getKey().matcher(path).matches()) return e.getValue();
        }
        return null;
    }

    @Operation(summary = "List containers (always empty: imaged has no container runtime)")
    @GetMapping(value = "/containers/json", produces = MediaType.APPLICATION_JSON_VALUE)
    public List<Object> containers(@RequestParam(required = false) String filters) {
        Filters.parse(json, filters, CONTAINER_FILTERS);
        return List.of();
    }

    @Operation(summary = "List networks (always empty: imaged has no container runtime)")
    @GetMapping(value = "/networks", produces = MediaType.APPLICATION_JSON_VALUE)
    public List<Object> networks(@RequestParam(required = false) String filters) {
        Filters.parse(json, filters, NETWORK_FILTERS);
        return List.of();
    }

    /** dockerd's {@code volume.ListResponse}. */
    public record VolumeList(@com.fasterxml.jackson.annotation.JsonProperty("Volumes") List<Object> volumes,
                             @com.fasterxml.jackson.annotation.JsonProperty("Warnings") List<String> warnings) {
    }

    @Operation(summary = "List volumes (always empty: imaged has no container runtime)")
    @GetMapping(value = "/volumes", produces = MediaType.APPLICATION_JSON_VALUE)
    public VolumeList volumes(@RequestParam(required = false) String filters) {
        Filters.parse(json, filters, VOLUME_FILTERS);
        return new VolumeList(List.of(), List.of());
    }

    /** Every other runtime endpoint: 501 naming it; a path the spec does not have: 404, as dockerd's router. */
    @Hidden // 80-odd endpoints that only say "no": documented in docs/compatibility.md, not as API operations
    @RequestMapping(path = {"/containers/**", "/exec/**", "/volumes/**", "/networks/**", "/plugins", "/plugins/**",
            "/nodes", "/nodes/**", "/swarm", "/swarm/**", "/services", "/services/**", "/tasks", "/tasks/**",
            "/secrets", "/secrets/**", "/configs", "/configs/**", "/build", "/build/**", "/commit", "/session"},
            method = {RequestMethod.GET, RequestMethod.HEAD, RequestMethod.POST, RequestMethod.PUT, RequestMethod.DELETE})
    public ResponseEntity<Object> notImplemented(HttpServletRequest request) throws NoResourceFoundException {
        String path = UriUtils.decode(request.getRequestURI().substring(request.getContextPath().length()), StandardCharsets.UTF_8);
        String name = operation(request.getMethod(), path);
        if (name == null) throw new NoResourceFoundException(HttpMethod.valueOf(request.getMethod()), path);
        throw new NotImplemented(String.format(MESSAGE, name));
    }

    /** Answered 501 by {@link ApiExceptionHandler}; only this controller throws it. */
    static final class NotImplemented extends RuntimeException {
        NotImplemented(String message) {
            super(message, null, false, false); // an answer, not a failure: no stack trace to fill
        }
    }
}
