package io.imaged.transfer;

import io.imaged.config.ImagedProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The daemon's one transfer machinery under pull and push (moby's {@code distribution/xfer}): one executor for
 * every layer transfer and the work beside it, a daemon-wide slot limit per direction
 * ({@code imaged.max-concurrent-downloads}, {@code imaged.max-concurrent-uploads}), and for each operation a
 * {@link Transfers} batch that starts its transfers in order, fails fast and cancels. One fetch per digest is
 * {@link SingleFlight}, used by the transfers themselves.
 */
@Component
public class TransferManager implements AutoCloseable {
    private final ExecutorService threads = Executors.newCachedThreadPool(new java.util.concurrent.ThreadFactory() {
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "imaged-transfer-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    });
    private final Map<Direction, TransferSlots> slots = new EnumMap<>(Direction.class);

    @Autowired
    public TransferManager(ImagedProperties props) {
        this(props.maxConcurrentDownloads(), props.maxConcurrentUploads());
    }

    public TransferManager(int maxDownloads, int maxUploads) {
        slots.put(Direction.DOWNLOAD, new TransferSlots(maxDownloads));
        slots.put(Direction.UPLOAD, new TransferSlots(maxUploads));
    }

    /** A new batch: the transfers of one pull or push, whose client is gone when {@code clientGone} says so. */
    public <T> Transfers<T> start(Direction direction, BooleanSupplier clientGone) {
        return new Transfers<>(direction, slots.get(direction), threads, clientGone);
    }

    /** Work beside a transfer (a download's decompressing half) on the same threads. */
    public <T> Future<T> beside(Callable<T> work) {
        return threads.submit(work);
    }

    /** The slots of one direction, for tests and logs. */
    public TransferSlots slots(Direction direction) {
        return slots.get(direction);
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
