package io.imaged.api.listener;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns bad listener settings into Spring Boot's short "APPLICATION FAILED TO START" report, without a stack trace. */
public class ListenerSettingsFailureAnalyzer extends AbstractFailureAnalyzer<ListenerSettingsException> {
    @Override
    protected FailureAnalysis analyze(Throwable root, ListenerSettingsException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
