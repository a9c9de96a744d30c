package io.imaged.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A client of an imaged fixture: the docker CLI ({@link DockerCli}, with its own config folder named as the
 * field) or docker-java ({@code DockerClient}), by the field's type.
 */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
public @interface Cli {
    /** The imaged fixture's name; empty: the only one. */
    String of() default "";
}
