package io.imaged.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback in front of a real registry that slows what clients send (request bodies: blob uploads)
 * to a set rate, so a test can act while an upload is in flight. Counts the bytes passed on to the registry and the
 * connections open, so a test can see an abandoned upload stop. Everything else passes through untouched (a TLS
 * handshake reaches the plain-HTTP registry and fails as it would without the proxy).
 */
public final class ThrottleProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int upstreamPort;
    private final AtomicLong bytesUp = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private final List<Long> ended = new CopyOnWriteArrayList<>();
    private final Set<AtomicLong> live = ConcurrentHashMap.newKeySet();
    private volatile long bytesPerSecond;

    /** @param bytesPerSecond the rate for client-to-registry bytes; 0 for no limit */
    public ThrottleProxy(int upstreamPort, long bytesPerSecond) throws IOException {
        this.upstreamPort = upstreamPort;
        this.bytesPerSecond = bytesPerSecond;
        this.server = new ServerSocket();
        // a fixed small buffer (no autotuning): bytes count as passed on when the registry gets them, not when
        // the kernel buffered them
        server.setReceiveBufferSize(64 << 10);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread t = new Thread(this::acceptLoop, "throttle-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    public String host() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    public void rate(long newBytesPerSecond) {
        this.bytesPerSecond = newBytesPerSecond;
    }

    /** Bytes passed on to the registry so far (all connections). */
    public long bytesUp() {
        return bytesUp.get();
    }

    /** Client connections currently open. */
    public int openConnections() {
        return open.get();
    }

    /** Counts the bytes of the connections open now (pooled by the client, reused later) from zero again. */
    public void resetConnectionCounts() {
        live.forEach(c -> c.set(0));
    }

    /**
     * For each connection the client ended (closed or reset): the bytes it had passed on to the registry (since
     * {@link #resetConnectionCounts()} for one open then).
     */
    public List<Long> endedConnections() {
        return List.copyOf(ended);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> serve(client), "throttle-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        open.incrementAndGet();
        try (client; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            Thread down = new Thread(() -> copy(upstream, client, false), "throttle-proxy-down");
            down.setDaemon(true);
            down.start();
            copy(client, upstream, true);
            down.join(60_000);
        } catch (IOException | InterruptedException ignored) {
            // connection ended
        } finally {
            open.decrementAndGet();
        }
    }

    private void copy(Socket from, Socket to, boolean throttled) {
        byte[] buf = new byte[8192];
        AtomicLong passed = new AtomicLong();
        if (throttled) live.add(passed);
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf, 0, throttled && bytesPerSecond > 0 ? (int) Math.min(buf.length, Math.max(1, bytesPerSecond / 20)) : buf.length)) >= 0) {
                if (throttled) {
                    long rate = bytesPerSecond;
                    if (rate > 0) Thread.sleep(Math.max(1, n * 1000L / rate));
                    bytesUp.addAndGet(n);
                }
                out.write(buf, 0, n);
                out.flush();
                passed.addAndGet(n);
            }
            to.shutdownOutput();
        } catch (IOException | InterruptedException e) {
            // one side went away: end both
            closeQuietly(from);
            closeQuietly(to);
        } finally {
            live.remove(passed);
            if (throttled) ended.add(passed.get());
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
