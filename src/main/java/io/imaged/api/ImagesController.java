package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.engine.ApiVersion;
import io.imaged.image.DeleteResponseItem;
import io.imaged.image.Filters;
import io.imaged.image.ImageInspector;
import io.imaged.image.ImageLister;
import io.imaged.image.ImageService;
import io.imaged.image.ImageSummary;
import io.imaged.image.Timestamps;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The local image endpoints of the Engine API's Image tag. */
@RestController
@Tag(name = "Image")
public class ImagesController {
    private static final Set<String> PRUNE_FILTERS = Set.of("dangling", "label", "label!", "until");
    private final ImageLister lister;
    private final ImageInspector inspector;
    private final ImageService images;
    private final ObjectMapper json;

    public ImagesController(ImageLister lister, ImageInspector inspector, ImageService images, ObjectMapper json) {
        this.lister = lister;
        this.inspector = inspector;
        this.images = images;
        this.json = json;
    }

    @Operation(summary = "List images")
    @GetMapping(value = "/images/json", produces = MediaType.APPLICATION_JSON_VALUE)
    public List<ImageSummary> list(@RequestParam(required = false) String all,
                                   @RequestParam(required = false) String filters,
                                   @RequestParam(name = "shared-size", required = false) String sharedSize,
                                   @RequestParam(required = false) String digests,
                                   @RequestParam(required = false) String manifests,
                                   @RequestParam(required = false) String filter,
                                   HttpServletRequest request) {
        ApiVersion version = ApiPathFilter.versionOf(request);
        Filters f = Filters.parse(json, filters, ImageLister.ACCEPTED_FILTERS);
        // the singular `filter=<reference>` (deprecated in 1.13) still works up to API 1.40 (version history 1.41);
        // docker-py sends it for images(name=...) when pinned below 1.25
        if (filter != null && !filter.isEmpty() && version.lessThan("1.41")) f = f.with("reference", filter);
        f.rejectBefore("until", version, "1.44"); // the list filter `until` came with API 1.44
        // shared-size is honoured from 1.42 on (dockerd 20.10 / API 1.41 ignores it and reports -1)
        boolean shared = QueryBool.of(sharedSize) && !version.lessThan("1.42");
        // manifests=1 (API 1.47+, docker images --tree): each image's manifest summary
        boolean withManifests = QueryBool.of(manifests) && !version.lessThan("1.47");
        return lister.list(new ImageLister.Options(QueryBool.of(all), f, shared, false, version, withManifests));
    }

    @Operation(summary = "Inspect an image")
    @GetMapping(value = "/images/{name}/json", produces = MediaType.APPLICATION_JSON_VALUE)
    public ObjectNode inspect(@PathVariable String name, HttpServletRequest request) {
        return inspector.inspect(name, ApiPathFilter.versionOf(request));
    }

    @Operation(summary = "Get the history of an image")
    @GetMapping(value = "/images/{name}/history", produces = MediaType.APPLICATION_JSON_VALUE)
    public List<ObjectNode> history(@PathVariable String name) {
        return inspector.history(name);
    }

    @Operation(summary = "Tag an image")
    @PostMapping("/images/{name}/tag")
    public ResponseEntity<Void> tag(@PathVariable String name, @RequestParam(required = false) String repo,
                                    @RequestParam(required = false) String tag) {
        images.tag(name, repo, tag);
        return ResponseEntity.status(HttpStatus.CREATED).build();
    }

    @Operation(summary = "Remove an image")
    @DeleteMapping(value = "/images/{name}", produces = MediaType.APPLICATION_JSON_VALUE)
    public List<DeleteResponseItem> delete(@PathVariable String name, @RequestParam(required = false) String force,
                                           @RequestParam(required = false) String noprune) {
        return images.delete(name, QueryBool.of(force), !QueryBool.of(noprune));
    }

    @Operation(summary = "Delete unused images")
    @PostMapping(value = "/images/prune", produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> prune(@RequestParam(required = false) String filters) {
        Filters f = Filters.parse(json, filters, PRUNE_FILTERS);
        boolean danglingOnly = f.bool("dangling", true);
        Instant until = null;
        for (String u : f.get("until")) until = Timestamps.parse(u, Instant.now());
        ImageService.PruneReport report = images.prune(danglingOnly, until,
                img -> f.matchLabels("label", img.config().labels()) && f.matchNotLabels("label!", img.config().labels()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ImagesDeleted", report.deleted().isEmpty() ? null : report.deleted());
        out.put("SpaceReclaimed", report.spaceReclaimed());
        return out;
    }
}
