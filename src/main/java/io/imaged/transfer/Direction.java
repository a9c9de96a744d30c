package io.imaged.transfer;

/**
 * Which way layers move. The two directions share one machinery ({@link TransferManager}) and differ only where
 * what is moved differs: a download is shared by every pull that wants its blob (one fetch per digest) and what it
 * verified is kept for the next pull, so a pull that fails lets its running downloads finish and never interrupts
 * their threads (they stop at their next progress check only when its client left); an upload serves one push
 * alone, so the first failure stops the others at once, interrupting a thread waiting on the registry.
 */
public enum Direction {
    DOWNLOAD(false),
    UPLOAD(true);

    private final boolean stopsAllOnFailure;

    Direction(boolean stopsAllOnFailure) {
        this.stopsAllOnFailure = stopsAllOnFailure;
    }

    /** Whether one failed transfer cancels (and interrupts) the running ones of the same operation. */
    boolean stopsAllOnFailure() {
        return stopsAllOnFailure;
    }
}
