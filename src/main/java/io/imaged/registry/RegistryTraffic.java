package io.imaged.registry;

/**
 * What the registry client tells about its traffic as it happens: bytes received in answers and sent in requests
 * (blobs, manifests, everything on the wire above HTTP), a layer download resumed with a Range request, a call
 * retried. {@code io.imaged.metrics} counts it; the client knows nothing of how.
 */
public interface RegistryTraffic {
    void received(long bytes);

    void sent(long bytes);

    /** A blob download went on from where an earlier attempt stopped (206 to a Range request). */
    void resumed();

    /** {@link Retrying} retries a call (named as the call site names it: {@code manifest}, {@code upload}, ...). */
    void retried(String call);

    /** Counts nothing (unit tests, tools). */
    RegistryTraffic NONE = new RegistryTraffic() {
        @Override
        public void received(long bytes) {
        }

        @Override
        public void sent(long bytes) {
        }

        @Override
        public void resumed() {
        }

        @Override
        public void retried(String call) {
        }
    };
}
