package io.imaged.api.listener;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a taken socket into Spring Boot's short "APPLICATION FAILED TO START" report instead of a stack trace. */
public class SocketInUseFailureAnalyzer extends AbstractFailureAnalyzer<SocketInUseException> {
    @Override
    protected FailureAnalysis analyze(Throwable root, SocketInUseException cause) {
        return new FailureAnalysis(cause.getMessage() + ".",
                "Stop the daemon that serves unix://" + cause.socket() + ", or give imaged another socket with "
                        + "imaged.hosts (env IMAGED_HOSTS) or another imaged.data-root.", cause);
    }
}
