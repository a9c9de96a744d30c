package io.imaged.image;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

import static org.assertj.core.api.Assertions.assertThat;

class StatusTextTest {

    /** A URL import's error message names its source's status with the phrase it had when Spring's table gave it. */
    @Test
    void everyErrorStatusHasSpringsReasonPhrase() {
        for (int code = 400; code < 600; code++) {
            HttpStatus s = HttpStatus.resolve(code);
            assertThat(StatusText.of(code)).as("status %d", code).isEqualTo(s == null ? "" : s.getReasonPhrase());
        }
    }
}
