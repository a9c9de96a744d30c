package io.imaged.explore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * What each layer of an image adds, changes and deletes, and the space wasted by files that later layers overwrite
 * or delete. Computed once from all the layers' entries (base first), then only read.
 *
 * @param layers      per layer, its summary
 * @param files       per layer, its entries sorted by path
 * @param wastedBytes dive's potential wasted space (see {@link FilesPage#wastedBytes()})
 * @param efficiency  dive's efficiency score
 */
public record ImageAnalysis(List<LayerSummary> layers, List<List<LayerFile>> files, long wastedBytes, double efficiency) {

    /** One layer's tar, read: its diff ID, its size as the store counts it, its entries in tar order. */
    public record LayerInput(String diffId, long size, List<LayerEntry> entries) {
    }

    /** An entry while the layers are stacked: which later layer hides it is only known at the end. */
    private static final class Slot {
        final LayerEntry entry;
        LayerFile.Change change;
        long removed;
        boolean superseded;

        Slot(LayerEntry entry) {
            this.entry = entry;
        }
    }

    /** dive's per-path figures: how many layers name the path and the bytes of all of them. */
    private static final class PathUse {
        int count;
        long cumulative;
        long min = -1;

        void add(long bytes) {
            count++;
            cumulative += bytes;
            if (min < 0 || bytes < min) min = bytes;
        }
    }

    public static ImageAnalysis of(List<LayerInput> inputs) {
        // the file system as the layers so far build it: path -> the entry that provides it
        NavigableMap<String, Slot> stacked = new TreeMap<>();
        Map<String, PathUse> uses = new HashMap<>();
        List<List<Slot>> perLayer = new ArrayList<>();
        for (LayerInput in : inputs) {
            List<Slot> slots = new ArrayList<>(in.entries().size());
            // whiteouts act on the layers below only, whatever their place in the tar: apply them first
            for (LayerEntry e : in.entries()) {
                if (!e.deletes()) continue;
                Slot s = new Slot(e);
                s.change = LayerFile.Change.DELETED;
                boolean opaque = e.type().equals(LayerEntry.OPAQUE);
                Slot previous = opaque ? null : stacked.get(e.path());
                NavigableMap<String, Slot> children = children(stacked, e.path());
                long childBytes = 0;
                for (Slot hidden : children.values()) {
                    hidden.superseded = true;
                    childBytes += hidden.entry.size();
                }
                children.clear();
                s.removed = childBytes;
                if (previous != null) {
                    previous.superseded = true;
                    s.removed += previous.entry.size();
                    stacked.remove(e.path());
                }
                if (!opaque) {
                    // dive sizes a whiteout by what it deletes when that was a directory, else as 0 (the file's
                    // own copy already counts under the same path)
                    uses.computeIfAbsent(e.path(), p -> new PathUse())
                            .add(previous != null && previous.entry.type().equals(LayerEntry.DIR) ? childBytes : 0);
                }
                slots.add(s);
            }
            for (LayerEntry e : in.entries()) {
                if (e.deletes()) continue;
                Slot s = new Slot(e);
                Slot previous = stacked.put(e.path(), s);
                if (previous != null) previous.superseded = true;
                s.change = previous == null ? LayerFile.Change.ADDED : LayerFile.Change.CHANGED;
                uses.computeIfAbsent(e.path(), p -> new PathUse()).add(e.size());
                slots.add(s);
            }
            perLayer.add(slots);
        }
        long wasted = 0, minimum = 0, discovered = 0;
        for (PathUse u : uses.values()) {
            if (u.count > 1) wasted += u.cumulative;
            minimum += Math.max(u.min, 0);
            discovered += u.cumulative;
        }
        List<LayerSummary> summaries = new ArrayList<>();
        List<List<LayerFile>> files = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            int added = 0, changed = 0, deleted = 0;
            long removed = 0, layerWasted = 0;
            List<LayerFile> out = new ArrayList<>(perLayer.get(i).size());
            for (Slot s : perLayer.get(i)) {
                switch (s.change) {
                    case ADDED -> added++;
                    case CHANGED -> changed++;
                    case DELETED -> deleted++;
                }
                removed += s.removed;
                if (s.superseded) layerWasted += s.entry.size();
                LayerEntry e = s.entry;
                out.add(new LayerFile(e.path(), e.type(), e.size(), e.mode(), e.linkTarget(), s.change, s.removed, s.superseded));
            }
            out.sort(Comparator.comparing(LayerFile::path).thenComparing(f -> f.change() != LayerFile.Change.DELETED));
            LayerInput in = inputs.get(i);
            summaries.add(new LayerSummary(i, in.diffId(), in.size(), out.size(), added, changed, deleted, removed, layerWasted));
            files.add(List.copyOf(out));
        }
        double efficiency = discovered == 0 ? 1.0 : (double) minimum / discovered;
        return new ImageAnalysis(List.copyOf(summaries), List.copyOf(files), wasted, efficiency);
    }

    /** The entries below {@code dir}, as a live view of the map ("" is the root: everything). */
    private static NavigableMap<String, Slot> children(NavigableMap<String, Slot> stacked, String dir) {
        if (dir.isEmpty()) return stacked;
        // every path under dir/ sorts between "dir/" and "dir0" ('0' follows '/')
        return stacked.subMap(dir + "/", true, dir + "0", false);
    }
}
