package io.imaged.store;

import io.imaged.digest.Digest;
import io.imaged.reference.ImageReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The reference journal stays bounded while tags come and go (it is compacted as it grows, not only at startup),
 * and a crash at any point of a compaction reopens to the same references.
 */
class ReferenceJournalTest {
    private static final Digest A = Digest.sha256("image a");
    private static final Digest B = Digest.sha256("image b");

    @TempDir
    Path dir;

    private long journalLines() throws IOException {
        Path log = dir.resolve("references.log");
        return Files.exists(log) ? Files.readAllLines(log).size() : 0;
    }

    private static ImageReference ref(String s) {
        return ImageReference.parse(s);
    }

    /** Thousands of fsynced appends take a minute on a shared disk; on tmpfs (when there is one) the logic is the same. */
    private void onTmpfsIfPossible() throws IOException {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) dir = Files.createTempDirectory(shm, "refjournal-");
    }

    @org.junit.jupiter.api.AfterEach
    void removeTmpfsDir() throws IOException {
        if (dir.startsWith("/dev/shm")) AtomicFiles.deleteTree(dir);
    }

    @Test
    void tenThousandTagsAndUntagsKeepTheJournalBoundedAndReopenTheSame() throws IOException {
        onTmpfsIfPossible();
        FsReferenceStore store = new FsReferenceStore(dir);
        for (int i = 0; i < 15; i++) store.put(ref("localhost/live/n" + i + ":1"), i % 2 == 0 ? A : B);
        long maxLines = 0;
        for (int i = 0; i < 10_000; i++) {
            ImageReference r = ref("localhost/churn/c" + (i % 7) + ":t" + (i % 3));
            if (i % 2 == 0) store.put(r, (i / 2) % 2 == 0 ? A : B);
            else store.remove(ref("localhost/churn/c" + ((i - 1) % 7) + ":t" + ((i - 1) % 3)));
            maxLines = Math.max(maxLines, store.journalEntries());
            if (i % 500 == 0) assertThat(journalLines()).isEqualTo(store.journalEntries()); // the counter is the file
        }
        // 15 live + churn: the bound is max(1024, 4 × live), never the 10,000 changes made
        assertThat(maxLines).isLessThanOrEqualTo(FsReferenceStore.MIN_JOURNAL_ENTRIES + 1);
        assertThat(maxLines).isGreaterThan(100); // it did journal between compactions
        Map<String, Digest> before = store.snapshot();
        assertThat(before).hasSize(15);
        store.close();

        FsReferenceStore reopened = new FsReferenceStore(dir);
        assertThat(reopened.snapshot()).isEqualTo(before);
        assertThat(reopened.referencesTo(A)).hasSize(8);
        assertThat(journalLines()).isZero(); // startup compacts too
        reopened.close();
    }

    @Test
    void boundGrowsWithTheLiveReferences() throws IOException {
        onTmpfsIfPossible();
        FsReferenceStore store = new FsReferenceStore(dir);
        for (int i = 0; i < 2000; i++) store.put(ref("localhost/many/m" + i + ":1"), A);
        // 2000 new references: the bound (4 × live) grows with them, so growth alone never rewrites the snapshot
        assertThat(store.compactAfter()).isEqualTo(8000);
        assertThat(store.journalEntries()).isEqualTo(2000);
        for (int i = 0; i < 7000; i++) store.put(ref("localhost/many/m" + (i % 2000) + ":1"), i % 2 == 0 ? B : A);
        assertThat(journalLines()).isLessThanOrEqualTo(8001);
        assertThat(store.journalEntries()).isEqualTo(journalLines());
        Map<String, Digest> before = store.snapshot();
        store.close();
        assertThat(new FsReferenceStore(dir).snapshot()).isEqualTo(before);
    }

    /** A store whose compaction dies at a chosen point, leaving the disk as a crash there would. */
    private static final class CrashingStore extends FsReferenceStore {
        private boolean crashBefore;
        private boolean crashAfter;

        CrashingStore(Path root) throws IOException {
            super(root);
        }

        @Override
        void beforeNewSnapshot() throws IOException {
            if (crashBefore) throw new IOException("crash before the new snapshot");
        }

        @Override
        void afterNewSnapshot() throws IOException {
            if (crashAfter) throw new IOException("crash after the new snapshot, before the new journal");
        }
    }

    @Test
    void crashAfterTheNewSnapshotBeforeTheJournalIsReplacedReopensTheSame() throws IOException {
        CrashingStore store = new CrashingStore(dir);
        store.put(ref("localhost/keep/k:1"), A);
        store.put(ref("localhost/move/m:1"), A);
        store.put(ref("localhost/move/m:1"), B);
        store.put(ref("localhost/gone/g:1"), A);
        store.remove(ref("localhost/gone/g:1"));
        byte[] oldJournal = Files.readAllBytes(dir.resolve("references.log"));
        assertThat(new String(oldJournal)).contains("- docker.io/localhost/gone/g:1".replace("docker.io/", ""));
        store.crashAfter = true;
        assertThatThrownBy(store::compact).hasMessageContaining("after the new snapshot");
        Map<String, Digest> expected = store.snapshot();
        assertThat(expected).containsOnlyKeys("localhost/keep/k:1", "localhost/move/m:1");
        // the disk now: the new snapshot (all live references) next to the old journal, replayed over it on reopen
        assertThat(Files.readAllBytes(dir.resolve("references.log"))).isEqualTo(oldJournal);
        assertThat(Files.readString(dir.resolve("references.snapshot"))).contains("localhost/move/m:1 " + B);
        store.close();
        assertThat(new FsReferenceStore(dir).snapshot()).isEqualTo(expected);
    }

    @Test
    void crashBeforeTheNewSnapshotReopensFromTheOldOneAndTheJournal() throws IOException {
        CrashingStore store = new CrashingStore(dir);
        store.put(ref("localhost/keep/k:1"), A);
        store.put(ref("localhost/move/m:1"), B);
        Path snapshot = dir.resolve("references.snapshot");
        byte[] oldSnapshot = Files.readAllBytes(snapshot);
        store.crashBefore = true;
        assertThatThrownBy(store::compact).hasMessageContaining("before the new snapshot");
        assertThat(Files.readAllBytes(snapshot)).isEqualTo(oldSnapshot);
        // a half-written snapshot temp file, as a crash inside AtomicFiles.write leaves it, is ignored and removed
        Files.writeString(dir.resolve(".tmp-references.snapshot123"), "+ localhost/torn/t:1 " + A + "\n+ loc");
        Map<String, Digest> expected = store.snapshot();
        store.close();
        FsReferenceStore reopened = new FsReferenceStore(dir);
        assertThat(reopened.snapshot()).isEqualTo(expected).containsOnlyKeys("localhost/keep/k:1", "localhost/move/m:1");
        assertThat(dir.resolve(".tmp-references.snapshot123")).doesNotExist();
    }

    @Test
    void crashAfterAFullCompactionWithTheOldJournalStillThereReopensTheSame() throws IOException {
        FsReferenceStore store = new FsReferenceStore(dir);
        store.put(ref("localhost/a/x:1"), A);
        store.put(ref("localhost/a/y:1"), B);
        store.remove(ref("localhost/a/x:1"));
        store.put(ref("localhost/a/x:2"), A);
        Path journal = dir.resolve("references.log");
        Path saved = dir.resolve("saved.log");
        Files.copy(journal, saved);
        store.compact();
        Map<String, Digest> expected = store.snapshot();
        store.close();
        // as if the journal's deletion had not reached the disk: every line in it is already in the snapshot
        Files.move(saved, journal, StandardCopyOption.REPLACE_EXISTING);
        assertThat(new FsReferenceStore(dir).snapshot()).isEqualTo(expected).containsOnlyKeys("localhost/a/y:1", "localhost/a/x:2");
    }

    @Test
    void anImagesReferencesAreInFamiliarOrderThroughMovesRemovalsAndAReopen() throws IOException {
        FsReferenceStore refs = new FsReferenceStore(dir);
        for (String r : List.of("localhost:5000/z:1", "busybox:latest", "example.com/a:2", "alpine:3", "busybox@" + A)) {
            refs.put(ImageReference.parse(r), A);
        }
        assertThat(refs.referencesTo(A).stream().map(ImageReference::familiarString))
                .containsExactly("alpine:3", "busybox:latest", "busybox@" + A, "example.com/a:2", "localhost:5000/z:1");
        refs.put(ImageReference.parse("busybox:latest"), B); // the tag moves to B
        refs.remove(ImageReference.parse("example.com/a:2"));
        assertThat(refs.referencesTo(A).stream().map(ImageReference::familiarString))
                .containsExactly("alpine:3", "busybox@" + A, "localhost:5000/z:1");
        assertThat(refs.referencesTo(B).stream().map(ImageReference::familiarString)).containsExactly("busybox:latest");
        refs.close();

        FsReferenceStore reopened = new FsReferenceStore(dir);
        assertThat(reopened.referencesTo(A).stream().map(ImageReference::familiarString))
                .containsExactly("alpine:3", "busybox@" + A, "localhost:5000/z:1");
        assertThat(reopened.referencesTo(B).stream().map(ImageReference::familiarString)).containsExactly("busybox:latest");
        reopened.remove(ImageReference.parse("busybox:latest"));
        assertThat(reopened.referencesTo(B)).isEmpty();
        assertThat(reopened.referencedImages()).containsExactly(A);
        reopened.close();
    }

    @Test
    void aDamagedLineIsDroppedWhenTheNamesAreFirstParsed() throws IOException {
        java.nio.file.Files.writeString(dir.resolve("references.snapshot"),
                "+ docker.io/library/busybox:latest " + A + "\n"
                        + "+ docker.io/library/Not_Valid:1 " + A + "\n"         // does not parse
                        + "+ docker.io/library/alpine:3 not-a-digest\n"          // no image ID
                        + "+ docker.io/library/alpine:3.19 " + B + "\n");
        FsReferenceStore refs = new FsReferenceStore(dir);
        assertThat(refs.get(ImageReference.parse("busybox:latest"))).isEqualTo(A);
        assertThat(refs.snapshot()).containsOnlyKeys("docker.io/library/alpine:3.19", "docker.io/library/busybox:latest");
        assertThat(refs.size()).isEqualTo(2);
        assertThat(refs.referencesTo(A).stream().map(ImageReference::familiarString)).containsExactly("busybox:latest");
        assertThat(refs.referencedImages()).containsExactlyInAnyOrder(A, B);
        refs.close();
    }
}
