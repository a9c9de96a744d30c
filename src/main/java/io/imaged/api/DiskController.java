package io.imaged.api;

import io.imaged.disk.DiskReport;
import io.imaged.disk.DiskUsage;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** imaged's disk report for the dashboard's disk view (an extension: docs/dashboard.md). */
@RestController
@Tag(name = "imaged extensions")
public class DiskController {
    private final DiskUsage disk;

    public DiskController(DiskUsage disk) {
        this.disk = disk;
    }

    @Operation(summary = "Layers and blobs by size",
            description = "Counts and bytes of the store's images, layers and blobs, what several images share, what "
                    + "pruning dangling or all images would free, and the largest layers (with the images using them) and blobs "
                    + "(with their kind and whether anything references them).")
    @GetMapping(value = "/imaged/disk", produces = MediaType.APPLICATION_JSON_VALUE)
    public DiskReport disk(@Parameter(description = "how many of the largest layers and blobs to list, 1 to 1000, default 20")
                           @RequestParam(required = false) String top) {
        return disk.report(top);
    }
}
