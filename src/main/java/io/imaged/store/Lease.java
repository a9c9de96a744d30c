package io.imaged.store;

import io.imaged.digest.Digest;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;

/**
 * Keeps blobs and layers that an operation in progress has looked at, stored or is about to store safe from
 * garbage collection until the operation ends (after containerd's leases). An operation leases a blob or layer
 * <em>before</em> it checks whether the store has it: adding to a lease takes the store's read lock, and a
 * collection holds the write lock from the moment it decides what to keep until it has deleted the rest, so a
 * collection either ended before the lease was taken (the check then sees what it left) or sees the lease.
 * Leasing what is not stored is harmless: nothing is kept that is not there.
 */
public final class Lease implements AutoCloseable {
    private final Set<Lease> active;
    private final Lock readLock;
    final Set<Digest> blobs = ConcurrentHashMap.newKeySet();
    final Set<Digest> layers = ConcurrentHashMap.newKeySet();

    Lease(Set<Lease> active, Lock readLock) {
        this.active = active;
        this.readLock = readLock;
        active.add(this);
    }

    public Lease blob(Digest d) {
        readLock.lock();
        try {
            blobs.add(d);
        } finally {
            readLock.unlock();
        }
        return this;
    }

    /** Keeps a layer (by chain ID), its parents and their blobs. */
    public Lease layer(Digest chainId) {
        readLock.lock();
        try {
            layers.add(chainId);
        } finally {
            readLock.unlock();
        }
        return this;
    }

    /** Every layer of a chain at once (a pull's or a load's image), before any of them is looked up. */
    public Lease layers(Iterable<Digest> chainIds) {
        readLock.lock();
        try {
            for (Digest c : chainIds) layers.add(c);
        } finally {
            readLock.unlock();
        }
        return this;
    }

    @Override
    public void close() {
        active.remove(this);
    }
}
