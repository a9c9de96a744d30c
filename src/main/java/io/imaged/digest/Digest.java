package io.imaged.digest;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A content digest such as {@code sha256:<64 hex>}; only sha256 is accepted, as dockerd does.
 * A value class rather than a record so that its string form is made once: digests are map keys,
 * sort keys and JSON values everywhere, and listing thousands of images would otherwise build
 * every ID string anew on each request.
 */
public final class Digest implements Comparable<Digest> {
    /**
     * {@code [a-f0-9]{64}}, checked by a loop: every reference, layer and image record read at startup holds
     * digests, and at tens of thousands a regex match each showed in the start's time.
     */
    private static boolean isLowerHex64(String hex) {
        if (hex == null || hex.length() != 64) return false;
        for (int i = 0; i < 64; i++) {
            char c = hex.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) return false;
        }
        return true;
    }
    private final String algorithm;
    private final String hex;
    private final String string;

    public Digest(String algorithm, String hex) {
        if (!"sha256".equals(algorithm) || !isLowerHex64(hex)) {
            throw new IllegalArgumentException("invalid digest: " + algorithm + ":" + hex);
        }
        this.algorithm = algorithm;
        this.hex = hex;
        this.string = algorithm + ":" + hex;
    }

    /** From hex that {@link HexFormat} made of 32 bytes: valid by construction, so not matched again. */
    private Digest(String sha256Hex) {
        this.algorithm = "sha256";
        this.hex = sha256Hex;
        this.string = "sha256:" + sha256Hex;
    }

    public String algorithm() {
        return algorithm;
    }

    public String hex() {
        return hex;
    }

    @JsonCreator
    public static Digest parse(String s) {
        if (s == null) throw new IllegalArgumentException("invalid digest: null");
        int i = s.indexOf(':');
        if (i <= 0) throw new IllegalArgumentException("invalid digest: " + s);
        return new Digest(s.substring(0, i), s.substring(i + 1));
    }

    public static boolean isValid(String s) {
        try {
            parse(s);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The digest of bytes in memory (configs, manifests, index records: kilobytes). The JDK's SHA-256: loading the
     * native one costs about 0.3 s, which the start (it hashes configs when there is no index) should not wait for.
     */
    public static Digest sha256(byte[] bytes) {
        return fromHash(Sha256Engine.newJdkDigest().digest(bytes));
    }

    public static Digest sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    public static Digest fromHash(byte[] sha256) {
        if (sha256.length != 32) throw new IllegalArgumentException("invalid digest: " + sha256.length + " bytes");
        return new Digest(HexFormat.of().formatHex(sha256));
    }

    /** A SHA-256 hasher for streams (blobs, layers); in native code where it can be ({@link Sha256Engine}). */
    public static MessageDigest newSha256() {
        return Sha256Engine.newDigest();
    }

    /**
     * Loads the native SHA-256 now (about 0.3 s: the signed library is extracted and verified, self-tests run), so
     * that the first pull or load does not wait for it; the daemon calls it once it is up, off the request threads.
     */
    public static boolean loadNativeSha256() {
        return Sha256Engine.isNative();
    }

    /** The first 12 hex characters, as {@code docker images} shows an ID. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public int compareTo(Digest o) {
        return string.compareTo(o.string);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && string.equals(d.string);
    }

    @Override
    public int hashCode() {
        return string.hashCode();
    }

    @JsonValue
    @Override
    public String toString() {
        return string;
    }
}
