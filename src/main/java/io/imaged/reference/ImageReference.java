package io.imaged.reference;

import io.imaged.digest.Digest;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Docker image reference, normalised as dockerd normalises it ({@code busybox} is
 * {@code docker.io/library/busybox}). Grammar from distribution/reference.
 */
public record ImageReference(String domain, String path, String tag, String digest) {
    public static final String DEFAULT_DOMAIN = "docker.io";
    public static final String LEGACY_DOMAIN = "index.docker.io";
    public static final String OFFICIAL_PREFIX = "library/";
    public static final String DEFAULT_TAG = "latest";
    private static final int NAME_MAX = 255;

    private static final String ALNUM = "[a-z0-9]+";
    private static final String SEPARATOR = "(?:[_.]|__|[-]+)";
    private static final String PATH_COMPONENT = ALNUM + "(?:" + SEPARATOR + ALNUM + ")*";
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String IPV6 = "\\[(?:[a-fA-F0-9:]+)\\]";
    private static final String HOST = "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|" + IPV6 + ")";
    private static final String DOMAIN = HOST + "(?::[0-9]+)?";
    static final String TAG = "[\\w][\\w.-]{0,127}";
    private static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
    private static final Pattern REFERENCE = Pattern.compile(
            "((?:" + DOMAIN + "/)?" + PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*)(?::(" + TAG + "))?(?:@(" + DIGEST + "))?");
    private static final Pattern ANCHORED_DOMAIN = Pattern.compile(DOMAIN);
    private static final Pattern ANCHORED_HEX64 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern TAG_PATTERN = Pattern.compile(TAG);

    /** Parses and normalises a reference the way the docker CLI and dockerd do (ParseNormalizedNamed). */
    public static ImageReference parse(String s) {
        if (s == null || s.isEmpty()) throw new InvalidReferenceException("invalid reference format");
        if (ANCHORED_HEX64.matcher(s).matches()) {
            throw new InvalidReferenceException("invalid repository name (" + s
                    + "), cannot specify 64-byte hexadecimal strings");
        }
        String domain;
        String remainder;
        int slash = s.indexOf('/');
        String first = slash < 0 ? "" : s.substring(0, slash);
        // a first component is a registry only with a '.' or ':' or as "localhost" (distribution/reference v0.6's
        // splitDockerDomain): "UPPER/case" is a Docker Hub path, refused below as not lowercase, never a host
        if (slash < 0 || (!first.contains(".") && !first.contains(":") && !first.equals("localhost"))) {
            domain = DEFAULT_DOMAIN;
            remainder = s;
        } else {
            domain = first;
            remainder = s.substring(slash + 1);
        }
        if (domain.equals(LEGACY_DOMAIN)) domain = DEFAULT_DOMAIN;
        if (domain.equals(DEFAULT_DOMAIN) && !remainder.contains("/")) remainder = OFFICIAL_PREFIX + remainder;

        String pathPart = remainder;
        int at = pathPart.indexOf('@');
        if (at >= 0) pathPart = pathPart.substring(0, at);
        int colon = pathPart.lastIndexOf(':');
        if (colon >= 0) pathPart = pathPart.substring(0, colon);
        if (!pathPart.equals(pathPart.toLowerCase())) {
            // dockerd 20.10's wording (distribution/reference before v0.6 did not name the path)
            throw new InvalidReferenceException("invalid reference format: repository name must be lowercase");
        }
        // before the regex: its nested repetitions recurse per separator, so a long hostile name could overflow the stack
        if (domain.length() + 1 + pathPart.length() > NAME_MAX) {
            throw new InvalidReferenceException("invalid reference format: repository name must not be more than 255 characters");
        }
        if (remainder.length() - pathPart.length() > 1 + 128 + 1 + 7 + 1 + 128) {
            throw new InvalidReferenceException("invalid reference format");
        }
        Matcher m = REFERENCE.matcher(domain + "/" + remainder);
        if (!m.matches()) throw new InvalidReferenceException("invalid reference format");
        String name = m.group(1);
        if (name.length() > NAME_MAX) {
            throw new InvalidReferenceException("invalid reference format: repository name must not be more than 255 characters");
        }
        if (!ANCHORED_DOMAIN.matcher(domain).matches()) throw new InvalidReferenceException("invalid reference format");
        String digest = m.group(3);
        if (digest != null && !Digest.isValid(digest)) {
            throw new InvalidReferenceException("invalid reference format: unsupported digest algorithm or bad digest");
        }
        return new ImageReference(domain, name.substring(domain.length() + 1), m.group(2), digest);
    }

    /**
     * Whether the registry part names a TCP port that can be dialled: the grammar takes any digits, but
     * {@code localhost:99999} is no address (dockerd fails at the dial; imaged refuses the name up front).
     */
    public boolean hasValidPort() {
        int colon = domain.lastIndexOf(':');
        if (colon < 0 || colon < domain.lastIndexOf(']')) return true;
        String digits = domain.substring(colon + 1);
        if (digits.isEmpty() || digits.length() > 5) return false;
        int port = Integer.parseInt(digits);
        return port >= 1 && port <= 65535;
    }

    /** {@link #parse}, refusing a registry port that cannot be dialled: for names that go to a registry. */
    public static ImageReference parseRemote(String s) {
        ImageReference ref = parse(s);
        if (!ref.hasValidPort()) throw new InvalidReferenceException("invalid reference format");
        return ref;
    }

    /**
     * A repository named {@code sha256} (familiar name) would make {@code sha256:<hex>} both a tag and an ID;
     * dockerd's reference store refuses it with these words.
     */
    public void checkTaggable() {
        if (familiarName().equals("sha256")) {
            throw new InvalidReferenceException("refusing to create an ambiguous tag using digest algorithm as name");
        }
    }

    public static boolean isValidTag(String tag) {
        return tag != null && TAG_PATTERN.matcher(tag).matches();
    }

    /** Full repository name, e.g. {@code docker.io/library/busybox}. */
    public String name() {
        return domain + "/" + path;
    }

    /** Repository name as the docker CLI shows it, e.g. {@code busybox} or {@code example.com:5000/team/base}. */
    public String familiarName() {
        if (domain.equals(DEFAULT_DOMAIN)) {
            return path.startsWith(OFFICIAL_PREFIX) && path.indexOf('/', OFFICIAL_PREFIX.length()) < 0
                    ? path.substring(OFFICIAL_PREFIX.length()) : path;
        }
        return name();
    }

    public boolean hasTag() {
        return tag != null;
    }

    public boolean hasDigest() {
        return digest != null;
    }

    /** Adds {@code latest} when neither tag nor digest is given (TagNameOnly). */
    public ImageReference withDefaultTag() {
        return tag == null && digest == null ? new ImageReference(domain, path, DEFAULT_TAG, null) : this;
    }

    public ImageReference withTag(String newTag) {
        return new ImageReference(domain, path, newTag, null);
    }

    public ImageReference withDigest(String newDigest) {
        return new ImageReference(domain, path, null, newDigest);
    }

    public ImageReference repository() {
        return new ImageReference(domain, path, null, null);
    }

    /** Familiar string: {@code busybox:latest}, {@code example.com:5000/team/base@sha256:...}. */
    public String familiarString() {
        return familiarName() + suffix();
    }

    /** Fully qualified string: {@code docker.io/library/busybox:latest}. */
    @Override
    public String toString() {
        return name() + suffix();
    }

    private String suffix() {
        return (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
