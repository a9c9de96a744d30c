package io.imaged.registry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** One {@code WWW-Authenticate} challenge: scheme ({@code basic}, {@code bearer}) and its parameters. */
public record Challenge(String scheme, Map<String, String> params) {

    public String param(String name) {
        return params.get(name);
    }

    /** The first challenge we can answer (bearer preferred, as dockerd does), from all header values. */
    public static Optional<Challenge> pick(List<String> headerValues) {
        Challenge basic = null;
        for (String v : headerValues) {
            for (Challenge c : parseAll(v)) {
                if (c.scheme.equals("bearer")) return Optional.of(c);
                if (c.scheme.equals("basic") && basic == null) basic = c;
            }
        }
        return Optional.ofNullable(basic);
    }

    /** Parses {@code Bearer realm="...",service="...",scope="a b"} (quoted strings may hold commas). */
    static List<Challenge> parseAll(String header) {
        List<Challenge> out = new java.util.ArrayList<>();
        int i = 0;
        int n = header.length();
        while (i < n) {
            while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ',')) i++;
            int start = i;
            while (i < n && header.charAt(i) != ' ' && header.charAt(i) != ',') i++;
            if (start == i) break;
            String scheme = header.substring(start, i).toLowerCase(Locale.ROOT);
            Map<String, String> params = new LinkedHashMap<>();
            while (i < n) {
                while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ',')) i++;
                int ks = i;
                while (i < n && header.charAt(i) != '=' && header.charAt(i) != ' ' && header.charAt(i) != ',') i++;
                if (i >= n || header.charAt(i) != '=') {
                    i = ks; // next token is a new scheme
                    break;
                }
                String key = header.substring(ks, i).toLowerCase(Locale.ROOT);
                i++;
                StringBuilder val = new StringBuilder();
                if (i < n && header.charAt(i) == '"') {
                    i++;
                    while (i < n && header.charAt(i) != '"') {
                        if (header.charAt(i) == '\\' && i + 1 < n) i++;
                        val.append(header.charAt(i++));
                    }
                    i++;
                } else {
                    while (i < n && header.charAt(i) != ',' && header.charAt(i) != ' ') val.append(header.charAt(i++));
                }
                params.put(key, val.toString());
            }
            out.add(new Challenge(scheme, params));
        }
        return out;
    }
}
