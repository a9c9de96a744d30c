package io.imaged.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A {@link TokenServer} for token-auth registries (see {@link Registry#tokens}). Values may name fields ({@code ${PW}}). */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
public @interface Tokens {
    String user() default TokenServer.USER;

    String password() default TokenServer.PASSWORD;
}
