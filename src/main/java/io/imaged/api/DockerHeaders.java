package io.imaged.api;

import io.imaged.engine.ApiVersion;
import io.imaged.engine.Engine;
import jakarta.servlet.http.HttpServletResponse;

/** Headers dockerd's version middleware puts on every response. */
public final class DockerHeaders {
    private DockerHeaders() {
    }

    public static void addTo(HttpServletResponse response) {
        response.setHeader("Api-Version", ApiVersion.MAX.toString());
        response.setHeader("Docker-Experimental", "false");
        response.setHeader("Ostype", "linux");
        response.setHeader("Server", "Docker/" + Engine.VERSION + " (linux)");
    }
}
