package io.imaged;

import io.imaged.digest.Digest;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class ImagedApplication {
    /**
     * Read buffer of the JDK HttpClient (documented property of java.net.http; its default is 16 KiB). Layer
     * downloads are CPU-bound on loopback, and with 16 KiB buffers the client's selector thread, buffer queueing
     * and copying cost about 2.5 ms of CPU per MB; 256 KiB halves that (measured with docker-registry on
     * loopback: 350-430 ms -> 150-230 ms of JVM CPU per 145 MB blob). It must be set before the first
     * HttpClient class loads, hence here; a value given with -D wins.
     */
    static final String HTTP_BUFSIZE = "jdk.httpclient.bufsize";

    /** System property set by make-archive's training run (true: the native SHA-256 loads at its first use). */
    static final String NO_SHA256_PRELOAD = "imaged.no-sha256-preload";

    public static void main(String[] args) {
        if (System.getProperty(HTTP_BUFSIZE) == null) System.setProperty(HTTP_BUFSIZE, Integer.toString(256 * 1024));
        SpringApplication.run(ImagedApplication.class, args);
        // up and serving: load the native SHA-256 now rather than in the first pull or load (Digest.loadNativeSha256).
        // Not in make-archive's training run: JDK 17's dynamic archive dump crashes on the lambdas of its signed jar.
        if (!Boolean.getBoolean(NO_SHA256_PRELOAD)) {
            Thread nativeSha256 = new Thread(Digest::loadNativeSha256, "native-sha256-load");
            nativeSha256.setDaemon(true);
            nativeSha256.start();
        }
    }
}
