package io.imaged.api.listener;

import java.nio.file.Path;

/** Another server answers on a unix socket imaged was asked to listen on. */
public class SocketInUseException extends IllegalStateException {
    private final transient Path socket;

    public SocketInUseException(Path socket) {
        super("another daemon is already listening on unix://" + socket);
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }
}
