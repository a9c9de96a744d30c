package io.imaged.transfer;

import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;

/**
 * A daemon-wide limit on layers moved at once in one direction — {@code imaged.max-concurrent-downloads} for pulls,
 * {@code imaged.max-concurrent-uploads} for pushes — handed out as dockerd's transfer manager does: the first
 * {@code limit} takers start at once, the others queue and start in the order they asked (so an image's layers start
 * in order, and its queued layers are the ones that say {@code Waiting}). A slot given up before it was granted
 * simply leaves the queue.
 */
public final class TransferSlots {
    private final int limit;
    private final ArrayDeque<Slot> queue = new ArrayDeque<>();
    private int active;

    public TransferSlots(int limit) {
        this.limit = Math.max(1, limit);
    }

    /** A place in line: granted at once when one is free, else queued. */
    public synchronized Slot take() {
        Slot s = new Slot();
        if (active < limit) {
            active++;
            s.grant();
        } else {
            queue.add(s);
        }
        return s;
    }

    /** Slots in use (for tests and logs). */
    public synchronized int active() {
        return active;
    }

    public synchronized int waiting() {
        return queue.size();
    }

    private synchronized void release(Slot s) {
        if (s.released) return;
        s.released = true;
        if (!s.granted) {
            queue.remove(s);
            s.latch.countDown();
            return;
        }
        Slot next = queue.poll();
        if (next != null) next.grant();
        else active--;
    }

    private synchronized void abandonIfQueued(Slot s) {
        if (!s.granted && !s.released) release(s);
    }

    public final class Slot implements AutoCloseable {
        private final CountDownLatch latch = new CountDownLatch(1);
        private boolean granted;
        private boolean released;

        private void grant() {
            granted = true;
            latch.countDown();
        }

        /** Granted already (no wait). */
        public boolean ready() {
            synchronized (TransferSlots.this) {
                return granted;
            }
        }

        /** Waits for the slot; false when it was given up ({@link #abandonIfQueued()}) instead. */
        public boolean await() throws InterruptedException {
            latch.await();
            synchronized (TransferSlots.this) {
                return granted && !released;
            }
        }

        /** Leaves the queue if still waiting (wakes {@link #await()}); a granted slot is left to its user. */
        public void abandonIfQueued() {
            TransferSlots.this.abandonIfQueued(this);
        }

        /** Gives the slot back (to the next in line) or leaves the queue. Idempotent. */
        @Override
        public void close() {
            release(this);
        }
    }
}
