package io.imaged.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The real {@code docker} CLI pointed at a daemon, with a private config directory. */
public final class DockerCli {
    private final String host;
    private final Path config;
    private final String apiVersion;
    private final Map<String, String> extraEnv;

    public DockerCli(String dockerHost, Path configDir) {
        this(dockerHost, configDir, null, Map.of());
    }

    private DockerCli(String dockerHost, Path configDir, String apiVersion, Map<String, String> extraEnv) {
        this.host = dockerHost;
        this.config = configDir;
        this.apiVersion = apiVersion;
        this.extraEnv = Map.copyOf(extraEnv);
        try {
            Files.createDirectories(configDir);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same CLI pinned to an older API version (DOCKER_API_VERSION), as an old client would talk. */
    public DockerCli withApiVersion(String version) {
        return new DockerCli(host, config, version, extraEnv);
    }

    /** The same CLI with one more environment variable (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, ...). */
    public DockerCli withEnv(String name, String value) {
        Map<String, String> env = new java.util.LinkedHashMap<>(extraEnv);
        env.put(name, value);
        return new DockerCli(host, config, apiVersion, env);
    }

    public static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "docker"))) return true;
        }
        return false;
    }

    public record Result(int exitCode, String stdout, String stderr) {
        public Result ok() {
            if (exitCode != 0) throw new AssertionError("docker failed (" + exitCode + "): " + stderr + stdout);
            return this;
        }

        public List<String> lines() {
            return stdout.isEmpty() ? List.of() : List.of(stdout.split("\n"));
        }
    }

    public Result run(String... args) {
        return run(null, args);
    }

    /** The CLI's config folder ({@code DOCKER_CONFIG}: {@code config.json} after a login). */
    public Path config() {
        return config;
    }

    /**
     * Starts docker in the background, its output (stdout and stderr) going to {@code output}: for a client that a
     * test stops (kills) in the middle.
     */
    public Process start(Path output, String... args) throws IOException {
        return builder(args).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    /** {@code docker args...} with this CLI's environment. */
    private ProcessBuilder builder(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("docker");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        environment(pb.environment());
        return pb;
    }

    private void environment(Map<String, String> env) {
        env.put("DOCKER_HOST", host);
        env.put("DOCKER_CONFIG", config.toString());
        env.remove("DOCKER_CONTEXT");
        env.remove("DOCKER_API_VERSION");
        env.remove("DOCKER_TLS_VERIFY");
        env.remove("DOCKER_CERT_PATH");
        if (apiVersion != null) env.put("DOCKER_API_VERSION", apiVersion);
        env.putAll(extraEnv);
    }

    /** Runs docker with {@code stdin} (may be null) fed to it. */
    public Result run(InputStream stdin, String... args) {
        ProcessBuilder pb = builder(args);
        try {
            Process p = pb.start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) stdin.transferTo(in);
            } catch (IOException brokenPipe) {
                // docker exited before reading all input; its exit code says why
            }
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("docker " + args[0] + " timed out");
            }
            return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
                    new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs docker and returns its stdout as bytes (e.g. {@code docker save} to stdout); fails on a non-zero exit. */
    public byte[] runBytes(String... args) {
        ProcessBuilder pb = builder(args);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            byte[] out = readAll(p.getInputStream());
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("docker " + args[0] + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("docker failed (" + p.exitValue() + "): " + new String(err.join(), StandardCharsets.UTF_8));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toByteArray();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
