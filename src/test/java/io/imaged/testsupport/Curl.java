package io.imaged.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code curl} binary, for requests no API client sends: any {@code Host} or {@code Origin}, any method.
 * Through TCP ({@link #tcp}) or a unix socket ({@link #unix}).
 */
public final class Curl {
    private final Path work;
    private final List<String> base;
    private int seq;

    private Curl(Path work, List<String> base) {
        this.work = work;
        this.base = base;
    }

    /** Requests to {@code http://127.0.0.1:port}; {@code work} holds the answers. */
    public static Curl tcp(Path work, int port) {
        return new Curl(work, List.of("http://127.0.0.1:" + port));
    }

    /** Requests through a unix socket (curl sends {@code Host: localhost} unless told otherwise). */
    public static Curl unix(Path work, Path socket) {
        return new Curl(work, List.of("--unix-socket", socket.toString(), "http://localhost"));
    }

    /** An answer: status, headers (names in lower case, last value wins) and body. */
    public record Answer(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * @param method  GET, POST, ...
     * @param path    path and query, as sent
     * @param body    a file sent as the body, or null
     * @param headers "Name: value" lines
     */
    public Answer request(String method, String path, Path body, String... headers) throws IOException, InterruptedException {
        Files.createDirectories(work);
        int n = ++seq;
        Path out = work.resolve("body-" + n);
        Path head = work.resolve("head-" + n);
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "120", "-X", method, "-o", out.toString(),
                "-D", head.toString(), "-w", "%{http_code}"));
        for (String h : headers) cmd.addAll(List.of("-H", h));
        if (body != null) {
            cmd.addAll(List.of("--data-binary", "@" + body));
            boolean typed = List.of(headers).stream().anyMatch(h -> h.toLowerCase(Locale.ROOT).startsWith("content-type:"));
            if (!typed) cmd.addAll(List.of("-H", "Content-Type: application/x-tar"));
        }
        String url = base.get(base.size() - 1) + path;
        cmd.addAll(base.subList(0, base.size() - 1));
        cmd.add(url);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(150, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("curl did not finish: " + cmd);
        }
        if (p.exitValue() != 0) throw new IOException("curl exited " + p.exitValue() + " for " + method + " " + path + ": " + stderr);
        Map<String, String> hs = new LinkedHashMap<>();
        for (String line : Files.readAllLines(head, StandardCharsets.ISO_8859_1)) {
            int colon = line.indexOf(':');
            if (colon > 0) hs.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        String text = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
        return new Answer(Integer.parseInt(stdout.trim()), hs, text);
    }
}
