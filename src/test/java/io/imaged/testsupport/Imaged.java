package io.imaged.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An {@link ImagedProcess}: the packaged jar started as its own process, on a fresh data root. On a static field
 * it serves the whole class; on a test parameter (or an instance field) that test alone. Values may name other
 * fixtures, fields or no-argument methods of the test: {@code ${registry.url}}, {@code ${certs.serverCert}},
 * {@code ${hubUrl}}.
 */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
public @interface Imaged {
    /** Settings as command-line arguments ({@code --imaged.registry.read-timeout=2s}). */
    String[] args() default {};

    /** Environment variables, {@code NAME=value}. */
    String[] env() default {};

    /** The TCP listener speaks TLS (settings in {@link #args} or {@link #env}): readiness is asked on the socket. */
    boolean tls() default false;

    /** The address the TCP listener binds. */
    String tcpHost() default "127.0.0.1";
}
