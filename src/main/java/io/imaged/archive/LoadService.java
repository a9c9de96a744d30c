package io.imaged.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.events.EventBus;
import io.imaged.store.Committed;
import io.imaged.store.Image;
import io.imaged.store.ImageCommit;
import io.imaged.layer.InvalidArchiveException;
import io.imaged.layer.LayerIngester;
import io.imaged.digest.Digest;
import io.imaged.store.Layer;
import io.imaged.store.Lease;
import io.imaged.store.Store;
import io.imaged.transfer.TransferManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code docker load}: reads archives written by dockerd (legacy and Docker 25+ layouts), podman and skopeo
 * (docker-archive and OCI layout). Three phases keep the store as it was on any error: the archive is unpacked
 * and every name, JSON document and reference checked; then the layer files are measured in parallel, their diff
 * IDs verified and the files moved into the blob store under a lease; only then are layers registered, images
 * created and tags set, under the store's write lock.
 */
@Service
public class LoadService {
    private final ArchivePlanner planner;
    private static final Logger log = LoggerFactory.getLogger(LoadService.class);
    private final Store store;
    private final LayerIngester ingester;
    private final TransferManager transfers;
    private final EventBus events;
    private final ObjectMapper json;

    public LoadService(Store store, LayerIngester ingester, TransferManager transfers, EventBus events, ObjectMapper json) {
        this.planner = new ArchivePlanner(json);
        this.transfers = transfers;
        this.store = store;
        this.ingester = ingester;
        this.events = events;
        this.json = json;
    }

    public record LoadedLayer(Digest diffId, long tarSize) {
    }

    /** What a load did: the layers it stored, in order, and the lines dockerd prints (tag moves, Loaded image...). */
    public record Result(List<LoadedLayer> layers, List<String> lines) {
    }

    public Result load(InputStream body) throws IOException {
        long t0 = System.nanoTime();
        LayerFileMeasurer measurer = new LayerFileMeasurer(ingester, transfers, Runtime.getRuntime().availableProcessors());
        ArchiveReader.Unpacked archive;
        try {
            archive = ArchiveReader.unpack(body, store.blobs().localTempDir(), measurer::written);
            log.debug("load: archive unpacked in {} ms", (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            measurer.close();
            throw e;
        }
        // the measurer closes first: its reads end before the unpacked files go
        try (archive; measurer) {
            List<ArchivePlanner.Planned> plan = planner.plan(archive);
            boolean ok = false;
            try (Lease lease = store.lease()) {
                Map<Digest, LayerIngester.IngestedTar> ingested = ingestLayers(archive, plan, lease, measurer);
                log.debug("load: {} layers measured and stored after {} ms", ingested.size(), (System.nanoTime() - t0) / 1_000_000);
                List<String> lines = commit(plan, ingested, lease);
                log.debug("load: committed after {} ms", (System.nanoTime() - t0) / 1_000_000);
                ok = true;
                return new Result(ingested.values().stream()
                        .map(t -> new LoadedLayer(t.measurement().diffId(), t.measurement().tarSize())).toList(), lines);
            } finally {
                if (!ok) {
                    // blobs this load wrote and no image uses go again
                    try {
                        store.collectGarbage();
                    } catch (IOException e) {
                        log.warn("cleanup after a failed load: {}", e.toString());
                    }
                }
            }
        }
    }

    /** A layer file the store lacks, as one image of the archive names it. */
    private record Needed(Path file, String name, Digest diffId, Digest blobDigest, Digest imageId) {
    }

    /**
     * Stores every layer the store does not have yet, verifying diff IDs (and OCI blob digests). The layer files
     * are read in parallel, each once, most of them already while the archive was unpacked ({@link LayerFileMeasurer});
     * then, in the archive's order (so that the first fault reported is the first in the archive), checked and moved
     * into the blob store as they are.
     */
    private Map<Digest, LayerIngester.IngestedTar> ingestLayers(ArchiveReader.Unpacked archive, List<ArchivePlanner.Planned> plan,
                                                               Lease lease, LayerFileMeasurer measurer) throws IOException {
        List<Needed> needed = new ArrayList<>();
        Set<Digest> seen = new HashSet<>();
        for (ArchivePlanner.Planned p : plan) {
            List<Digest> chains = io.imaged.store.LayerStore.chainIds(p.parsed().diffIds());
            // leased before they are looked up: a layer stored now stays stored until the images commit
            lease.layers(chains);
            for (int i = 0; i < chains.size(); i++) {
                Digest diffId = p.parsed().diffIds().get(i);
                if (store.layers().exists(chains.get(i)) || !seen.add(diffId)) continue;
                String name = p.layerPaths().get(i);
                needed.add(new Needed(archive.require(name), name, diffId,
                        p.layerBlobDigests() == null ? null : p.layerBlobDigests().get(i), p.id()));
            }
        }
        Map<Path, LayerIngester.MeasuredFile> measured = measurer.measure(needed.stream().map(Needed::file).distinct().toList());
        Map<Digest, LayerIngester.IngestedTar> done = new LinkedHashMap<>();
        for (Needed n : needed) {
            LayerIngester.MeasuredFile m = measured.get(n.file());
            if (m == null) {
                done.put(n.diffId(), storeInflated(n, lease));
                continue;
            }
            verify(n, m.fileDigest(), m.measurement().diffId());
        }
        for (Needed n : needed) {
            LayerIngester.MeasuredFile m = measured.get(n.file());
            if (m != null && !done.containsKey(n.diffId())) done.put(n.diffId(), ingester.adopt(m, lease));
        }
        return done;
    }

    /** A layer compressed other than with gzip (bzip2, xz, zstd): stored as its inflated tar. */
    private LayerIngester.IngestedTar storeInflated(Needed n, Lease lease) throws IOException {
        MessageDigest sha = Digest.newSha256();
        LayerIngester.IngestedTar tar;
        try (InputStream in = new DigestInputStream(Files.newInputStream(n.file()), sha)) {
            tar = ingester.storeTar(in, lease);
            in.transferTo(java.io.OutputStream.nullOutputStream()); // the blob digest covers every byte
        }
        verify(n, Digest.fromHash(sha.digest()), tar.measurement().diffId());
        return tar;
    }

    private static void verify(Needed n, Digest fileDigest, Digest diffId) {
        if (n.blobDigest() != null && !fileDigest.equals(n.blobDigest())) {
            throw new InvalidArchiveException("invalid archive: layer blob " + n.blobDigest() + " does not match its digest");
        }
        if (!diffId.equals(n.diffId())) {
            throw new InvalidArchiveException("invalid archive: layer " + n.name() + " has diff ID "
                    + diffId + " but the config of " + n.imageId() + " says " + n.diffId());
        }
    }

    private List<String> commit(List<ArchivePlanner.Planned> plan, Map<Digest, LayerIngester.IngestedTar> ingested, Lease lease) throws IOException {
        List<String> lines = new ArrayList<>();
        // dockerd collects "Loaded image ID" lines for every image and prints them all at the end when the
        // last image of the archive had no tags (its imageRefCount is reset per image); kept for parity
        List<String> idLines = new ArrayList<>();
        boolean lastHadTags = false;
        try (Store.Held held = store.write()) {
            for (ArchivePlanner.Planned p : plan) {
                Digest parent = null;
                for (Digest diffId : p.parsed().diffIds()) {
                    Digest chain = Layer.chainId(parent, diffId);
                    if (!store.layers().exists(chain)) {
                        LayerIngester.IngestedTar tar = ingested.get(diffId);
                        if (tar == null) throw new IOException("layer " + diffId + " vanished during load");
                        ingester.register(parent, tar, lease);
                    }
                    parent = chain;
                }
                // dockerd's load sets tags without tag events (setLoadedTag)
                Committed c = store.commit(ImageCommit.create(p.config()).withParent(p.parent()).withReferences(p.tags())
                        .withTagTime(Instant.now()));
                Image img = c.image();
                events.image("load", img.id().toString(), img.id().toString(), img.config().labels());
                idLines.add("Loaded image ID: " + img.id());
                lastHadTags = !p.tags().isEmpty();
                for (Committed.ReferenceChange t : c.references()) {
                    Digest prev = t.previous();
                    if (prev != null && !prev.equals(img.id())) {
                        lines.add("The image " + t.reference().familiarString() + " already exists, renaming the old one with ID " + prev + " to empty string");
                    }
                    // a legacy archive's tags are set without "Loaded image" lines (moby's legacyLoad prints none)
                    if (!p.legacy()) lines.add("Loaded image: " + t.reference().familiarString());
                }
            }
            if (!lastHadTags && plan.stream().noneMatch(ArchivePlanner.Planned::legacy)) lines.addAll(idLines);
            return lines;
        }
    }
}
