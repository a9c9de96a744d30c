package io.imaged.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A registry answered with an error status. The message is worded as dockerd words distribution errors:
 * {@code manifest unknown: manifest unknown} (the lower-cased code, then the registry's message).
 */
public class RegistryException extends IOException {
    private final int status;
    private final List<String> codes;

    public RegistryException(int status, List<String> codes, String message) {
        super(message);
        this.status = status;
        this.codes = List.copyOf(codes);
    }

    public int status() {
        return status;
    }

    public List<String> codes() {
        return codes;
    }

    public boolean hasCode(String code) {
        return codes.contains(code);
    }

    /** Whether trying again may help: server errors and rate limiting. */
    public boolean retryable() {
        return status >= 500 || status == 429 || status == 408;
    }

    /** Builds the exception from a registry error body ({@code {"errors":[{"code","message","detail"}]}}). */
    public static RegistryException of(int status, byte[] body, ObjectMapper json) {
        List<String> codes = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        try {
            JsonNode root = body == null || body.length == 0 ? null : json.readTree(body);
            if (root != null && root.path("errors").isArray()) {
                for (JsonNode e : root.path("errors")) {
                    String code = e.path("code").asText("UNKNOWN");
                    codes.add(code);
                    String codeText = code.replace('_', ' ').toLowerCase(Locale.ROOT);
                    String msg = e.path("message").asText("");
                    texts.add(msg.isEmpty() ? codeText : codeText + ": " + msg);
                }
            }
        } catch (IOException | RuntimeException notJson) {
            // fall through to the status text
        }
        String message;
        if (texts.size() == 1) message = texts.get(0);
        else if (texts.size() > 1) message = "errors:\n" + String.join("\n", texts) + "\n";
        else message = statusText(status);
        return new RegistryException(status, codes, message);
    }

    static String statusText(int status) {
        return switch (status) {
            case 400 -> "received unexpected HTTP status: 400 Bad Request";
            case 401 -> "unauthorized: authentication required";
            case 403 -> "denied: requested access to the resource is denied";
            case 404 -> "not found";
            case 405 -> "received unexpected HTTP status: 405 Method Not Allowed";
            case 429 -> "toomanyrequests: too many requests";
            case 500 -> "received unexpected HTTP status: 500 Internal Server Error";
            case 502 -> "received unexpected HTTP status: 502 Bad Gateway";
            case 503 -> "received unexpected HTTP status: 503 Service Unavailable";
            case 504 -> "received unexpected HTTP status: 504 Gateway Timeout";
            default -> "received unexpected HTTP status: " + status;
        };
    }
}
