package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.registry.AuthConfig;
import io.imaged.progress.ProgressOutput;
import io.imaged.pull.PullService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;

import java.io.IOException;

/**
 * The pull branch of {@code POST /images/create}: resolves the pull first (so that "not found" and "unreachable"
 * are real HTTP errors), then answers 200 and streams Docker's JSON progress lines straight to the connection.
 */
@Component
public class PullHandler {
    private final PullService pulls;
    private final ObjectMapper json;

    public PullHandler(PullService pulls, ObjectMapper json) {
        this.pulls = pulls;
        this.json = json;
    }

    public void pull(String fromImage, String tag, String platform, HttpServletRequest request,
                     HttpServletResponse response, ProgressOutput out) throws IOException {
        AuthConfig auth = AuthConfig.fromHeader(request.getHeader("X-Registry-Auth"), json);
        PullService.Prepared prepared = pulls.prepare(fromImage, tag, platform, auth);
        JsonMessages.begin(response);
        pulls.pull(prepared, out);
    }
}
