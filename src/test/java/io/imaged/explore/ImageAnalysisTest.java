package io.imaged.explore;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** What each layer adds, changes and deletes, and dive's wasted space, on three small layers. */
class ImageAnalysisTest {
    private static LayerEntry file(String path, long size) {
        return new LayerEntry(path, "file", size, 0644, "");
    }

    private static LayerEntry dir(String path) {
        return new LayerEntry(path, LayerEntry.DIR, 0, 0755, "");
    }

    private static LayerEntry whiteout(String path) {
        return new LayerEntry(path, LayerEntry.WHITEOUT, 0, 0644, "");
    }

    private static LayerEntry opaque(String path) {
        return new LayerEntry(path, LayerEntry.OPAQUE, 0, 0644, "");
    }

    static ImageAnalysis sample() {
        return ImageAnalysis.of(List.of(
                new ImageAnalysis.LayerInput("sha256:l0", 22, List.of(dir("etc"), file("etc/a", 10), file("etc/b", 5),
                        dir("d"), file("d/x", 3), file("d/y", 4))),
                // the whiteout comes after a file in the tar: it still acts on the layers below only
                new ImageAnalysis.LayerInput("sha256:l1", 3, List.of(file("etc/a", 2), whiteout("etc/b"), file("new/n", 1))),
                new ImageAnalysis.LayerInput("sha256:l2", 1, List.of(file("new/m", 1), whiteout("d"), opaque("new")))));
    }

    @Test
    void eachLayerSaysWhatItAddsChangesAndDeletes() {
        ImageAnalysis a = sample();
        assertThat(a.layers()).extracting(LayerSummary::added).containsExactly(6, 1, 1);
        assertThat(a.layers()).extracting(LayerSummary::changed).containsExactly(0, 1, 0);
        assertThat(a.layers()).extracting(LayerSummary::deleted).containsExactly(0, 1, 2);
        assertThat(a.layers()).extracting(LayerSummary::removedBytes).containsExactly(0L, 5L, 8L);
        Map<String, LayerFile> l1 = a.files().get(1).stream().collect(Collectors.toMap(LayerFile::path, f -> f));
        assertThat(l1.get("etc/a").change()).isEqualTo(LayerFile.Change.CHANGED);
        assertThat(l1.get("etc/b").change()).isEqualTo(LayerFile.Change.DELETED);
        assertThat(l1.get("etc/b").type()).isEqualTo(LayerEntry.WHITEOUT);
        assertThat(l1.get("new/n").change()).isEqualTo(LayerFile.Change.ADDED);
        assertThat(a.files().get(1)).extracting(LayerFile::path).as("sorted by path").containsExactly("etc/a", "etc/b", "new/n");
    }

    @Test
    void filesThatLaterLayersOverwriteOrDeleteAreWasted() {
        ImageAnalysis a = sample();
        Map<String, Boolean> base = a.files().get(0).stream().collect(Collectors.toMap(LayerFile::path, LayerFile::superseded));
        assertThat(base).containsEntry("etc/a", true).containsEntry("etc/b", true).containsEntry("d/x", true)
                .containsEntry("d", true).containsEntry("etc", false);
        // per layer: the bytes of its own files that a later layer hides (new/n: hidden by l2's opaque directory)
        assertThat(a.layers()).extracting(LayerSummary::wastedBytes).containsExactly(22L, 1L, 0L);
        // dive: every copy of each path written or deleted by more than one layer: etc/a 10+2, etc/b 5+0, d 0+7
        assertThat(a.wastedBytes()).isEqualTo(24);
        // dive's score: smallest copy of each path over all copies, (0+2+0+0+3+4+1+1) / (0+12+5+7+3+4+1+1)
        assertThat(a.efficiency()).isEqualTo(11.0 / 33.0);
    }

    @Test
    void anImageWithoutRepeatsWastesNothing() {
        ImageAnalysis a = ImageAnalysis.of(List.of(new ImageAnalysis.LayerInput("sha256:x", 3, List.of(file("a", 3)))));
        assertThat(a.wastedBytes()).isZero();
        assertThat(a.efficiency()).isEqualTo(1.0);
        assertThat(a.layers().get(0).wastedBytes()).isZero();
    }
}
