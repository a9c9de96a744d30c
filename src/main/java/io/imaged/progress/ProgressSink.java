package io.imaged.progress;

import java.io.IOException;

/** Where progress goes: the web layer writes each event to the client at once. A failed write means the client left. */
@FunctionalInterface
public interface ProgressSink {
    void emit(ProgressEvent event) throws IOException;
}
