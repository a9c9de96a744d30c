package io.imaged.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A {@link RegistryProcess}: a real docker-registry on a free loopback port, plain HTTP without authentication
 * unless told otherwise. Values may name fields of the test ({@code ${PASSWORD}}).
 */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
public @interface Registry {
    /** With a user: htpasswd basic auth for this user and {@link #password}. */
    String user() default "";

    String password() default "";

    /** Token auth: the name of the {@link Tokens} fixture whose tokens the registry trusts. */
    String tokens() default "";

    /** HTTPS: the name of the {@link Certs} fixture whose server certificate it serves. */
    String tls() default "";

    /** With {@link #tls}: client certificates of that CA are required. */
    boolean clientCerts() default false;
}
