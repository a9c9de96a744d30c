package io.imaged.archive;

import io.imaged.layer.LayerIngester;
import io.imaged.store.AtomicFiles;
import io.imaged.transfer.Futures;
import io.imaged.transfer.TransferManager;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Measures the layer files of one load ({@link LayerIngester#measureFile}: digest, diff ID, tar checks) and makes
 * them durable, overlapping with the unpacking: each large file is offered as soon as it is written and measured on
 * one thread beside the unpacking one (the page cache still holds it); once the plan names the layers, the rest are
 * measured on as many threads as there are cores. Which files are layers is known only at the end of the archive
 * ({@code manifest.json} comes last), so a large file that is no layer may be measured in vain — bounded by the
 * archive's own size, and its failure is reported only if a layer needs it.
 */
final class LayerFileMeasurer implements AutoCloseable {
    /** Files this large are offered while unpacking: configs and manifests are far smaller, layers rarely. */
    static final long EARLY_BYTES = 1 << 20;
    private final LayerIngester ingester;
    private final TransferManager transfers;
    private final int cores;
    private final Map<Path, Job> jobs = new ConcurrentHashMap<>();
    private final BlockingDeque<Job> queue = new LinkedBlockingDeque<>();
    private final AtomicInteger workers = new AtomicInteger();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile int maxWorkers = 1;

    private static final class Job {
        final Path file;
        final long size;
        final AtomicBoolean claimed = new AtomicBoolean();
        final CompletableFuture<LayerIngester.MeasuredFile> result = new CompletableFuture<>();

        Job(Path file, long size) {
            this.file = file;
            this.size = size;
        }
    }

    LayerFileMeasurer(LayerIngester ingester, TransferManager transfers, int cores) {
        this.ingester = ingester;
        this.transfers = transfers;
        this.cores = Math.max(1, cores);
    }

    /** A file the unpacking has just written completely; measured early if it is large. */
    void written(Path file, long size) {
        if (size < EARLY_BYTES || stopped.get()) return;
        Job j = new Job(file, size);
        if (jobs.putIfAbsent(file, j) == null) {
            queue.addLast(j);
            startWorkers();
        }
    }

    /**
     * The measurements of {@code files} (null for a file compressed other than with gzip), each file read once.
     * Every read has ended when this returns or throws; the fault thrown is the first file's in {@code files}' order.
     */
    Map<Path, LayerIngester.MeasuredFile> measure(List<Path> files) throws IOException {
        List<Job> mine = files.stream().map(f -> jobs.computeIfAbsent(f, p -> new Job(p, sizeOf(p)))).toList();
        mine.stream().filter(j -> !j.claimed.get()).sorted(Comparator.comparingLong((Job j) -> j.size).reversed())
                .forEach(queue::addFirst);
        maxWorkers = cores;
        startWorkers();
        Map<Path, LayerIngester.MeasuredFile> out = new java.util.HashMap<>();
        Throwable first = null;
        for (Job j : mine) {
            if (first != null && j.claimed.compareAndSet(false, true)) continue; // never started: nobody reads it
            try {
                LayerIngester.MeasuredFile m = Futures.getUninterruptibly(j.result);
                if (m != null) out.put(j.file, m);
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause();
                    stopped.set(true); // the other workers take no further file
                }
            }
        }
        if (first == null) return out;
        close();
        if (first instanceof IOException io) throw io;
        if (first instanceof RuntimeException re) throw re;
        if (first instanceof Error err) throw err;
        throw new IOException(first);
    }

    /** Stops taking files and waits for the reads under way, so that the files can be moved or deleted. */
    @Override
    public void close() {
        stopped.set(true);
        for (Job j : jobs.values()) {
            if (j.claimed.compareAndSet(false, true)) {
                j.result.cancel(false);
                continue;
            }
            try {
                Futures.getUninterruptibly(j.result);
            } catch (ExecutionException | CancellationException ignored) {
                // its fault matters only to measure(), which has reported it
            }
        }
    }

    private void startWorkers() {
        while (true) {
            int n = workers.get();
            if (n >= maxWorkers || queue.isEmpty() || stopped.get()) return;
            if (workers.compareAndSet(n, n + 1)) transfers.beside(this::work);
        }
    }

    private Void work() {
        try {
            Job j;
            while (!stopped.get() && (j = queue.pollFirst()) != null) {
                if (!j.claimed.compareAndSet(false, true)) continue;
                try {
                    LayerIngester.MeasuredFile m = ingester.measureFile(j.file);
                    // synced here, on the measuring threads, rather than one by one when the files are adopted
                    if (m != null) AtomicFiles.fsync(j.file);
                    j.result.complete(m);
                } catch (Throwable t) {
                    j.result.completeExceptionally(t);
                }
            }
        } finally {
            workers.decrementAndGet();
        }
        startWorkers(); // a file queued as this worker was leaving
        return null;
    }

    private static long sizeOf(Path f) {
        try {
            return java.nio.file.Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }
}
