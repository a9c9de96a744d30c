package io.imaged.api;

import io.imaged.config.ImagedProperties;
import io.imaged.engine.ApiVersion;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.stereotype.Component;

import java.util.regex.Pattern;

/**
 * The Engine API versions served: from {@code imaged.min-api-version} (default 1.12, dockerd 20.10's floor) to
 * {@link ApiVersion#MAX}. A floor outside 1.12…1.50 stops startup with Spring Boot's short report naming the setting.
 */
@Component
public class SupportedApiVersions {
    static final String PROPERTY = "imaged.min-api-version";
    private static final Pattern FORMAT = Pattern.compile("[0-9]{1,4}\\.[0-9]{1,4}");
    private final ApiVersion min;

    public SupportedApiVersions(ImagedProperties props) {
        this.min = floor(props.minApiVersion());
    }

    static ApiVersion floor(String value) {
        String v = value == null ? "" : value.trim();
        if (!FORMAT.matcher(v).matches()) {
            throw new InvalidConfigurationPropertyValueException(PROPERTY, value,
                    "an API version is written like 1.24 (major.minor, from " + ApiVersion.OLDEST + " to " + ApiVersion.MAX + ")");
        }
        ApiVersion floor = ApiVersion.parse(v);
        if (floor.lessThan(ApiVersion.OLDEST)) {
            throw new InvalidConfigurationPropertyValueException(PROPERTY, value,
                    "the oldest API version imaged serves is " + ApiVersion.OLDEST);
        }
        if (ApiVersion.MAX.lessThan(floor)) {
            throw new InvalidConfigurationPropertyValueException(PROPERTY, value,
                    "the newest API version imaged serves is " + ApiVersion.MAX + "; the minimum cannot be above it");
        }
        return floor;
    }

    public ApiVersion min() {
        return min;
    }

    public ApiVersion max() {
        return ApiVersion.MAX;
    }
}
