package io.imaged.engine;

/**
 * The Docker Engine release imaged answers as: {@code /version}, {@code /info}, the {@code Server} header, the
 * {@code User-Agent} a registry sees and the {@code docker_version} of an imported image's config.
 */
public final class Engine {
    public static final String VERSION = "28.2.2";

    private Engine() {
    }
}
