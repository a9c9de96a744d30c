package io.imaged.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class EventFilterTest {
    static final ObjectMapper json = new ObjectMapper();
    static final String ID = "sha256:07fe937a8fdc8a7913f7508ed2ffe640c34cda9fcd2adcc5c45a29ef6236a640";
    static final Event TAG = new Event("image", "tag", ID, new TreeMap<>(Map.of("name", "ev/imported:1", "ev", "1")), 1);
    static final Event DELETE = new Event("image", "delete", ID, Map.of("name", ID), 2);

    static EventFilter f(String raw) {
        return EventFilter.parse(json, raw);
    }

    @Test
    void matchesAsMobyDoes() {
        assertThat(f(null).test(TAG)).isTrue();
        assertThat(f("{\"type\":[\"image\"],\"event\":[\"tag\"]}").test(TAG)).isTrue();
        assertThat(f("{\"event\":[\"tag\"]}").test(DELETE)).isFalse();
        assertThat(f("{\"type\":[\"container\"]}").test(TAG)).isFalse();
        assertThat(f("{\"image\":[\"ev/imported:1\"]}").test(TAG)).isTrue();
        assertThat(f("{\"image\":[\"ev/imported\"]}").test(TAG)).as("tag stripped").isTrue();
        assertThat(f("{\"image\":[\"" + ID + "\"]}").test(DELETE)).isTrue();
        assertThat(f("{\"label\":[\"ev=1\"]}").test(TAG)).isTrue();
        assertThat(f("{\"label\":[\"ev\"]}").test(DELETE)).isFalse();
        assertThat(f("{\"foo\":[\"bar\"]}").test(DELETE)).as("unknown keys are ignored").isTrue();
        assertThat(f("{\"event\":{\"tag\":true}}").test(TAG)).as("old map form").isTrue();
    }
}
