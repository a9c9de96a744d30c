package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.imaged.error.ImagedException;
import io.imaged.image.ImportService;
import io.imaged.image.UrlImporter;
import io.imaged.metrics.OperationMetrics;
import io.imaged.store.Image;
import io.imaged.progress.ProgressOutput;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.WebAsyncTask;

import java.io.IOException;
import java.util.List;

/** {@code POST /images/create}: import from the request body ({@code fromSrc=-}) or pull ({@code fromImage}). */
@RestController
@Tag(name = "Image")
public class ImageCreateController {
    private final ImportService importer;
    private final UrlImporter urlImporter;
    private final PullHandler puller;
    private final LongRequests longRequests;
    private final ObjectMapper json;

    public ImageCreateController(ImportService importer, UrlImporter urlImporter, PullHandler puller, LongRequests longRequests,
                                 ObjectMapper json) {
        this.importer = importer;
        this.urlImporter = urlImporter;
        this.puller = puller;
        this.longRequests = longRequests;
        this.json = json;
    }

    @Operation(summary = "Create an image by importing it or pulling it")
    @PostMapping("/images/create") // no produces: clients send any Accept (docker-java: text/plain), dockerd ignores it
    public WebAsyncTask<ResponseEntity<String>> create(@RequestParam(required = false) String fromImage,
                                         @RequestParam(required = false) String fromSrc,
                                         @RequestParam(required = false) String repo,
                                         @RequestParam(required = false) String tag,
                                         @RequestParam(required = false) String message,
                                         @RequestParam(required = false) List<String> changes,
                                         @RequestParam(required = false) String platform,
                                         HttpServletRequest request, HttpServletResponse response) throws IOException {
        // dockerd reads platform from API 1.32 on; older clients' platform means nothing
        String platformOf = ApiPathFilter.versionOf(request).lessThan("1.32") ? null : platform;
        if (fromSrc != null && !fromSrc.isEmpty()) {
            // each changes= value whole, as dockerd reads r.Form["changes"] (Spring's List binding would split
            // "ENV A=1,2" at the comma); the parameter stays declared for the API document
            ImportService.Request req = importer.prepare(repo, tag, fromSrc, message, QueryValues.all(request, "changes"), platformOf);
            if (!fromSrc.equals("-")) {
                ProgressOutput out = JsonMessages.to(response, json);
                return longRequests.answer(OperationMetrics.Kind.IMPORT_URL, out, () -> {
                    try (UrlImporter.Download download = urlImporter.open(fromSrc)) {
                        // the source answered: the import's progress is a 200 answer, its end (or error) the last line
                        JsonMessages.begin(response);
                        download.importTo(req, out);
                    }
                    return null;
                });
            }
            // the body is read on the upload pool, not on a Tomcat worker (see LongRequests)
            RequestBody body = RequestBody.of(request);
            return longRequests.upload(OperationMetrics.Kind.IMPORT_BODY, body, () -> {
                Image img = importer.importTar(req, body);
                return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
                        .body("{\"status\":\"" + img.id() + "\"}\r\n");
            });
        }
        if (fromImage != null && !fromImage.isEmpty()) {
            // made on the request's thread, before the work is handed over (LongRequests wires the client-left signal)
            ProgressOutput out = JsonMessages.to(response, json);
            return longRequests.answer(OperationMetrics.Kind.PULL, out, () -> {
                puller.pull(fromImage, tag, platformOf, request, response, out);
                return null; // the progress stream has been written
            });
        }
        throw ImagedException.invalid("fromImage or fromSrc is required");
    }
}
