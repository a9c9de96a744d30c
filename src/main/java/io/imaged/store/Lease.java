package io.imaged.store;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps blobs and layers that an operation in progress has stored, but no image references yet, safe
 * from garbage collection until the operation ends (after containerd's leases).
 */
public final class Lease implements AutoCloseable {
    private final Set<Lease> active;
    final Set<Digest> blobs = ConcurrentHashMap.newKeySet();
    final Set<Digest> layers = ConcurrentHashMap.newKeySet();

    Lease(Set<Lease> active) {
        this.active = active;
        active.add(this);
    }

    public Lease blob(Digest d) {
        blobs.add(d);
        return this;
    }

    public Lease layer(Digest chainId) {
        layers.add(chainId);
        return this;
    }

    @Override
    public void close() {
        active.remove(this);
    }
}
