package io.imaged.api;

import io.imaged.explore.FilesPage;
import io.imaged.explore.LayerExplorer;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * imaged's own extensions for the dashboard, under {@code /imaged/} so that they can never collide with an Engine
 * API path. Behind the same browser protection as the rest (docs/dashboard.md).
 */
@RestController
@Tag(name = "imaged extensions")
public class ExplorerController {
    private final LayerExplorer explorer;

    public ExplorerController(LayerExplorer explorer) {
        this.explorer = explorer;
    }

    // the parameters are taken as text so that a malformed one gets imaged's words in a 400, not Spring's
    @Operation(summary = "List the files of one layer of an image",
            description = "A page of the layer's entries sorted by path: what each adds, changes or deletes (whiteouts), "
                    + "its size, whether a later layer overwrites or deletes it, and the image's wasted space as dive computes it.")
    @GetMapping(value = "/imaged/images/{name}/layers/{index}/files", produces = MediaType.APPLICATION_JSON_VALUE)
    public FilesPage files(@PathVariable String name,
                           @Parameter(description = "layer position, 0 is the base layer") @PathVariable String index,
                           @Parameter(description = "first entry, default 0") @RequestParam(required = false) String offset,
                           @Parameter(description = "entries per page, default 500, at most 5000") @RequestParam(required = false) String limit,
                           @Parameter(description = "only paths containing this text") @RequestParam(required = false) String contains) {
        return explorer.files(name, index, offset, limit, contains);
    }
}
