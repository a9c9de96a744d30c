package io.imaged.store;

import io.imaged.digest.Digest;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/** {@link StoreBackend} on the file system; each write is a temp file, fsync and rename. */
public class FsStoreBackend implements StoreBackend {
    private static final Pattern HEX64 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private final Path content;
    private final Path metadata;

    public FsStoreBackend(Path root) throws IOException {
        this.content = root.resolve("content").resolve("sha256");
        this.metadata = root.resolve("metadata").resolve("sha256");
        PrivateFiles.createDirectories(content);
        PrivateFiles.createDirectories(metadata);
    }

    @Override
    public void walk(BiConsumer<Digest, byte[]> each) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(content)) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (HEX64.matcher(name).matches()) names.add(name);
                else Files.deleteIfExists(p); // a temp file a crash left behind
            }
        }
        // reading and hashing every config is most of startup with many images: spread it over the cores
        Set<String> verified = ConcurrentHashMap.newKeySet();
        Queue<Digest> corrupt = new ConcurrentLinkedQueue<>();
        try {
            names.parallelStream().forEach(name -> {
                Digest d = new Digest("sha256", name);
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(content.resolve(name));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (!Digest.sha256(bytes).equals(d)) {
                    corrupt.add(d); // torn or corrupted content never becomes an image
                    return;
                }
                verified.add(name);
                each.accept(d, bytes);
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        for (Digest d : corrupt) delete(d);
        // metadata without content is what a crash between the two writes leaves
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(metadata)) {
            for (Path p : dir) {
                if (!verified.contains(p.getFileName().toString())) AtomicFiles.deleteTree(p);
            }
        }
    }

    @Override
    public byte[] get(Digest digest) throws IOException {
        return Files.readAllBytes(content.resolve(digest.hex()));
    }

    @Override
    public Digest set(byte[] bytes) throws IOException {
        Digest d = Digest.sha256(bytes);
        Path target = content.resolve(d.hex());
        if (!Files.exists(target)) AtomicFiles.write(target, bytes);
        return d;
    }

    @Override
    public void delete(Digest digest) throws IOException {
        AtomicFiles.deleteTree(metadata.resolve(digest.hex()));
        Files.deleteIfExists(content.resolve(digest.hex()));
        AtomicFiles.fsyncDirectory(content);
    }

    @Override
    public void setMetadata(Digest digest, String key, byte[] value) throws IOException {
        AtomicFiles.write(metadata.resolve(digest.hex()).resolve(checkKey(key)), value);
    }

    @Override
    public byte[] getMetadata(Digest digest, String key) throws IOException {
        try {
            return Files.readAllBytes(metadata.resolve(digest.hex()).resolve(checkKey(key)));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public void deleteMetadata(Digest digest, String key) throws IOException {
        Files.deleteIfExists(metadata.resolve(digest.hex()).resolve(checkKey(key)));
    }

    private static String checkKey(String key) {
        if (!KEY.matcher(key).matches()) throw new IllegalArgumentException("invalid metadata key: " + key);
        return key;
    }
}
