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
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * An in-test HTTP proxy on loopback in front of a real registry that injects faults into chosen requests: an
 * error status, a body cut after N bytes (connection dropped), a body that stalls after N bytes, or a body with
 * its bytes changed (a lying registry). Every request is recorded (method, path, Range) for assertions. Like a real
 * plain-HTTP registry it refuses a TLS handshake at once ({@link PlainHttpFront}).
 */
public final class FaultProxy implements AutoCloseable {
    private static final Set<String> HOP = Set.of("connection", "content-length", "transfer-encoding", "keep-alive", "date");
    private final HttpServer server;
    private final PlainHttpFront front;
    private final String upstream;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();

    /** STATUS: answer with an error; CUT/STALL/CORRUPT: after {@code afterBytes} of body; DELAY: wait afterBytes ms first. */
    public enum Kind { STATUS, CUT, STALL, CORRUPT, DELAY, REDIRECT }

    private volatile String redirectHost;
    private volatile Predicate<HttpExchange> ignoreRange = ex -> false;

    /** Matching requests reach the registry without their {@code Range} header: it answers 200 with the whole blob. */
    public FaultProxy ignoreRange(Predicate<HttpExchange> match) {
        this.ignoreRange = match;
        return this;
    }

    /** Matching requests are answered {@code 307} to the same path on {@code host} (like a registry's storage redirect). */
    public FaultProxy redirect(Predicate<HttpExchange> match, String host) {
        this.redirectHost = host;
        return add(match, Kind.REDIRECT, 307, 0, -1);
    }

    /** A fault for requests matching {@code match}, applied {@code times} times (-1: always). */
    public static final class Fault {
        final Predicate<HttpExchange> match;
        final Kind kind;
        final int status;
        final long afterBytes;
        int times;

        Fault(Predicate<HttpExchange> match, Kind kind, int status, long afterBytes, int times) {
            this.match = match;
            this.kind = kind;
            this.status = status;
            this.afterBytes = afterBytes;
            this.times = times;
        }
    }

    public FaultProxy(String upstreamUrl) throws IOException {
        this.upstream = upstreamUrl;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fault-proxy");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
        front = new PlainHttpFront(server.getAddress().getPort());
    }

    public String host() {
        return "127.0.0.1:" + front.port();
    }

    public static Predicate<HttpExchange> path(String contains) {
        return ex -> ex.getRequestMethod().equals("GET") && ex.getRequestURI().getPath().contains(contains);
    }

    public FaultProxy add(Predicate<HttpExchange> match, Kind kind, int statusOrZero, long afterBytes, int times) {
        faults.add(new Fault(match, kind, statusOrZero, afterBytes, times));
        return this;
    }

    public void clearFaults() {
        faults.clear();
        ignoreRange = ex -> false;
    }

    /** Recorded requests: {@code METHOD path [Range]}. */
    public List<String> requests() {
        return List.copyOf(log);
    }

    private synchronized Fault take(HttpExchange ex) {
        for (Fault f : faults) {
            if (f.times != 0 && f.match.test(ex)) {
                if (f.times > 0) f.times--;
                return f;
            }
        }
        return null;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String range = ex.getRequestHeaders().getFirst("Range");
            log.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + (range == null ? "" : " " + range));
            Fault fault = take(ex);
            if (fault != null && fault.kind == Kind.STATUS) {
                byte[] body = "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"injected fault\"}]}".getBytes();
                ex.sendResponseHeaders(fault.status, body.length);
                ex.getResponseBody().write(body);
                return;
            }
            if (fault != null && fault.kind == Kind.REDIRECT) {
                ex.getResponseHeaders().set("Location", "http://" + redirectHost + ex.getRequestURI());
                ex.sendResponseHeaders(307, -1);
                return;
            }
            String authz = ex.getRequestHeaders().getFirst("Authorization");
            if (authz != null) log.add("AUTHORIZATION " + ex.getRequestURI().getPath());
            if (fault != null && fault.kind == Kind.DELAY) {
                try {
                    Thread.sleep(fault.afterBytes);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                fault = null;
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream + ex.getRequestURI()));
            boolean dropRange = ignoreRange.test(ex);
            ex.getRequestHeaders().forEach((k, vs) -> {
                String lk = k.toLowerCase(Locale.ROOT);
                if (HOP.contains(lk) || lk.equals("host") || lk.equals("expect") || lk.equals("upgrade")) return;
                if (dropRange && lk.equals("range")) return;
                for (String v : vs) b.header(k, v);
            });
            byte[] reqBody = ex.getRequestBody().readAllBytes();
            b.method(ex.getRequestMethod(), reqBody.length == 0 ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(reqBody));
            HttpResponse<InputStream> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            r.headers().map().forEach((k, vs) -> {
                if (!HOP.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) ex.getResponseHeaders().put(k, vs);
            });
            long len = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(r.statusCode(), head ? -1 : (len < 0 ? 0 : (len == 0 ? -1 : len)));
            if (head) return;
            try (InputStream in = r.body(); OutputStream out = ex.getResponseBody()) {
                byte[] buf = new byte[8192];
                long sent = 0;
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (fault != null && sent + n > fault.afterBytes) {
                        int keep = (int) Math.max(0, fault.afterBytes - sent);
                        switch (fault.kind) {
                            case CUT -> {
                                out.write(buf, 0, keep);
                                out.flush();
                                // drop the connection mid-body
                                throw new IOException("injected cut");
                            }
                            case STALL -> {
                                out.write(buf, 0, keep);
                                out.flush();
                                Thread.sleep(120_000);
                                throw new IOException("injected stall ended");
                            }
                            case CORRUPT -> {
                                for (int i = keep; i < n; i++) buf[i] ^= 0x5a;
                                fault = null;
                            }
                            default -> {
                            }
                        }
                    }
                    out.write(buf, 0, n);
                    sent += n;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } catch (IOException dropped) {
            // the injected fault (or a client that went away): close the connection
        }
    }

    @Override
    public void close() {
        front.close();
        server.stop(0);
    }
}
