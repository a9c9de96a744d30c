package io.imaged.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.http.converter.json.MappingJackson2HttpMessageConverter;
import org.springframework.stereotype.Component;

import java.io.IOException;

/**
 * JSON answers end with a newline, as Go's json.Encoder writes them in dockerd; scripts that read a
 * body line by line (and byte-for-byte comparisons) rely on it. Spring Boot uses this converter in place
 * of its default Jackson one because it is a bean of the same type.
 */
@Component
public class JsonLineConverter extends MappingJackson2HttpMessageConverter {
    public JsonLineConverter(ObjectMapper json) {
        super(json);
    }

    @Override
    protected void writeSuffix(JsonGenerator generator, Object object) throws IOException {
        super.writeSuffix(generator, object);
        generator.writeRaw('\n');
    }
}
