package io.imaged.api;

import jakarta.servlet.http.HttpServletResponse;

/** Headers dockerd's version middleware puts on every response. */
public final class DockerHeaders {
    public static final String ENGINE_VERSION = "28.2.2";

    private DockerHeaders() {
    }

    public static void addTo(HttpServletResponse response) {
        response.setHeader("Api-Version", ApiVersion.MAX.toString());
        response.setHeader("Docker-Experimental", "false");
        response.setHeader("Ostype", "linux");
        response.setHeader("Server", "Docker/" + ENGINE_VERSION + " (linux)");
    }
}
