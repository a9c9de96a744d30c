package io.imaged.api;

import io.imaged.error.ImagedException.Kind;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorStatusTest {

    /** Each kind gets the status dockerd gives the errdefs kind of the same name (api/server/httpstatus). */
    @Test
    void eachKindHasDockerdsStatus() {
        Map<Kind, Integer> dockerd = new EnumMap<>(Kind.class);
        dockerd.put(Kind.INVALID_ARGUMENT, 400);
        dockerd.put(Kind.UNAUTHORIZED, 401);
        dockerd.put(Kind.FORBIDDEN, 403);
        dockerd.put(Kind.NOT_FOUND, 404);
        dockerd.put(Kind.CONFLICT, 409);
        dockerd.put(Kind.SYSTEM, 500);
        assertThat(dockerd.keySet()).as("every kind is in the table").containsExactlyInAnyOrder(Kind.values());
        dockerd.forEach((kind, status) -> assertThat(ErrorStatus.of(kind).value()).as("%s", kind).isEqualTo(status));
    }
}
