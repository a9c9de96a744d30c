package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.config.ImagedProperties;
import io.imaged.engine.ApiVersion;
import io.imaged.engine.Engine;
import io.imaged.error.ImagedException;
import io.imaged.image.Filters;
import io.imaged.image.ImageInspector;
import io.imaged.image.ImageLister;
import io.imaged.image.ImageSummary;
import io.imaged.store.Layer;
import io.imaged.store.Store;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** {@code /_ping}, {@code /version}, {@code /info} and {@code /system/df}. */
@RestController
@Tag(name = "System")
public class SystemController {
    private final Store store;
    private final ImageLister lister;
    private final ImagedProperties props;
    private final ObjectMapper json;
    private final SupportedApiVersions versions;
    private final String daemonId;

    public SystemController(Store store, ImageLister lister, ImagedProperties props, ObjectMapper json,
                            SupportedApiVersions versions) {
        this.store = store;
        this.lister = lister;
        this.props = props;
        this.json = json;
        this.versions = versions;
        this.daemonId = loadOrCreateId(store.root());
    }

    private static String loadOrCreateId(Path root) {
        Path f = root.resolve("engine-id");
        try {
            if (Files.exists(f)) return Files.readString(f, StandardCharsets.UTF_8).trim();
            String id = UUID.randomUUID().toString();
            io.imaged.store.AtomicFiles.write(f, id.getBytes(StandardCharsets.UTF_8));
            return id;
        } catch (java.io.IOException e) {
            return UUID.randomUUID().toString();
        }
    }

    @Operation(summary = "Ping")
    @RequestMapping(value = "/_ping", method = {RequestMethod.GET, RequestMethod.HEAD}, produces = MediaType.TEXT_PLAIN_VALUE)
    public String ping(HttpServletResponse response) {
        response.setHeader("Cache-Control", "no-cache, no-store, must-revalidate");
        response.setHeader("Pragma", "no-cache");
        response.setHeader("Swarm", "inactive");
        return "OK";
    }

    @Operation(summary = "Get version")
    @GetMapping(value = "/version", produces = MediaType.APPLICATION_JSON_VALUE)
    public ObjectNode version() {
        ObjectNode v = json.createObjectNode();
        v.putObject("Platform").put("Name", "imaged");
        ArrayNode comps = v.putArray("Components");
        ObjectNode engine = comps.addObject();
        engine.put("Name", "Engine").put("Version", Engine.VERSION);
        engine.putObject("Details").put("ApiVersion", ApiVersion.MAX.toString()).put("Arch", goArch())
                .put("BuildTime", buildTime()).put("Experimental", "false").put("GitCommit", "imaged")
                .put("GoVersion", "java" + Runtime.version().feature()).put("KernelVersion", kernel())
                .put("MinAPIVersion", versions.min().toString()).put("Os", "linux");
        comps.addObject().put("Name", "imaged").put("Version", imagedVersion());
        v.put("Version", Engine.VERSION);
        v.put("ApiVersion", ApiVersion.MAX.toString());
        v.put("MinAPIVersion", versions.min().toString());
        v.put("GitCommit", "imaged");
        v.put("GoVersion", "java" + Runtime.version().feature());
        v.put("Os", "linux");
        v.put("Arch", goArch());
        v.put("KernelVersion", kernel());
        v.put("BuildTime", buildTime());
        return v;
    }

    @Operation(summary = "Get system information")
    @GetMapping(value = "/info", produces = MediaType.APPLICATION_JSON_VALUE)
    public ObjectNode info(HttpServletRequest request) {
        ApiVersion version = ApiPathFilter.versionOf(request);
        ObjectNode i = json.createObjectNode();
        i.put("ID", daemonId);
        i.put("Containers", 0).put("ContainersRunning", 0).put("ContainersPaused", 0).put("ContainersStopped", 0);
        i.put("Images", store.images().count());
        i.put("Driver", "imaged");
        ArrayNode ds = i.putArray("DriverStatus");
        ds.addArray().add("Data Root").add(store.root().toString());
        i.putObject("Plugins").<ObjectNode>set("Volume", json.createArrayNode()).<ObjectNode>set("Network", json.createArrayNode())
                .<ObjectNode>putNull("Authorization").set("Log", json.createArrayNode());
        i.put("MemoryLimit", false).put("SwapLimit", false).put("CpuCfsPeriod", false).put("CpuCfsQuota", false)
                .put("CPUShares", false).put("CPUSet", false).put("PidsLimit", false).put("IPv4Forwarding", false)
                .put("Debug", false).put("NFd", 0).put("OomKillDisable", false).put("NGoroutines", Thread.activeCount())
                .put("SystemTime", ImageInspector.formatTime(Instant.now())).put("LoggingDriver", "")
                .put("CgroupDriver", "none").put("CgroupVersion", "").put("NEventsListener", 0)
                .put("KernelVersion", orUnknown(kernel(), version)).put("OperatingSystem", orUnknown(operatingSystem(), version))
                .put("OSVersion", osRelease("VERSION_ID", "")).put("OSType", "linux")
                .put("Architecture", System.getProperty("os.arch", "").equals("amd64") ? "x86_64" : System.getProperty("os.arch", ""))
                .put("IndexServerAddress", "https://index.docker.io/v1/");
        ObjectNode reg = i.putObject("RegistryConfig");
        ArrayNode cidrs = reg.putArray("InsecureRegistryCIDRs");
        // dockerd lists address ranges here and names (host or host:port) under IndexConfigs
        if (props.registry().loopbackInsecure()) cidrs.add("::1/128").add("127.0.0.0/8");
        props.registry().insecure().stream().filter(e -> e.contains("/")).forEach(cidrs::add);
        ObjectNode idx = reg.putObject("IndexConfigs");
        ObjectNode hub = idx.putObject("docker.io").put("Name", "docker.io");
        ArrayNode hubMirrors = hub.putArray("Mirrors");
        props.registry().mirrors().forEach(m -> hubMirrors.add(m.endsWith("/") ? m : m + "/"));
        hub.put("Secure", true).put("Official", true);
        for (String insecure : props.registry().insecure()) {
            if (insecure.contains("/")) continue;
            idx.putObject(insecure).put("Name", insecure).<ObjectNode>set("Mirrors", json.createArrayNode())
                    .put("Secure", false).put("Official", false);
        }
        ArrayNode mirrors = reg.putArray("Mirrors");
        props.registry().mirrors().forEach(m -> mirrors.add(m.endsWith("/") ? m : m + "/"));
        i.put("NCPU", Runtime.getRuntime().availableProcessors());
        i.put("MemTotal", memTotal());
        i.put("DockerRootDir", store.root().toString());
        i.put("HttpProxy", "").put("HttpsProxy", "").put("NoProxy", "");
        i.put("Name", hostname());
        i.putArray("Labels");
        i.put("ExperimentalBuild", false);
        i.put("ServerVersion", Engine.VERSION);
        i.putObject("Runtimes");
        i.put("DefaultRuntime", "");
        ObjectNode swarm = i.putObject("Swarm");
        swarm.put("NodeID", "").put("NodeAddr", "").put("LocalNodeState", "inactive").put("ControlAvailable", false)
                .put("Error", "").putNull("RemoteManagers");
        i.put("LiveRestoreEnabled", false).put("Isolation", "").put("InitBinary", "");
        i.putObject("ContainerdCommit").put("ID", "");
        i.putObject("RuncCommit").put("ID", "");
        i.putObject("InitCommit").put("ID", "");
        // SecurityOptions: names only below 1.25 (imaged has none either way), as dockerd's oldInfo
        i.putArray("SecurityOptions");
        i.putNull("Warnings");
        if (version.lessThan("1.25")) {
            // dockerd's oldInfo: the field clients of 1.24 and older still read, though nothing fills it
            i.put("ExecutionDriver", "<not supported>");
        }
        return i;
    }

    /** Below 1.39 dockerd fills an unknown kernel or OS with {@code <unknown>} rather than leave it empty. */
    private static String orUnknown(String value, ApiVersion version) {
        return value.isEmpty() && version.lessThan("1.39") ? "<unknown>" : value;
    }

    @Operation(summary = "Get data usage information")
    @GetMapping(value = "/system/df", produces = MediaType.APPLICATION_JSON_VALUE)
    public ObjectNode df(@RequestParam(name = "type", required = false) List<String> types, HttpServletRequest request) {
        boolean all = types == null || types.isEmpty();
        for (String t : all ? List.<String>of() : types) {
            if (!List.of("container", "image", "volume", "build-cache").contains(t)) {
                throw ImagedException.invalid("unknown object type: " + t);
            }
        }
        ObjectNode out = json.createObjectNode();
        if (all || types.contains("image")) {
            long layersSize = 0;
            try (Store.Held held = store.read()) {
                for (Layer l : store.layers().all()) layersSize += l.size();
            }
            List<ImageSummary> imgs = lister.list(new ImageLister.Options(false, Filters.none(), true, true, ApiPathFilter.versionOf(request)));
            out.put("LayersSize", layersSize);
            out.set("Images", json.valueToTree(imgs));
        }
        if (all || types.contains("container")) out.putArray("Containers");
        if (all || types.contains("volume")) out.putArray("Volumes");
        if (all || types.contains("build-cache")) out.putArray("BuildCache");
        // version history 1.42: "Removed the BuilderSize field" — dockerd 20.10 (1.41 and below) still sends it, last
        if (ApiPathFilter.versionOf(request).lessThan("1.42")) out.put("BuilderSize", 0);
        return out;
    }

    private static String goArch() {
        return io.imaged.oci.Platform.host().architecture();
    }

    private static String kernel() {
        return System.getProperty("os.version", "");
    }

    private static String buildTime() {
        return ImageInspector.formatTime(Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()));
    }

    private static String imagedVersion() {
        String v = SystemController.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static String operatingSystem() {
        return osRelease("PRETTY_NAME", System.getProperty("os.name", "linux"));
    }

    /** A field of /etc/os-release, as dockerd's operatingsystem package reads it. */
    private static String osRelease(String key, String fallback) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith(key + "=")) return line.substring(key.length() + 1).replace("\"", "");
            }
        } catch (Exception ignored) {
            // fall back below
        }
        return fallback;
    }

    private static long memTotal() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) return sun.getTotalMemorySize();
        return Runtime.getRuntime().maxMemory();
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "imaged";
        }
    }
}
