package io.imaged.testsupport;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An end-to-end test class whose fixture {@link ImagedExtension} builds from its annotated fields ({@link Imaged},
 * {@link Registry}, {@link Proxy}, {@link Tokens}, {@link Certs}, {@link Cli}, {@link WorkDir}) and test parameters.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ImagedExtension.class)
public @interface ImagedTest {
    /** Programs the tests drive themselves, beyond what the fixtures need (e.g. {@code curl}): checked before all. */
    String[] tools() default {};
}
