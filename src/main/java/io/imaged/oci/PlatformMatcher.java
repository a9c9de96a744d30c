package io.imaged.oci;


import java.util.List;

/**
 * Picks the manifest for a platform from an index or manifest list, as containerd's platform matcher orders
 * candidates: an exact variant first; for arm a lower variant still runs (v7 > v6 > v5); entries without a
 * variant match any requested variant. Entries that are not images (e.g. attestation manifests with platform
 * {@code unknown/unknown}) never match. The one place imaged chooses among platforms (pull, push of an index,
 * load of a multi-platform OCI layout).
 */
public final class PlatformMatcher {
    private PlatformMatcher() {
    }

    /** The best entry of {@code manifests} for {@code want}, or null when none runs there. */
    public static Descriptor choose(List<Descriptor> manifests, Platform want) {
        Descriptor best = null;
        int bestScore = Integer.MAX_VALUE;
        for (Descriptor m : manifests) {
            Platform p = m.platform();
            if (p == null) continue;
            int score = score(want, p);
            if (score < bestScore) {
                best = m;
                bestScore = score;
            }
        }
        return best;
    }

    /** Whether an image built for {@code have} runs on {@code want}. */
    public static boolean runs(Platform want, Platform have) {
        return score(want, have) != Integer.MAX_VALUE;
    }

    /** Lower is better; MAX_VALUE = no match. */
    private static int score(Platform want, Platform have) {
        if (!have.os().equals(want.os()) || !have.architecture().equals(want.architecture())) return Integer.MAX_VALUE;
        String variant = normaliseVariant(have.architecture(), have.variant());
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
