package io.imaged.registry;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An address range from {@code imaged.registry.insecure} ({@code 10.0.0.0/8}, {@code fd00::/8}), as dockerd's
 * insecure-registries accepts them. Only literal addresses are matched: no name is resolved (a DNS lookup per
 * request could hang a pull), so a registry named by host name must be listed by name.
 */
record Cidr(byte[] network, int prefix) {

    /** The range {@code text} names; null when it is not an address/prefix pair. */
    static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0) return null;
        String addr = text.substring(0, slash);
        if (!isLiteral(addr)) return null;
        try {
            byte[] net = InetAddress.getByName(addr).getAddress();
            int prefix = Integer.parseInt(text.substring(slash + 1));
            if (prefix < 0 || prefix > net.length * 8) return null;
            return new Cidr(net, prefix);
        } catch (UnknownHostException | NumberFormatException e) {
            return null;
        }
    }

    /** Whether {@code host} (a literal IPv4 or IPv6 address, brackets removed) lies in the range. */
    boolean contains(String host) {
        if (!isLiteral(host)) return false;
        byte[] a;
        try {
            a = InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException e) {
            return false;
        }
        if (a.length != network.length) return false;
        int full = prefix / 8;
        for (int i = 0; i < full; i++) if (a[i] != network[i]) return false;
        int rest = prefix % 8;
        if (rest == 0) return true;
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (network[full] & mask);
    }

    /** Digits and dots (IPv4) or hex digits and colons (IPv6): InetAddress parses these without any lookup. */
    private static boolean isLiteral(String host) {
        return host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || (host.contains(":") && host.matches("[0-9a-fA-F:.]+"));
    }
}
