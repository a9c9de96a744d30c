package io.imaged.store;

import io.imaged.digest.Digest;

import java.time.Instant;
import java.util.List;

/**
 * An image as the store knows it: its ID (sha256 of the config bytes), the parsed config, the chain IDs
 * of its layers, its parent (for imported children, as dockerd records them) and its size.
 */
public record Image(Digest id, ImageConfig config, List<Digest> chainIds, Digest parent, long size, Instant lastUpdated) {
    public Digest topLayer() {
        return chainIds.isEmpty() ? null : chainIds.get(chainIds.size() - 1);
    }

    public long createdEpochSeconds() {
        return config.created() == null ? 0 : config.created().getEpochSecond();
    }
}
