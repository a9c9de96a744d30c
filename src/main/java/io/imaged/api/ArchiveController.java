package io.imaged.api;

import io.imaged.progress.ProgressOutput;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.archive.LoadService;
import io.imaged.archive.SaveService;
import io.imaged.error.ImagedException;
import io.imaged.metrics.OperationMetrics;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.WebAsyncTask;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/** {@code docker save} and {@code docker load}: image archives out and in. */
@RestController
@Tag(name = "Image")
public class ArchiveController {
    private final SaveService saver;
    private final LoadService loader;
    private final ObjectMapper json;
    private final LongRequests longRequests;

    public ArchiveController(SaveService saver, LoadService loader, ObjectMapper json, LongRequests longRequests) {
        this.saver = saver;
        this.loader = loader;
        this.json = json;
        this.longRequests = longRequests;
    }

    @Operation(summary = "Export an image")
    @GetMapping("/images/{name}/get")
    public WebAsyncTask<Void> saveOne(@PathVariable String name, @RequestParam(required = false) String platform,
                                      HttpServletResponse response) {
        return longRequests.answer(OperationMetrics.Kind.SAVE, () -> save(List.of(name), platform, response));
    }

    @Operation(summary = "Export several images")
    @GetMapping("/images/get")
    public WebAsyncTask<Void> saveMany(@RequestParam(required = false) List<String> names, @RequestParam(required = false) String platform,
                                       HttpServletRequest request, HttpServletResponse response) {
        // each names= value as sent (Spring's List binding splits one value at commas and trims it, so
        // "busybox:1.36%00" became "busybox:1.36"); the parameter stays declared for the API document
        List<String> each = QueryValues.all(request, "names");
        return longRequests.answer(OperationMetrics.Kind.SAVE, () -> save(each, platform, response));
    }

    /** Resolves every name first (a 404 is still a plain error), then streams the tar straight to the client. */
    private Void save(List<String> names, String platform, HttpServletResponse response) throws IOException {
        try (SaveService.Plan plan = saver.prepare(names, platform)) {
            response.setStatus(200);
            response.setContentType("application/x-tar");
            OutputStream out = response.getOutputStream();
            saver.write(plan, out);
            out.flush();
        }
        return null;
    }

    @Operation(summary = "Import images")
    @PostMapping("/images/load")
    public WebAsyncTask<Void> load(@RequestParam(defaultValue = "false") boolean quiet, HttpServletRequest request,
                                   HttpServletResponse response) throws IOException {
        // the body is read on the upload pool, not on a Tomcat worker (see LongRequests); a body that stalls or a
        // client that leaves is not a load error: LongRequests answers 400 or logs one line, and nothing is stored
        RequestBody body = RequestBody.of(request);
        ProgressOutput out = JsonMessages.toWithLf(response, json);
        return longRequests.upload(OperationMetrics.Kind.LOAD, body, out, () -> load(quiet, body, response, out));
    }

    private Void load(boolean quiet, RequestBody body, HttpServletResponse response, ProgressOutput out) throws IOException {
        // everything is checked and stored before the answer starts; still, like dockerd, a failed load is a 200
        // whose JSON stream holds the error (docker-py's images.load raises ImageLoadError only from there, and the
        // CLI prints it without "Error response from daemon: ")
        LoadService.Result result;
        try {
            result = loader.load(body);
        } catch (ImagedException e) {
            if (body.failure() != RequestBody.Failure.NONE) throw e; // the body's fault, not the archive's
            JsonMessages.begin(response);
            out.error(e.getMessage());
            return null;
        }
        JsonMessages.begin(response);
        if (!quiet) {
            for (LoadService.LoadedLayer l : result.layers()) {
                out.progress(l.diffId().shortHex(), "Loading layer", l.tarSize(), l.tarSize());
            }
        }
        for (String line : result.lines()) out.stream(line + "\n");
        return null;
    }
}
