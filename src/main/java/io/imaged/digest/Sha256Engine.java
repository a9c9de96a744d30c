package io.imaged.digest;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;

/**
 * Where SHA-256 is computed. Every blob, layer and config imaged takes in is hashed, and the launcher stops the JIT at
 * C1 to start in about two thirds of the time (docs/benchmarks.md, startup); the JDK's SHA-256 is fast only through
 * C2's intrinsic (about 10x slower under C1), so the hashing runs in native code instead: AWS-LC, through the Amazon
 * Corretto Crypto Provider, asked for this one algorithm and not installed as a JCA provider (TLS and the rest stay
 * the JDK's). Where its native library cannot load (a platform it has no build for), the JDK's SHA-256 serves.
 */
final class Sha256Engine {
    private static final Logger log = LoggerFactory.getLogger(Sha256Engine.class);
    private static final Provider NATIVE = loadNative();

    private Sha256Engine() {
    }

    static MessageDigest newDigest() {
        if (NATIVE == null) return newJdkDigest();
        try {
            return MessageDigest.getInstance("SHA-256", NATIVE);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The JDK's SHA-256, for bytes in memory: no native library to load first. */
    static MessageDigest newJdkDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether SHA-256 runs in native code (AWS-LC) rather than in the JDK's Java implementation. */
    static boolean isNative() {
        return NATIVE != null;
    }

    private static Provider loadNative() {
        try {
            AmazonCorrettoCryptoProvider accp = AmazonCorrettoCryptoProvider.INSTANCE;
            Throwable error = accp.getLoadingError();
            if (error == null) {
                MessageDigest.getInstance("SHA-256", accp); // fails here, not on the first blob, if it cannot serve
                log.info("SHA-256 in native code: {} {}", accp.getName(), accp.getVersionStr());
                return accp;
            }
            log.warn("SHA-256 in the JDK's Java code (slow when the JIT stops at C1): {}", error.toString());
        } catch (LinkageError | RuntimeException | NoSuchAlgorithmException e) {
            log.warn("SHA-256 in the JDK's Java code (slow when the JIT stops at C1): {}", e.toString());
        }
        return null;
    }
}
