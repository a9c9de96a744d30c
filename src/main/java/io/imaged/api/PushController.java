package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.error.ImagedException;
import io.imaged.metrics.OperationMetrics;
import io.imaged.registry.AuthConfig;
import io.imaged.progress.ProgressOutput;
import io.imaged.push.PushService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.WebAsyncTask;

import java.io.IOException;

/**
 * {@code POST /images/{name}/push}: checks the request (credentials, name, tag, platform) so that those errors are
 * real HTTP errors, then answers 200 and streams Docker's JSON progress lines; later failures end the stream as
 * errorDetail, as with dockerd.
 */
@RestController
@Tag(name = "Image")
public class PushController {
    private final PushService pushes;
    private final ObjectMapper json;
    private final LongRequests longRequests;

    public PushController(PushService pushes, ObjectMapper json, LongRequests longRequests) {
        this.pushes = pushes;
        this.json = json;
        this.longRequests = longRequests;
    }

    @Operation(summary = "Push an image")
    @PostMapping(value = "/images/{name}/push", produces = MediaType.APPLICATION_JSON_VALUE)
    public WebAsyncTask<Void> push(@PathVariable String name, @RequestParam(required = false) String tag,
                                   @RequestParam(required = false) String platform, HttpServletRequest request,
                                   HttpServletResponse response) throws IOException {
        // the push runs (and its progress streams) on LongRequests' pool, not on a Tomcat worker; old clients send
        // their credentials as the body, so a body that stalls is answered as any upload's
        RequestBody body = RequestBody.of(request);
        ProgressOutput out = JsonMessages.to(response, json);
        return longRequests.upload(OperationMetrics.Kind.PUSH, body, out, () -> {
            AuthConfig auth = credentials(request, body);
            PushService.Prepared prepared = pushes.prepare(name, tag, platform, auth);
            JsonMessages.begin(response);
            pushes.push(prepared, out);
            return null;
        });
    }

    /**
     * {@code X-Registry-Auth} (an undecodable value counts as no credentials, as in dockerd); without the header,
     * the legacy JSON body, and without either dockerd 20.10's 400.
     */
    private AuthConfig credentials(HttpServletRequest request, RequestBody in) throws IOException {
        String header = request.getHeader("X-Registry-Auth");
        if (header != null) return AuthConfig.fromHeader(header, json);
        byte[] body = in.readNBytes(64 << 10);
        if (body.length == 0 || new String(body).isBlank()) {
            throw ImagedException.invalid("Bad parameters and missing X-Registry-Auth: EOF");
        }
        try {
            AuthConfig a = json.readValue(body, AuthConfig.class);
            return a == null ? AuthConfig.ANONYMOUS : a.normalised();
        } catch (IOException e) {
            throw ImagedException.invalid("Bad parameters and missing X-Registry-Auth: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
    }
}
