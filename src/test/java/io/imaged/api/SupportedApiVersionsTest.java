package io.imaged.api;

import io.imaged.engine.ApiVersion;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SupportedApiVersionsTest {
    @Test
    void theFloorIsAVersionFrom112To150() {
        assertThat(SupportedApiVersions.floor("1.12")).isEqualTo(new ApiVersion(1, 12));
        assertThat(SupportedApiVersions.floor("1.24")).isEqualTo(new ApiVersion(1, 24));
        assertThat(SupportedApiVersions.floor(" 1.50 ")).isEqualTo(ApiVersion.MAX);
    }

    @Test
    void aFloorOutsideTheRangeOrNotAVersionStopsStartupNamingTheSetting() {
        assertThatThrownBy(() -> SupportedApiVersions.floor("1.11")).isInstanceOf(InvalidConfigurationPropertyValueException.class)
                .hasMessageContaining("imaged.min-api-version").hasMessageContaining("'1.11'")
                .hasMessageContaining("the oldest API version imaged serves is 1.12");
        assertThatThrownBy(() -> SupportedApiVersions.floor("1.51")).isInstanceOf(InvalidConfigurationPropertyValueException.class)
                .hasMessageContaining("the newest API version imaged serves is 1.50");
        assertThatThrownBy(() -> SupportedApiVersions.floor("2.0")).hasMessageContaining("newest");
        for (String bad : new String[]{"v1.24", "1", "1.24.1", "", "abc", "1.x"}) {
            assertThatThrownBy(() -> SupportedApiVersions.floor(bad)).as(bad)
                    .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .hasMessageContaining("an API version is written like 1.24");
        }
    }

    @Test
    void errorsArePlainTextUpTo123() {
        assertThat(new ApiVersion(1, 23).plainTextErrors()).isTrue();
        assertThat(new ApiVersion(1, 12).plainTextErrors()).isTrue();
        assertThat(new ApiVersion(1, 24).plainTextErrors()).isFalse();
        assertThat(ApiVersion.MAX.plainTextErrors()).isFalse();
    }
}
