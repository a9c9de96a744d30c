package io.imaged.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.digest.Digest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which repositories are known to hold a blob (from earlier pushes): the candidates for a cross-repository mount
 * ({@code POST /v2/<repo>/blobs/uploads/?mount=&from=}), like dockerd's v2 metadata. Kept in
 * {@code <data-root>/distribution/blob-locations.json}, at most {@value #MAX_PER_BLOB} repositories per blob
 * (the most recent). Only a hint: a mount that fails falls back to an upload.
 */
public class BlobLocations {
    static final int MAX_PER_BLOB = 8;
    private static final Logger log = LoggerFactory.getLogger(BlobLocations.class);
    private final Path file;
    private final ObjectMapper json;
    private final Map<String, List<String>> byDigest = new LinkedHashMap<>();

    BlobLocations(Path file, ObjectMapper json) {
        this.file = file;
        this.json = json;
        try {
            if (Files.exists(file)) byDigest.putAll(json.readValue(file.toFile(), new TypeReference<Map<String, List<String>>>() {
            }));
        } catch (IOException | RuntimeException e) {
            log.warn("ignoring unreadable {}: {}", file, e.getMessage());
        }
    }

    /** Repositories (fully qualified, e.g. {@code 127.0.0.1:5000/test/small}) known to hold {@code blob}. */
    public synchronized List<String> repositories(Digest blob) {
        List<String> l = byDigest.get(blob.toString());
        return l == null ? List.of() : List.copyOf(l);
    }

    /** Remembers that each of {@code blobs} is in {@code repository}, and saves. */
    public synchronized void add(String repository, List<Digest> blobs) throws IOException {
        boolean changed = false;
        for (Digest d : blobs) {
            List<String> l = byDigest.computeIfAbsent(d.toString(), k -> new ArrayList<>());
            if (!l.isEmpty() && l.get(l.size() - 1).equals(repository)) continue;
            l.remove(repository);
            l.add(repository);
            while (l.size() > MAX_PER_BLOB) l.remove(0);
            changed = true;
        }
        if (changed) {
            PrivateFiles.createDirectories(file.getParent());
            AtomicFiles.write(file, json.writeValueAsBytes(byDigest));
        }
    }
}
