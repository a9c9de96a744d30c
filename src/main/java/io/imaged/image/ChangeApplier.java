package io.imaged.image;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.error.ImagedException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Applies {@code docker import -c} changes: the Dockerfile instructions CMD, ENTRYPOINT, ENV, EXPOSE,
 * LABEL, ONBUILD, USER, VOLUME, WORKDIR (as dockerd's BuildFromConfig does) to a container config.
 */
public final class ChangeApplier {
    private final ObjectMapper json;

    public ChangeApplier(ObjectMapper json) {
        this.json = json;
    }

    public void apply(ObjectNode config, List<String> changes) {
        for (String change : changes) {
            String line = change.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int sp = indexOfSpace(line);
            String instr = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
            String args = sp < 0 ? "" : line.substring(sp).strip();
            switch (instr) {
                case "CMD" -> config.set("Cmd", command(args, instr));
                case "ENTRYPOINT" -> config.set("Entrypoint", command(args, instr));
                case "ENV" -> env(config, args);
                case "EXPOSE" -> expose(config, args);
                case "LABEL" -> label(config, args);
                case "ONBUILD" -> onbuild(config, args);
                case "USER" -> config.put("User", requireArg(args, instr));
                case "VOLUME" -> volume(config, args);
                case "WORKDIR" -> workdir(config, args);
                default -> throw ImagedException.invalid(instr.toLowerCase(Locale.ROOT) + " is not a valid change command");
            }
        }
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) if (Character.isWhitespace(s.charAt(i))) return i;
        return -1;
    }

    private static String requireArg(String args, String instr) {
        if (args.isEmpty()) throw ImagedException.invalid(instr + " requires exactly one argument");
        return args;
    }

    private JsonNode command(String args, String instr) {
        List<String> exec = jsonArray(args);
        if (exec != null) return ContainerConfig.strings(json, exec);
        if (args.isEmpty()) throw ImagedException.invalid(instr + " requires at least one argument");
        return ContainerConfig.strings(json, List.of("/bin/sh", "-c", args));
    }

    private List<String> jsonArray(String args) {
        if (!args.startsWith("[")) return null;
        try {
            return json.readValue(args, new TypeReference<List<String>>() {
            });
        } catch (Exception e) {
            return null;
        }
    }

    private void env(ObjectNode config, String args) {
        List<String[]> pairs = keyValues(args, "ENV");
        ArrayNode env = config.get("Env") instanceof ArrayNode a ? a : json.createArrayNode();
        for (String[] kv : pairs) {
            String entry = kv[0] + "=" + kv[1];
            boolean replaced = false;
            for (int i = 0; i < env.size(); i++) {
                if (env.get(i).asText().startsWith(kv[0] + "=")) {
                    env.set(i, json.getNodeFactory().textNode(entry));
                    replaced = true;
                }
            }
            if (!replaced) env.add(entry);
        }
        config.set("Env", env);
    }

    private void label(ObjectNode config, String args) {
        ObjectNode labels = config.get("Labels") instanceof ObjectNode o ? o : json.createObjectNode();
        for (String[] kv : keyValues(args, "LABEL")) labels.put(kv[0], kv[1]);
        config.set("Labels", labels);
    }

    private void expose(ObjectNode config, String args) {
        ObjectNode ports = config.get("ExposedPorts") instanceof ObjectNode o ? o : json.createObjectNode();
        for (String p : words(requireArg(args, "EXPOSE"))) {
            String port = p.contains("/") ? p.toLowerCase(Locale.ROOT) : p + "/tcp";
            if (!port.matches("[0-9]+(-[0-9]+)?/(tcp|udp|sctp)")) throw ImagedException.invalid("invalid containerPort: " + p);
            ports.set(port, json.createObjectNode());
        }
        config.set("ExposedPorts", ports);
    }

    private void onbuild(ObjectNode config, String args) {
        String inner = requireArg(args, "ONBUILD");
        String first = inner.split("\\s+")[0].toUpperCase(Locale.ROOT);
        if (first.equals("ONBUILD")) throw ImagedException.invalid("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        if (first.equals("FROM") || first.equals("MAINTAINER")) {
            throw ImagedException.invalid(first + " isn't allowed as an ONBUILD trigger");
        }
        ArrayNode on = config.get("OnBuild") instanceof ArrayNode a ? a : json.createArrayNode();
        on.add(inner);
        config.set("OnBuild", on);
    }

    private void volume(ObjectNode config, String args) {
        List<String> vols = jsonArray(args);
        if (vols == null) vols = words(requireArg(args, "VOLUME"));
        ObjectNode v = config.get("Volumes") instanceof ObjectNode o ? o : json.createObjectNode();
        for (String vol : vols) {
            if (vol.isBlank()) throw ImagedException.invalid("VOLUME specified can not be an empty string");
            v.set(vol, json.createObjectNode());
        }
        config.set("Volumes", v);
    }

    private void workdir(ObjectNode config, String args) {
        String dir = requireArg(args, "WORKDIR");
        String current = config.path("WorkingDir").asText("");
        if (!dir.startsWith("/")) dir = (current.isEmpty() ? "/" : current.endsWith("/") ? current : current + "/") + dir;
        config.put("WorkingDir", java.nio.file.Path.of(dir).normalize().toString());
    }

    /** {@code k=v k2="v 2"} or the legacy {@code k v with spaces}. */
    static List<String[]> keyValues(String args, String instr) {
        if (args.isEmpty()) throw ImagedException.invalid(instr + " requires at least one argument");
        List<String> words = words(args);
        List<String[]> out = new ArrayList<>();
        if (!words.get(0).contains("=")) {
            int sp = indexOfSpace(args);
            if (sp < 0) throw ImagedException.invalid(instr + " must have two arguments");
            out.add(new String[]{args.substring(0, sp), unquote(args.substring(sp).strip())});
            return out;
        }
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq <= 0) throw ImagedException.invalid("Syntax error - can't find = in \"" + w + "\". Must be of the form: name=value");
            out.add(new String[]{unquote(w.substring(0, eq)), unquote(w.substring(eq + 1))});
        }
        return out;
    }

    /** Splits on white space outside quotes, keeping the quotes for {@link #unquote}. */
    static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean any = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && quote != '\'') {
                cur.append(c).append(s.charAt(++i));
                any = true;
            } else if (quote != 0) {
                if (c == quote) quote = 0;
                cur.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                cur.append(c);
                any = true;
            } else if (Character.isWhitespace(c)) {
                if (any) out.add(cur.toString());
                cur.setLength(0);
                any = false;
            } else {
                cur.append(c);
                any = true;
            }
        }
        if (quote != 0) throw ImagedException.invalid("unmatched quote in: " + s);
        if (any) out.add(cur.toString());
        return out;
    }

    static String unquote(String s) {
        StringBuilder out = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && quote != '\'') {
                out.append(s.charAt(++i));
            } else if (quote != 0 && c == quote) {
                quote = 0;
            } else if (quote == 0 && (c == '"' || c == '\'')) {
                quote = c;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
