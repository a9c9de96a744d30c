package io.imaged.engine;

/** An Engine API version such as 1.50; requests without a {@code /v1.xx} prefix get the newest. */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {
    /** The oldest version imaged can serve (dockerd 20.10–24's floor); {@code imaged.min-api-version} may raise it. */
    public static final ApiVersion OLDEST = new ApiVersion(1, 12);
    public static final ApiVersion MAX = new ApiVersion(1, 50);
    /** The last version whose errors were plain text; JSON {@code {"message"}} bodies began after it. */
    private static final ApiVersion LAST_PLAIN_TEXT_ERRORS = new ApiVersion(1, 23);

    public static ApiVersion parse(String s) {
        int dot = s.indexOf('.');
        if (dot < 0) throw new IllegalArgumentException(s);
        return new ApiVersion(Integer.parseInt(s.substring(0, dot)), Integer.parseInt(s.substring(dot + 1)));
    }

    public boolean lessThan(ApiVersion other) {
        return compareTo(other) < 0;
    }

    public boolean lessThan(String other) {
        return lessThan(parse(other));
    }

    public boolean atLeast(String other) {
        return !lessThan(other);
    }

    /** dockerd answers errors of {@code /v1.23} and older paths as {@code text/plain}, as those clients expect. */
    public boolean plainTextErrors() {
        return compareTo(LAST_PLAIN_TEXT_ERRORS) <= 0;
    }

    @Override
    public int compareTo(ApiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
