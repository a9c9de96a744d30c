// The store's startup work alone (no Spring, no JVM start), repeated in one JVM to separate cold and warm:
// LayerStore.load, ImageStore.load, new ReferenceStore, with wall time and process CPU time (all threads).
// Point it at a data root no imaged is running on (it deletes what recovery would delete):
//   mvn -B -o -q package -DskipTests dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
//   javac -cp target/classes:$(cat /tmp/cp.txt) -d /tmp/store-load bench/store-load/StoreLoadTime.java
//   java -cp /tmp/store-load:target/classes:$(cat /tmp/cp.txt) StoreLoadTime /tmp/imaged-list-bench/imaged 3
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.store.*;
import java.nio.file.*;

public class StoreLoadTime {
    public static void main(String[] a) throws Exception {
        Path root = Path.of(a[0]);
        int reps = Integer.parseInt(a[1]);
        ObjectMapper json = new ObjectMapper().findAndRegisterModules();
        var bean = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime(), c0 = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
            BlobStore blobs = new BlobStore(root.resolve("blobs"));
            LayerStore layers = new LayerStore(root.resolve("layerdb"), json);
            layers.load(blobs);
            long t1 = System.nanoTime(), c1 = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
            ImageStore images = new ImageStore(new FsStoreBackend(root.resolve("image")), layers, json);
            images.load();
            long t2 = System.nanoTime(), c2 = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
            ReferenceStore refs = new ReferenceStore(root.resolve("references"));
            long t3 = System.nanoTime(), c3 = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
            refs.close();
            System.out.printf("rep %d: layers %d ms cpu %d, images %d ms cpu %d (%d), refs %d ms cpu %d (%d)%n", r,
                (t1-t0)/1000000, (c1-c0)/1000000, (t2-t1)/1000000, (c2-c1)/1000000, images.count(), (t3-t2)/1000000, (c3-c2)/1000000, refs.snapshot().size());
        }
    }
}
