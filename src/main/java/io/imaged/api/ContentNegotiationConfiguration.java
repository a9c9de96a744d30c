package io.imaged.api;

import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.config.annotation.ContentNegotiationConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * dockerd never looks at the Accept header: every endpoint answers in its one format. Clients send all sorts
 * (docker-java asks for application/octet-stream when it imports), so Spring must not turn them into 406s.
 */
@Configuration
public class ContentNegotiationConfiguration implements WebMvcConfigurer {
    @Override
    public void configureContentNegotiation(ContentNegotiationConfigurer c) {
        c.ignoreAcceptHeader(true).defaultContentType(MediaType.ALL);
    }
}
