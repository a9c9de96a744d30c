package io.imaged.api.listener;

/**
 * Which kind of listener a request came through, set on every request by {@link ListenerValve} under
 * {@link #ATTRIBUTE}: the browser guard applies to TCP listeners only, and the DNS-rebinding check to plain-HTTP
 * ones only.
 *
 * @param unixSocket the request came through a {@code unix://} listener
 * @param tls        the connection is TLS
 */
public record Listener(boolean unixSocket, boolean tls) {
    public static final String ATTRIBUTE = Listener.class.getName();
}
