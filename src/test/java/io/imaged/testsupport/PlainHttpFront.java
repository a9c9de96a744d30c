package io.imaged.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The public port of an in-test HTTP server standing in for a plain-HTTP registry: like a real one, it turns a TLS
 * handshake away at once (clients try https first and fall back to http for insecure registries; the JDK's
 * HttpServer would leave the handshake waiting until the client's read timeout), and passes HTTP on, byte for
 * byte, to the server behind it.
 */
final class PlainHttpFront implements AutoCloseable {
    private final ServerSocket front;
    private final int backPort;

    PlainHttpFront(int backPort) throws IOException {
        this.backPort = backPort;
        this.front = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "http-front-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return front.getLocalPort();
    }

    private void acceptLoop() {
        while (!front.isClosed()) {
            try {
                Socket client = front.accept();
                Thread t = new Thread(() -> splice(client), "http-front-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void splice(Socket client) {
        try (client; Socket back = new Socket(InetAddress.getLoopbackAddress(), backPort)) {
            InputStream in = client.getInputStream();
            int first = in.read();
            if (first < 0 || first == 0x16) return; // TLS ClientHello: close, the client falls back to http
            back.getOutputStream().write(first);
            Thread up = new Thread(() -> pump(in, back));
            up.setDaemon(true);
            up.start();
            back.getInputStream().transferTo(client.getOutputStream());
        } catch (IOException ignored) {
            // connection ended
        }
    }

    private static void pump(InputStream in, Socket to) {
        try {
            in.transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException ignored) {
            // connection ended
        }
    }

    @Override
    public void close() {
        try {
            front.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
