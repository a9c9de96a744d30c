package io.imaged.image;

import io.imaged.layer.BulkFilterInputStream;
import io.imaged.config.ImagedProperties;
import io.imaged.error.ClientGoneException;
import io.imaged.error.ImagedException;
import io.imaged.progress.ProgressOutput;
import io.imaged.error.ImagedException.Kind;
import io.imaged.layer.InvalidArchiveException;
import io.imaged.store.Image;
import org.springframework.stereotype.Component;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * {@code docker import <url>} ({@code fromSrc=http...}) as dockerd's ImportImage does it: the rootfs is fetched
 * with a plain GET and streamed straight into the layer store, with {@code Downloading from} and
 * {@code Importing} progress; at most {@code imaged.import-max-bytes} are read.
 */
@Component
public class UrlImporter {
    /** Progress at most every this many bytes, as moby's progress reader (512 KiB). */
    private static final long UPDATE_EVERY = 512 * 1024;
    private final ImportService importer;
    private final long maxBytes;
    private final java.time.Duration connectTimeout;
    /** Made at the first URL import ({@link #http()}): an HttpClient sets up TLS and a thread, which no start needs. */
    private HttpClient http;

    public UrlImporter(ImportService importer, ImagedProperties props) {
        this.importer = importer;
        this.maxBytes = props.importMaxBytes().toBytes();
        this.connectTimeout = props.registry().connectTimeout();
    }

    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(connectTimeout).build();
        }
        return http;
    }

    /** dockerd turns a source without a scheme into {@code http://<src>}. */
    static URI parse(String src) {
        String s = src.contains("://") ? src : "http://" + src;
        URI u;
        try {
            u = URI.create(s);
        } catch (IllegalArgumentException e) {
            throw ImagedException.invalid("invalid URL " + src + ": " + e.getMessage());
        }
        if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
            throw ImagedException.invalid("unsupported URL " + src + ": only http and https can be imported");
        }
        return u;
    }

    /**
     * Sends the GET: a source that answers with its content is returned, to be imported; a URL that cannot be
     * imported, a source that cannot be reached or answers with an error status, or one larger than the limit is
     * thrown as an {@link ImagedException} before anything is answered.
     */
    public Download open(String src) throws IOException {
        URI uri = parse(src);
        HttpResponse<InputStream> resp;
        try {
            resp = http().send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw ImagedException.system("Get \"" + uri + "\": " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ImagedException.system("Get \"" + uri + "\": interrupted");
        }
        InputStream body = resp.body();
        try {
            if (resp.statusCode() >= 400) {
                String text = new String(body.readNBytes(4096), StandardCharsets.UTF_8).trim();
                String msg = "failed to GET " + uri + " with status " + resp.statusCode() + " " + StatusText.of(resp.statusCode()) + ": " + text;
                throw new ImagedException(resp.statusCode() == 404 ? Kind.NOT_FOUND
                        : resp.statusCode() == 400 ? Kind.INVALID_ARGUMENT : Kind.SYSTEM, msg);
            }
            long total = resp.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (total > maxBytes) throw tooBig(uri);
            return new Download(uri, body, total);
        } catch (IOException | RuntimeException e) {
            body.close();
            throw e;
        }
    }

    /** A source that answered; its body is imported once, and closed. */
    public final class Download implements Closeable {
        private final URI uri;
        private final InputStream body;
        private final long total;

        private Download(URI uri, InputStream body, long total) {
            this.uri = uri;
            this.body = body;
            this.total = total;
        }

        /**
         * Imports the body, writing dockerd's JSON lines to {@code out}: {@code Downloading from}, {@code Importing}
         * progress, then the image ID, or the error that stopped the import (the answer has begun by then).
         */
        public void importTo(ImportService.Request req, ProgressOutput out) throws IOException {
            out.status(null, "Downloading from " + uri);
            try {
                Image img = importer.importTar(req, new Progress(body, out, total, uri));
                out.status(null, img.id().toString());
            } catch (ImagedException | IOException e) {
                if (ClientGoneException.in(e)) throw e;
                out.error(e.getMessage());
            }
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    private InvalidArchiveException tooBig(URI uri) {
        return new InvalidArchiveException("import from " + uri + " is larger than the limit of " + maxBytes
                + " bytes (imaged.import-max-bytes)");
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.net.ConnectException) return "dial tcp: connect: connection refused" + (m == null ? "" : " (" + m + ")");
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** Counts, enforces the size limit and writes moby-style "Importing" progress lines. */
    private final class Progress extends BulkFilterInputStream {
        private final ProgressOutput out;
        private final long total;
        private final URI uri;
        private long current;
        private long lastUpdate;

        Progress(InputStream in, ProgressOutput out, long total, URI uri) {
            super(in);
            this.out = out;
            this.total = total;
            this.uri = uri;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                current += n;
                if (current > maxBytes) throw tooBig(uri);
                if (current - lastUpdate >= UPDATE_EVERY) update();
            } else if (n < 0 && lastUpdate != current) {
                update();
            }
            return n;
        }

        private void update() throws IOException {
            lastUpdate = current;
            out.progress(null, "Importing", current, total);
        }
    }
}
