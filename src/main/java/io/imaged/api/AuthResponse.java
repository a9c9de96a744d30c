package io.imaged.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * The answer to {@code POST /auth}, as dockerd's {@code AuthenticateOKBody}. {@link #toString()} hides the identity
 * token: Spring MVC logs a response body with its toString() at {@code org.springframework.web=DEBUG}, and the
 * token is a long-lived credential for the registry.
 */
@JsonPropertyOrder({"Status", "IdentityToken"})
public record AuthResponse(@JsonProperty("Status") String status,
                           @JsonProperty("IdentityToken") String identityToken) {

    static AuthResponse loginSucceeded(String identityToken) {
        return new AuthResponse("Login Succeeded", identityToken);
    }

    @Override
    public String toString() {
        return "AuthResponse[Status=" + status + (identityToken == null || identityToken.isEmpty() ? "" : ", IdentityToken=***") + "]";
    }
}
