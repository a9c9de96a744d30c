package io.imaged.transfer;

import io.imaged.store.Digest;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A Docker schema2 image manifest serialised exactly as dockerd's distribution library does
 * ({@code json.MarshalIndent(m, "", "   ")}: three-space indent, fields in struct order, no trailing newline), so
 * the same image pushed by imaged and by dockerd gets the same manifest bytes and digest.
 */
public final class Schema2Manifest {
    public static final String MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json";

    /** One blob the manifest names. */
    public record Descriptor(String mediaType, long size, Digest digest) {
    }

    private Schema2Manifest() {
    }

    public static byte[] serialise(Descriptor config, List<Descriptor> layers) {
        StringBuilder sb = new StringBuilder(256 + layers.size() * 160);
        sb.append("{\n   \"schemaVersion\": 2,\n   \"mediaType\": ").append(quote(MEDIA_TYPE)).append(",\n   \"config\": ");
        descriptor(sb, config, "   ");
        sb.append(",\n   \"layers\": ");
        if (layers.isEmpty()) {
            sb.append("[]");
        } else {
            sb.append("[\n");
            for (int i = 0; i < layers.size(); i++) {
                sb.append("      ");
                descriptor(sb, layers.get(i), "      ");
                if (i < layers.size() - 1) sb.append(',');
                sb.append('\n');
            }
            sb.append("   ]");
        }
        sb.append("\n}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void descriptor(StringBuilder sb, Descriptor d, String indent) {
        String inner = indent + "   ";
        sb.append("{\n").append(inner).append("\"mediaType\": ").append(quote(d.mediaType())).append(",\n")
                .append(inner).append("\"size\": ").append(d.size()).append(",\n")
                .append(inner).append("\"digest\": ").append(quote(d.digest().toString())).append('\n')
                .append(indent).append('}');
    }

    /** Media types and digests are plain ASCII tokens; anything else is escaped the way Go's encoder would. */
    private static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 0x20 || c == '<' || c == '>' || c == '&') sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.append('"').toString();
    }
}
