package io.imaged.store;

import io.imaged.digest.Digest;
import io.imaged.reference.ImageReference;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link ReferenceStore} on the file system: repo:tag and repo@digest → image ID. Kept in memory; on disk as a snapshot plus an append-only journal
 * ({@code references.log}, one fsynced line per change), so a tag costs one small write however many
 * references exist. A torn last line (a crash mid-append) is ignored.
 * <p>
 * The journal is compacted at startup and whenever it holds more than {@link #compactAfter} entries
 * (max({@value #MIN_JOURNAL_ENTRIES}, 4 × live references)), so it stays proportional to what is tagged however
 * often tags come and go, and a compaction's cost (one snapshot) is spread over at least that many changes.
 * A compaction writes the new snapshot atomically and only then starts a new journal. Every journal line sets a
 * reference to its final value (put or remove, never relative), so replaying the old journal over the new snapshot
 * changes nothing: a crash between the two steps leaves a store that reads the same as before and after.
 * <p>
 * Opening reads only the names and image IDs; the names are parsed (normalised, ordered per image) at the first call
 * that needs them — 40,000 references take most of a second to parse, which a start need not wait for. A name that
 * does not parse (a damaged line) is dropped then, as it was dropped at the start before.
 */
public class FsReferenceStore implements ReferenceStore {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FsReferenceStore.class);
    /** A journal never compacts below this many entries: a few tags must not each rewrite the snapshot. */
    static final int MIN_JOURNAL_ENTRIES = 1024;
    private final Path snapshot;
    private final Path journal;
    private final Map<String, Digest> byName = new TreeMap<>();
    private final Map<String, ImageReference> parsed = new HashMap<>();
    private final Map<Digest, Map<Ordered, ImageReference>> byImage = new HashMap<>();
    /** byImage's values as immutable lists, made on first use after a change, so listing copies nothing. */
    private final Map<Digest, List<ImageReference>> listsByImage = new HashMap<>();
    private FileChannel journalChannel;
    private BufferedWriter journalWriter;
    /** Lines appended to the journal since the last compaction. */
    private int journalEntries;
    /** Whether byName holds names read at open that are not parsed and indexed yet ({@link #ensureParsed}). */
    private boolean unparsed;

    public FsReferenceStore(Path root) throws IOException {
        PrivateFiles.createDirectories(root);
        this.snapshot = root.resolve("references.snapshot");
        this.journal = root.resolve("references.log");
        load();
    }

    private void load() throws IOException {
        deleteTempFiles();
        // an empty journal means the snapshot is whole and current: a start need not rewrite it (an fsync of every
        // reference)
        boolean journalHasLines = Files.exists(journal) && Files.size(journal) > 0;
        List<String> lines = new ArrayList<>();
        for (Path p : List.of(snapshot, journal)) {
            if (!Files.exists(p)) continue;
            byte[] bytes = Files.readAllBytes(p);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n'); // anything after the last newline is a torn append
            if (end < 0) continue;
            lines.addAll(Arrays.asList(text.substring(0, end).split("\n")));
        }
        // the names and IDs only: parsing (normalising) them is the costly part, left for the first call needing it
        for (String line : lines) {
            String[] parts = line.split(" ");
            if (parts.length == 3 && parts[0].equals("+")) {
                try {
                    byName.put(parts[1], Digest.parse(parts[2]));
                } catch (IllegalArgumentException damaged) {
                    // a line without a valid image ID names nothing: skipped, as a name that does not parse is later
                }
            } else if (parts.length == 2 && parts[0].equals("-")) {
                byName.remove(parts[1]);
            }
        }
        unparsed = !byName.isEmpty();
        if (journalHasLines || !Files.exists(snapshot)) compact();
        else openJournal();
    }

    /** Parses and indexes the names read at open, in parallel; drops the ones that do not parse. Under the monitor. */
    private void ensureParsed() {
        if (!unparsed) return;
        unparsed = false;
        List<Map.Entry<String, Digest>> entries = List.copyOf(byName.entrySet());
        List<ImageReference> refs = entries.parallelStream().map(e -> parseOrNull(e.getKey())).toList();
        for (int i = 0; i < entries.size(); i++) {
            String name = entries.get(i).getKey();
            if (refs.get(i) == null) {
                byName.remove(name);
                log.warn("a stored reference does not parse and is dropped: {}", io.imaged.error.ErrorMessages.safe(name, "?"));
            } else {
                index(refs.get(i), name, entries.get(i).getValue());
            }
        }
    }

    private static ImageReference parseOrNull(String name) {
        try {
            return ImageReference.parse(name);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Snapshot temp files a crash left behind mid-compaction (the old snapshot and journal are still whole). */
    private void deleteTempFiles() throws IOException {
        try (var entries = Files.newDirectoryStream(snapshot.getParent(), ".tmp-*")) {
            for (Path p : entries) Files.deleteIfExists(p);
        }
    }

    /** The journal length above which it is folded into a new snapshot. */
    int compactAfter() {
        return Math.max(MIN_JOURNAL_ENTRIES, 4 * byName.size());
    }

    /** Lines in the journal now (for tests and the compaction rule). */
    synchronized int journalEntries() {
        return journalEntries;
    }

    /**
     * Writes every live reference to a new snapshot (atomically: the commit point), then replaces the journal by an
     * empty one. If the journal cannot be replaced, appending to the old one stays correct (see the class comment).
     */
    synchronized void compact() throws IOException {
        beforeNewSnapshot();
        StringBuilder sb = new StringBuilder();
        byName.forEach((name, id) -> sb.append("+ ").append(name).append(' ').append(id).append('\n'));
        AtomicFiles.write(snapshot, sb.toString().getBytes(StandardCharsets.UTF_8));
        afterNewSnapshot();
        closeJournal();
        try {
            Files.deleteIfExists(journal);
            AtomicFiles.fsyncDirectory(journal.getParent());
            journalEntries = 0;
        } finally {
            openJournal();
        }
    }

    /** Test hooks for crash points around the snapshot's commit; nothing in production. */
    void beforeNewSnapshot() throws IOException {
    }

    void afterNewSnapshot() throws IOException {
    }

    private void openJournal() throws IOException {
        journalChannel = PrivateFiles.openChannel(journal, StandardOpenOption.APPEND);
        journalWriter = new BufferedWriter(Channels.newWriter(journalChannel, StandardCharsets.UTF_8));
    }

    /** Compacts when the journal has grown past its bound; a failure leaves the (correct) longer journal in use. */
    private void compactIfLong() {
        if (journalEntries <= compactAfter()) return;
        try {
            compact();
        } catch (IOException e) {
            // the reason only: an IOException's message names the file, and no log line shows the data root's paths
            String why = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                    : e.getClass().getSimpleName();
            log.warn("cannot compact the reference journal ({}); will retry after the next change", why);
        }
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
        journalEntries++;
    }

    @Override
    public synchronized Digest put(ImageReference ref, Digest image) throws IOException {
        ensureParsed();
        String name = ref.toString();
        Digest old = byName.get(name);
        if (image.equals(old)) return old;
        append("+ " + name + " " + image);
        putInMemory(ref, image);
        compactIfLong();
        return old;
    }

    @Override
    public synchronized boolean remove(ImageReference ref) throws IOException {
        ensureParsed();
        String name = ref.toString();
        if (!byName.containsKey(name)) return false;
        append("- " + name);
        removeInMemory(name);
        compactIfLong();
        return true;
    }

    @Override
    public synchronized Digest get(ImageReference ref) {
        return byName.get(ref.toString());
    }

    @Override
    public synchronized List<ImageReference> referencesTo(Digest image) {
        ensureParsed();
        List<ImageReference> list = listsByImage.get(image);
        if (list == null) {
            Map<Ordered, ImageReference> refs = byImage.get(image);
            if (refs == null) return List.of();
            list = List.copyOf(refs.values());
            listsByImage.put(image, list);
        }
        return list;
    }

    @Override
    public synchronized Map<String, Digest> snapshot() {
        ensureParsed();
        return Collections.unmodifiableMap(new TreeMap<>(byName));
    }

    @Override
    public synchronized Collection<Digest> referencedImages() {
        ensureParsed();
        return List.copyOf(byImage.keySet());
    }

    @Override
    public synchronized int size() {
        return byName.size();
    }

    @Override
    public synchronized void close() throws IOException {
        closeJournal();
    }

    /**
     * An image's references are ordered as moby's lexicalRefs orders them: by their familiar form. The key carries
     * that form, worked out once per reference (a comparator that parsed the names again parsed each of them at
     * every comparison: as costly at startup as reading all the references).
     */
    private record Ordered(String familiar, String name) implements Comparable<Ordered> {
        @Override
        public int compareTo(Ordered o) {
            int c = familiar.compareTo(o.familiar);
            return c != 0 ? c : name.compareTo(o.name);
        }
    }

    private void putInMemory(ImageReference ref, Digest image) {
        String name = ref.toString();
        Digest old = byName.put(name, image);
        if (old != null) dropReverse(old, name);
        index(ref, name, image);
    }

    /** Adds a parsed reference to the reverse maps ({@code byName} already holds it). */
    private void index(ImageReference ref, String name, Digest image) {
        parsed.put(name, ref);
        byImage.computeIfAbsent(image, k -> new TreeMap<>()).put(new Ordered(ref.familiarString(), name), ref);
        listsByImage.remove(image);
    }

    private void removeInMemory(String name) {
        Digest old = byName.remove(name);
        if (old != null) dropReverse(old, name);
        parsed.remove(name);
    }

    /** Drops {@code name} from the image's references; {@link #parsed} must still hold it. */
    private void dropReverse(Digest image, String name) {
        Map<Ordered, ImageReference> refs = byImage.get(image);
        ImageReference ref = parsed.get(name);
        if (refs != null && ref != null) {
            refs.remove(new Ordered(ref.familiarString(), name));
            if (refs.isEmpty()) byImage.remove(image);
            listsByImage.remove(image);
        }
    }
}
