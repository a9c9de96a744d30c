package io.imaged.archive;

import io.imaged.error.ImagedException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Progress text and timestamps, as the Go code they copy formats them. */
class SmallPartsTest {
    /** moby's JSONProgress.String: percentage = int(current/total*100)/2 '=' then '>', counts padded to 8. */
    @Test
    void progressBarsLookLikeMobys() {
        assertThat(io.imaged.api.ProgressBar.render(10240, 10240)).isEqualTo("[" + "=".repeat(50) + ">]  10.24kB/10.24kB");
        assertThat(io.imaged.api.ProgressBar.render(512, 1024)).isEqualTo("[" + "=".repeat(25) + ">" + " ".repeat(25) + "]     512B/1.024kB");
        assertThat(io.imaged.api.ProgressBar.render(1_500_000, -1)).isEqualTo("   1.5MB");
    }

    @Test
    void eventTimestampsParseAsDockerdParsesThem() throws Exception {
        var parse = io.imaged.api.EventsController.class.getDeclaredMethod("parseTime", String.class);
        parse.setAccessible(true);
        assertThat(parse.invoke(null, "1795925225")).isEqualTo(1795925225_000_000_000L);
        assertThat(parse.invoke(null, "1795925225.5")).isEqualTo(1795925225_500_000_000L);
        assertThat(parse.invoke(null, "1795925225.000000042")).isEqualTo(1795925225_000_000_042L);
        assertThatThrownBy(() -> {
            try {
                parse.invoke(null, "notatime");
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        }).isInstanceOf(ImagedException.class).hasMessage("strconv.ParseInt: parsing \"notatime\": invalid syntax");
    }
}
