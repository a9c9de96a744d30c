package io.imaged.transfer;

import com.fasterxml.jackson.databind.JsonNode;
import io.imaged.image.Platform;

import java.util.List;

/**
 * Picks the manifest for a platform from an index or manifest list, as containerd's platform matcher orders
 * candidates: an exact variant first; for arm a lower variant still runs (v7 > v6 > v5); entries without a
 * variant match any requested variant. Entries that are not images (e.g. attestation manifests with platform
 * {@code unknown/unknown}) never match.
 */
final class PlatformMatcher {
    private PlatformMatcher() {
    }

    static JsonNode choose(JsonNode manifests, Platform want) {
        JsonNode best = null;
        int bestScore = Integer.MAX_VALUE;
        for (JsonNode m : manifests) {
            JsonNode p = m.path("platform");
            String os = p.path("os").asText("");
            String arch = p.path("architecture").asText("");
            String variant = normaliseVariant(arch, p.path("variant").asText(""));
            if (!os.equals(want.os()) || !arch.equals(want.architecture())) continue;
            int score = score(want, variant);
            if (score < bestScore) {
                best = m;
                bestScore = score;
            }
        }
        return best;
    }

    /** Lower is better; MAX_VALUE = no match. */
    private static int score(Platform want, String variant) {
        String wv = want.variant();
        if (wv.equals(variant)) return 0;
        if (variant.isEmpty()) return 1;
        if (wv.isEmpty()) return 2;
        if (want.architecture().equals("arm")) {
            List<String> order = List.of("v8", "v7", "v6", "v5");
            int w = order.indexOf(wv);
            int v = order.indexOf(variant);
            if (w >= 0 && v > w) return 2 + (v - w);
        }
        return Integer.MAX_VALUE;
    }

    private static String normaliseVariant(String arch, String variant) {
        if (arch.equals("arm64") && (variant.equals("v8") || variant.equals("8"))) return "";
        return variant;
    }
}
