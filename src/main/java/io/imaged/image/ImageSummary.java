package io.imaged.image;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;
import java.util.Map;

/** One entry of {@code GET /images/json} (and of {@code /system/df}), in Go's field order. */
@JsonPropertyOrder({"Containers", "Created", "Id", "Labels", "ParentId", "Descriptor", "Manifests", "RepoDigests",
        "RepoTags", "SharedSize", "Size", "VirtualSize"})
public record ImageSummary(
        @JsonProperty("Containers") long containers,
        @JsonProperty("Created") long created,
        @JsonProperty("Id") String id,
        @JsonProperty("Labels") Map<String, String> labels,
        @JsonProperty("ParentId") String parentId,
        @JsonProperty("Descriptor") @JsonInclude(JsonInclude.Include.NON_NULL) Object descriptor,
        @JsonProperty("Manifests") @JsonInclude(JsonInclude.Include.NON_NULL) List<Object> manifests,
        @JsonProperty("RepoDigests") List<String> repoDigests,
        @JsonProperty("RepoTags") List<String> repoTags,
        @JsonProperty("SharedSize") long sharedSize,
        @JsonProperty("Size") long size,
        @JsonProperty("VirtualSize") @JsonInclude(JsonInclude.Include.NON_NULL) Long virtualSize) {
}
