package io.imaged.api.listener;

/**
 * The listener settings ({@code imaged.hosts}, {@code imaged.tls.*}, {@code imaged.tcp-unauthenticated}) cannot be
 * served safely or at all; startup stops. The message names the setting at fault, {@link #action()} says what to do.
 */
public class ListenerSettingsException extends IllegalStateException {
    private final String action;

    public ListenerSettingsException(String message, String action) {
        super(message);
        this.action = action;
    }

    public ListenerSettingsException(String message, String action, Throwable cause) {
        super(message, cause);
        this.action = action;
    }

    public String action() {
        return action;
    }
}
