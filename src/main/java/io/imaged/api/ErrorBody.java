package io.imaged.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Docker's error shape: {@code {"message": "..."}}. */
public record ErrorBody(@JsonProperty("message") String message) {
}
