package io.imaged.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A {@link FaultProxy} or a {@link ThrottleProxy} (by the field's type) in front of a registry fixture. A class's
 * FaultProxy forgets its faults after each test.
 */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
public @interface Proxy {
    /** The registry fixture's name; empty: the only one. */
    String of() default "";

    /** For a ThrottleProxy: bytes per second of uploads (0: no limit). */
    long rate() default 0;
}
