package io.imaged.api;

import io.restassured.RestAssured;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The whole application in-process on a random loopback port and a fresh data root per test class, for
 * rest-assured API tests. (The end-to-end tests, *IT, run the packaged jar instead.)
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class ApiTestSupport {
    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void dataRoot(DynamicPropertyRegistry registry) {
        try {
            Path root = Files.createTempDirectory("imaged-api-test");
            registry.add("imaged.data-root", root::toString);
            registry.add("imaged.hosts", () -> "tcp://127.0.0.1:0");
            registry.add("imaged.registry.docker-io-upstream", () -> "http://127.0.0.1:1");
            registry.add("imaged.registry.docker-io-index", () -> "http://127.0.0.1:1");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeEach
    void restAssured() {
        RestAssured.port = port;
        RestAssured.baseURI = "http://127.0.0.1";
        RestAssured.urlEncodingEnabled = true;
    }
}
