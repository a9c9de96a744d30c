package io.imaged.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the store holds in memory — every layer record and image — written when the store closes cleanly and read
 * at the next open instead of reading, hashing and parsing every config, metadata file and layer record, which is
 * most of a start with many images. The index is taken (read, then deleted) when the store opens, so a crash,
 * which writes none, always leads to the full recovery, with its rules unchanged. A stamp of the catalog
 * directories (their modification times: a config, layer record or blob added or removed changes them) guards
 * against changes made in between by anything else, an older imaged among them; a stamp that differs, a version
 * it does not know or a file that does not parse means the full recovery too. What the index cannot show (a config
 * corrupted on disk, a blob deleted behind the store's back) is checked after the start ({@link Store}).
 */
record StoreIndex(int version, Map<String, Long> stamp, List<Layer> layers, List<Image> images) {
    static final int VERSION = 1;
    static final String FILE = "store-index.json";
    /** The directories whose modification times make the stamp, relative to the data root. */
    /** The file's own mapper: its format must not follow the application's Jackson settings. */
    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final List<String> STAMPED = List.of("image/content/sha256", "image/metadata/sha256", "layerdb/sha256",
            "blobs/sha256");

    StoreIndex {
        stamp = Map.copyOf(stamp);
        layers = List.copyOf(layers);
        images = List.copyOf(images);
    }

    /** The stamp of the data root as it is now. */
    static Map<String, Long> stampOf(Path root) {
        Map<String, Long> stamp = new LinkedHashMap<>();
        for (String dir : STAMPED) {
            long t;
            try {
                t = Files.getLastModifiedTime(root.resolve(dir)).to(TimeUnit.NANOSECONDS);
            } catch (IOException e) {
                t = -1;
            }
            stamp.put(dir, t);
        }
        return stamp;
    }

    /**
     * Reads and deletes the index under {@code root}; empty when there is none, or it is of another version, does not
     * parse or does not match the data root's stamp now.
     */
    static Optional<StoreIndex> take(Path root) throws IOException {
        Path file = root.resolve(FILE);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        Files.delete(file);
        AtomicFiles.fsyncDirectory(root);
        StoreIndex index;
        try {
            index = JSON.readValue(bytes, StoreIndex.class);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        if (index.version() != VERSION || !index.stamp().equals(stampOf(root))) return Optional.empty();
        return Optional.of(index);
    }

    /** Writes the index of what the store holds now; call with the store held still and nothing left to change it. */
    void write(Path root) throws IOException {
        AtomicFiles.write(root.resolve(FILE), JSON.writeValueAsBytes(this));
    }
}
