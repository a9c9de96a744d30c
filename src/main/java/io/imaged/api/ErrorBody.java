package io.imaged.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

/** Docker's error shape: {@code {"message": "..."}}. */
public record ErrorBody(@JsonProperty("message") String message) {

    /** The body as Go's encoder writes it, ending in a newline; for writers that have no ObjectMapper at hand. */
    public static String json(String message) {
        return "{\"message\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(message)) + "\"}\n";
    }
}
