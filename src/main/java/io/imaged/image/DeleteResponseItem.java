package io.imaged.image;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** One line of a DELETE /images answer: {@code {"Untagged": ...}} or {@code {"Deleted": ...}}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeleteResponseItem(@JsonProperty("Untagged") String untagged, @JsonProperty("Deleted") String deleted) {
    public static DeleteResponseItem untagged(String ref) {
        return new DeleteResponseItem(ref, null);
    }

    public static DeleteResponseItem deleted(String id) {
        return new DeleteResponseItem(null, id);
    }
}
