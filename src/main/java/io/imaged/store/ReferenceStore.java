package io.imaged.store;

import io.imaged.image.ImageReference;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * repo:tag and repo@digest → image ID. Kept in memory; on disk as a snapshot plus an append-only journal
 * ({@code references.log}, one fsynced line per change), so a tag costs one small write however many
 * references exist. A torn last line (a crash mid-append) is ignored; startup compacts the journal.
 */
public class ReferenceStore {
    private final Path snapshot;
    private final Path journal;
    private final Map<String, Digest> byName = new TreeMap<>();
    private final Map<String, ImageReference> parsed = new HashMap<>();
    private final Map<Digest, Map<String, ImageReference>> byImage = new HashMap<>();
    private FileChannel journalChannel;
    private BufferedWriter journalWriter;

    public ReferenceStore(Path root) throws IOException {
        Files.createDirectories(root);
        this.snapshot = root.resolve("references.snapshot");
        this.journal = root.resolve("references.log");
        load();
    }

    private void load() throws IOException {
        for (Path p : List.of(snapshot, journal)) {
            if (!Files.exists(p)) continue;
            byte[] bytes = Files.readAllBytes(p);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n'); // anything after the last newline is a torn append
            if (end < 0) continue;
            for (String line : text.substring(0, end).split("\n")) apply(line);
        }
        compact();
    }

    private void apply(String line) {
        String[] parts = line.split(" ");
        try {
            if (parts.length == 3 && parts[0].equals("+")) {
                putInMemory(ImageReference.parse(parts[1]), Digest.parse(parts[2]));
            } else if (parts.length == 2 && parts[0].equals("-")) {
                removeInMemory(parts[1]);
            }
        } catch (IllegalArgumentException e) {
            // a corrupt line names nothing usable; skip it
        }
    }

    private synchronized void compact() throws IOException {
        StringBuilder sb = new StringBuilder();
        byName.forEach((name, id) -> sb.append("+ ").append(name).append(' ').append(id).append('\n'));
        AtomicFiles.write(snapshot, sb.toString().getBytes(StandardCharsets.UTF_8));
        closeJournal();
        Files.deleteIfExists(journal);
        AtomicFiles.fsyncDirectory(journal.getParent());
        journalChannel = FileChannel.open(journal, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        journalWriter = new BufferedWriter(Channels.newWriter(journalChannel, StandardCharsets.UTF_8));
    }

    private void closeJournal() throws IOException {
        if (journalWriter != null) journalWriter.close();
        journalWriter = null;
        journalChannel = null;
    }

    private void append(String line) throws IOException {
        journalWriter.write(line);
        journalWriter.write('\n');
        journalWriter.flush();
        journalChannel.force(false);
    }

    /** Points {@code ref} (fully qualified string) at {@code image}; returns the image it pointed at before. */
    public synchronized Digest put(ImageReference ref, Digest image) throws IOException {
        String name = ref.toString();
        Digest old = byName.get(name);
        if (image.equals(old)) return old;
        append("+ " + name + " " + image);
        putInMemory(ref, image);
        return old;
    }

    public synchronized boolean remove(ImageReference ref) throws IOException {
        String name = ref.toString();
        if (!byName.containsKey(name)) return false;
        append("- " + name);
        removeInMemory(name);
        return true;
    }

    public synchronized Digest get(ImageReference ref) {
        return byName.get(ref.toString());
    }

    /** All references to an image, sorted, as full reference strings. */
    public synchronized List<ImageReference> referencesTo(Digest image) {
        Map<String, ImageReference> refs = byImage.get(image);
        return refs == null ? List.of() : List.copyOf(refs.values());
    }

    public synchronized Map<String, Digest> snapshot() {
        return Collections.unmodifiableMap(new TreeMap<>(byName));
    }

    public synchronized Collection<Digest> referencedImages() {
        return List.copyOf(byImage.keySet());
    }

    public synchronized void close() throws IOException {
        closeJournal();
    }

    private static final java.util.Comparator<String> FAMILIAR_ORDER = java.util.Comparator
            .comparing((String n) -> ImageReference.parse(n).familiarString()).thenComparing(n -> n);

    private void putInMemory(ImageReference ref, Digest image) {
        String name = ref.toString();
        Digest old = byName.put(name, image);
        if (old != null) dropReverse(old, name);
        parsed.put(name, ref);
        // ordered as moby's lexicalRefs orders an image's references: by their familiar form
        byImage.computeIfAbsent(image, k -> new TreeMap<>(FAMILIAR_ORDER)).put(name, ref);
    }

    private void removeInMemory(String name) {
        Digest old = byName.remove(name);
        parsed.remove(name);
        if (old != null) dropReverse(old, name);
    }

    private void dropReverse(Digest image, String name) {
        Map<String, ImageReference> refs = byImage.get(image);
        if (refs != null) {
            refs.remove(name);
            if (refs.isEmpty()) byImage.remove(image);
        }
    }
}
