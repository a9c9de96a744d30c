package io.imaged.api.listener;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Who can reach a {@code tcp://} listener can pull, push, tag and delete every image: on loopback that is this
 * machine's users (as with the unix socket's group), beyond it the whole network. So a listener on any other
 * address (0.0.0.0, ::, a LAN address, a name that resolves to one) needs client certificates
 * ({@code imaged.tls.verify}); {@code imaged.tcp-unauthenticated=true} overrides that, with a warning at every start
 * like dockerd's.
 */
final class NonLoopbackRule {
    private NonLoopbackRule() {
    }

    /** The warnings to log; throws when a listener is exposed without client certificates and no override. */
    static List<String> check(List<HostSpec> hosts, ListenerTls tls, boolean tcpUnauthenticated) {
        List<String> warnings = new ArrayList<>();
        for (HostSpec h : hosts) {
            if (h.unixPath() != null || tls.verify()) continue;
            InetAddress address = address(h);
            if (address.isLoopbackAddress()) continue;
            String listener = "tcp://" + hostPort(h);
            String what = tls.on() ? "with TLS but without client certificates (imaged.tls.verify)"
                    : "without TLS and client certificates (imaged.tls.verify)";
            if (!tcpUnauthenticated) {
                throw new ListenerSettingsException("imaged.hosts asks for " + listener + ", a non-loopback address, "
                        + what + ": anyone who can reach it could pull, push, tag and delete images. imaged refuses "
                        + "to listen there unless imaged.tls.verify=true or imaged.tcp-unauthenticated=true.",
                        "Require client certificates: imaged.tls.verify=true with imaged.tls.cert, imaged.tls.key and "
                                + "imaged.tls.ca-cert (env IMAGED_TLS_VERIFY, IMAGED_TLS_CERT, IMAGED_TLS_KEY, "
                                + "IMAGED_TLS_CA_CERT; see docs/security.md). Or listen on loopback "
                                + "(tcp://127.0.0.1:2375) or the unix socket only. Or, if the network is trusted, "
                                + "accept the risk explicitly with imaged.tcp-unauthenticated=true "
                                + "(env IMAGED_TCP_UNAUTHENTICATED).");
            }
            warnings.add("Binding to IP address " + address.getHostAddress() + " (" + listener + ") " + what
                    + " is insecure and gives everyone who has access to your network full control of this daemon's "
                    + "images: pull, push, tag, delete. Allowed only because imaged.tcp-unauthenticated=true.");
        }
        return warnings;
    }

    /** The address the connector binds, resolved as Tomcat resolves it. */
    static InetAddress address(HostSpec h) {
        try {
            return InetAddress.getByName(h.host());
        } catch (IOException e) {
            throw new ListenerSettingsException("imaged.hosts: cannot listen on tcp://" + hostPort(h) + ": "
                    + h.host() + " is not an address or a name that resolves (" + e.getMessage() + ").",
                    "Give imaged.hosts (env IMAGED_HOSTS) a tcp://address:port, e.g. tcp://127.0.0.1:2375.", e);
        }
    }

    private static String hostPort(HostSpec h) {
        return h.host() + ":" + h.port();
    }
}
