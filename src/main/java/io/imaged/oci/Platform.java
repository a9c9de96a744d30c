package io.imaged.oci;

import io.imaged.error.ImagedException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An OS/architecture/variant triple as in {@code linux/arm64/v8} (the default is the host's), with the OS version and
 * features an index entry or image config may add (Windows images: {@code os.version}, {@code os.features});
 * those two take no part in choosing a platform, as in containerd.
 */
public record Platform(String os, String architecture, String variant, String osVersion, List<String> osFeatures) {

    public Platform {
        variant = variant == null ? "" : variant;
        osVersion = osVersion == null ? "" : osVersion;
        osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
    }

    public Platform(String os, String architecture, String variant) {
        this(os, architecture, variant, "", List.of());
    }

    /** containerd's isKnownOS / isKnownArch (Go's GOOS and GOARCH lists). */
    private static final java.util.Set<String> KNOWN_OS = java.util.Set.of("aix", "android", "darwin", "dragonfly",
            "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1",
            "windows", "zos");
    private static final java.util.Set<String> KNOWN_ARCH = java.util.Set.of("386", "amd64", "amd64p32", "arm", "armbe",
            "arm64", "arm64be", "loong64", "mips", "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc",
            "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm");

    public static Platform host() {
        String arch = System.getProperty("os.arch", "amd64").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "x86_64", "amd64" -> new Platform("linux", "amd64", "");
            case "aarch64", "arm64" -> new Platform("linux", "arm64", "");
            case "arm" -> new Platform("linux", "arm", "v7");
            case "ppc64le" -> new Platform("linux", "ppc64le", "");
            case "s390x" -> new Platform("linux", "s390x", "");
            case "riscv64" -> new Platform("linux", "riscv64", "");
            default -> new Platform("linux", arch, "");
        };
    }

    /** Parses {@code os[/arch[/variant]]} as containerd's platforms.Parse does, normalising aliases. */
    public static Platform parse(String s) {
        if (s == null || s.isBlank()) return host();
        String[] parts = s.toLowerCase(Locale.ROOT).split("/");
        // containerd's platforms.Parse words: too many parts cannot be parsed at all
        if (parts.length > 3) throw ImagedException.invalid("\"" + s + "\": cannot parse platform specifier: invalid argument");
        if (parts[0].isEmpty()) throw ImagedException.invalid("\"" + s + "\": unknown operating system or architecture: invalid argument");
        if (parts.length == 1) {
            // a known OS gets the host's architecture, a known architecture the host OS; anything else is refused
            // before any registry is asked (docker-py's test_pull_invalid_platform: platform='foobar')
            if (KNOWN_OS.contains(parts[0])) return new Platform(parts[0], host().architecture(), host().variant());
            Platform p = normalise("linux", parts[0], "");
            if (!KNOWN_ARCH.contains(p.architecture())) {
                throw ImagedException.invalid("\"" + s + "\": unknown operating system or architecture: invalid argument");
            }
            return p;
        }
        return normalise(parts[0], parts[1], parts.length == 3 ? parts[2] : "");
    }

    private static Platform normalise(String os, String arch, String variant) {
        if (!os.matches("[a-z0-9_-]+") || !arch.matches("[a-z0-9_-]+") || !variant.matches("[a-z0-9_-]*")) {
            throw ImagedException.invalid("\"" + os + "/" + arch + "\": unknown operating system or architecture: invalid argument");
        }
        switch (arch) {
            case "x86_64", "x86-64" -> arch = "amd64";
            case "aarch64" -> {
                arch = "arm64";
                if (variant.equals("8")) variant = "v8";
            }
            case "armhf" -> {
                arch = "arm";
                variant = "v7";
            }
            case "armel" -> {
                arch = "arm";
                variant = "v6";
            }
            case "i386" -> arch = "386";
            default -> {
            }
        }
        if (arch.equals("arm64") && variant.equals("v8")) variant = "";
        if (arch.equals("arm") && variant.isEmpty()) variant = "v7";
        return new Platform(os, arch, variant);
    }

    /** Whether an image of {@code other} satisfies a request for this platform (variant optional). */
    public boolean matches(String otherOs, String otherArch, String otherVariant) {
        if (!os.equals(otherOs == null ? "" : otherOs) || !architecture.equals(otherArch == null ? "" : otherArch)) return false;
        String ov = otherVariant == null ? "" : otherVariant;
        if (architecture.equals("arm64") && ov.equals("v8")) ov = "";
        return variant.isEmpty() || variant.equals(ov);
    }

    /** Its JSON fields in the order Go's {@code ocispec.Platform} writes them, empty ones left out. */
    public Map<String, Object> fields() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!architecture.isEmpty()) out.put("architecture", architecture);
        if (!os.isEmpty()) out.put("os", os);
        if (!osVersion.isEmpty()) out.put("os.version", osVersion);
        if (!osFeatures.isEmpty()) out.put("os.features", osFeatures);
        if (!variant.isEmpty()) out.put("variant", variant);
        return out;
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
    }
}
