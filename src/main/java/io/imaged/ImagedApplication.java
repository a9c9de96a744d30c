package io.imaged;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class ImagedApplication {
    public static void main(String[] args) {
        SpringApplication.run(ImagedApplication.class, args);
    }
}
