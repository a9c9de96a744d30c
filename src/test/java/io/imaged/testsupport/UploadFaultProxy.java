package io.imaged.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An HTTP proxy in front of a real registry that injects faults into uploads: it answers chosen requests itself (a 500, a 413)
 * and forwards the rest, rewriting the registry's Location headers to point back at the proxy. Records every
 * request line and the status it answered, so tests can check what the client did.
 */
public final class UploadFaultProxy implements AutoCloseable {
    private static final Set<String> HOP = Set.of("host", "connection", "content-length", "transfer-encoding",
            "upgrade", "expect", "keep-alive", "te", "trailer");
    private final HttpServer server;
    private final PlainHttpFront front;
    private final String upstream;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private volatile Fault fault = (m, p, len) -> 0;

    /** Decides whether to answer a request itself: a status, or 0 to forward it. */
    @FunctionalInterface
    public interface Fault {
        int answer(String method, String path, long bodyLength);
    }

    public UploadFaultProxy(String upstreamUrl) throws IOException {
        this.upstream = upstreamUrl;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
        this.front = new PlainHttpFront(server.getAddress().getPort());
    }

    /** Answers with {@code status} the first {@code times} requests that match, forwards everything else. */
    public void failFirst(int times, int status, Predicate<String> methodAndPath) {
        AtomicInteger left = new AtomicInteger(times);
        fault = (m, p, len) -> methodAndPath.test(m + " " + p) && left.getAndDecrement() > 0 ? status : 0;
    }

    /** Answers 413 to any request whose body is larger than {@code max} bytes. */
    public void limitBodies(long max) {
        fault = (m, p, len) -> len > max ? 413 : 0;
    }

    public String host() {
        return "127.0.0.1:" + front.port();
    }

    public List<String> log() {
        return List.copyOf(log);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            String method = ex.getRequestMethod();
            String pathAndQuery = ex.getRequestURI().getRawPath()
                    + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
            int injected = fault.answer(method, ex.getRequestURI().getRawPath(), body.length);
            if (injected != 0) {
                log.add(method + " " + pathAndQuery + " -> " + injected + " (injected)");
                byte[] err = ("{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"injected fault\"}]}").getBytes();
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(injected, err.length);
                ex.getResponseBody().write(err);
                return;
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream + pathAndQuery))
                    .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            ex.getRequestHeaders().forEach((k, vs) -> {
                if (!HOP.contains(k.toLowerCase())) vs.forEach(v -> b.header(k, v));
            });
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            log.add(method + " " + pathAndQuery + " -> " + r.statusCode());
            r.headers().map().forEach((k, vs) -> {
                if (HOP.contains(k.toLowerCase()) || k.equals(":status")) return;
                for (String v : vs) {
                    ex.getResponseHeaders().add(k, k.equalsIgnoreCase("Location") ? v.replace(upstream, "http://" + host()) : v);
                }
            });
            boolean noBody = method.equals("HEAD") || r.statusCode() == 204 || r.statusCode() == 304;
            ex.sendResponseHeaders(r.statusCode(), noBody ? -1 : (r.body().length == 0 ? -1 : r.body().length));
            if (!noBody && r.body().length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(r.body());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        front.close();
        server.stop(0);
    }
}
