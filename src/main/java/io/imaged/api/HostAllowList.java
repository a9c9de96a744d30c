package io.imaged.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The {@code Host} header values a plain-HTTP loopback listener answers (DNS-rebinding protection): loopback
 * names and addresses ({@code localhost}, {@code *.localhost}, 127.0.0.0/8, {@code [::1]}, with any port) and the
 * entries of {@code imaged.allowed-hosts} ({@code name} for any port, {@code name:port} for that port only).
 * A page on {@code http://evil.example:2375} whose name the attacker re-points at 127.0.0.1 sends
 * {@code Host: evil.example:2375}, and is refused. Nothing here resolves a name.
 *
 * @param allowed the allowed-hosts entries, lower case
 */
public record HostAllowList(Set<String> allowed) {
    private static final Pattern HOST_HEADER = Pattern.compile("(\\[[0-9a-f:.]+]|[^\\[\\]:]+)(?::([0-9]{1,5}))?");
    private static final Pattern IPV4 = Pattern.compile("([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})");

    public HostAllowList {
        allowed = Set.copyOf(allowed);
    }

    public static HostAllowList of(List<String> allowedHosts) {
        return new HostAllowList(allowedHosts == null ? Set.of() : allowedHosts.stream()
                .map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty()).collect(Collectors.toSet()));
    }

    /** @param hostHeader the {@code Host} header as sent ({@code name}, {@code name:port}, {@code [v6]:port}) */
    public boolean allows(String hostHeader) {
        Matcher m = HOST_HEADER.matcher(hostHeader.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) return false;
        String name = m.group(1);
        if (isLoopback(name)) return true;
        String withPort = m.group(2) == null ? name : name + ":" + m.group(2);
        return allowed.contains(name) || allowed.contains(withPort);
    }

    /** A loopback name or address literal, as a {@code Host} header carries it (IPv6 in brackets). */
    static boolean isLoopback(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) n = n.substring(0, n.length() - 1); // the fully qualified form names the same host
        if (n.equals("localhost") || n.endsWith(".localhost")) return true;
        Matcher v4 = IPV4.matcher(n);
        if (v4.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(v4.group(i)) > 255) return false;
            }
            return v4.group(1).equals("127");
        }
        if (n.startsWith("[") && n.endsWith("]") && n.substring(1, n.length() - 1).matches("[0-9a-f:.]+")) {
            return isLoopbackLiteral(n.substring(1, n.length() - 1));
        }
        return false;
    }

    /** An address as Tomcat reports a connection's local end (a literal, never a name). */
    static boolean isLoopbackLiteral(String address) {
        if (address == null || !address.matches("[0-9a-fA-F:.]+(%[A-Za-z0-9_.-]+)?")) return false;
        try {
            return InetAddress.getByName(address).isLoopbackAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
