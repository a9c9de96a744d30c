package io.imaged.oci;

import java.io.IOException;

/** Manifest bytes that are not a manifest imaged can use: not JSON, a field missing or malformed. */
public class InvalidManifestException extends IOException {
    public InvalidManifestException(String message) {
        super(message);
    }
}
