package io.imaged.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Credentials as the docker CLI sends them: base64url JSON in {@code X-Registry-Auth}, or the JSON body of
 * {@code POST /auth}. {@link #toString()} never shows a secret, so an AuthConfig can't leak into a log.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AuthConfig(@JsonProperty("username") String username,
                         @JsonProperty("password") String password,
                         @JsonProperty("auth") String auth,
                         @JsonProperty("email") String email,
                         @JsonProperty("serveraddress") String serverAddress,
                         @JsonProperty("identitytoken") String identityToken,
                         @JsonProperty("registrytoken") String registryToken) {

    public static final AuthConfig ANONYMOUS = new AuthConfig(null, null, null, null, null, null, null);

    /**
     * Decodes an {@code X-Registry-Auth} header. Like dockerd, a value that is not base64 JSON means
     * "no credentials" rather than an error (pull works with {@code X-Registry-Auth: notbase64!!}).
     */
    public static AuthConfig fromHeader(String header, ObjectMapper json) {
        if (header == null || header.isBlank()) return ANONYMOUS;
        try {
            String h = header.trim();
            byte[] raw;
            try {
                raw = Base64.getUrlDecoder().decode(h);
            } catch (IllegalArgumentException e) {
                raw = Base64.getDecoder().decode(h);
            }
            AuthConfig a = json.readValue(raw, AuthConfig.class);
            return a == null ? ANONYMOUS : a.normalised();
        } catch (Exception e) {
            return ANONYMOUS;
        }
    }

    /** Splits the legacy {@code auth} field (base64 of user:password) when username/password are missing. */
    public AuthConfig normalised() {
        if ((username == null || username.isEmpty()) && auth != null && !auth.isEmpty()) {
            try {
                String s = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
                int i = s.indexOf(':');
                if (i > 0) return new AuthConfig(s.substring(0, i), s.substring(i + 1), auth, email, serverAddress, identityToken, registryToken);
            } catch (IllegalArgumentException ignored) {
                // an unreadable auth field is no credential
            }
        }
        return this;
    }

    public boolean hasBasic() {
        return username != null && !username.isEmpty() && password != null;
    }

    public boolean hasIdentityToken() {
        return identityToken != null && !identityToken.isEmpty();
    }

    public boolean hasRegistryToken() {
        return registryToken != null && !registryToken.isEmpty();
    }

    public boolean anonymous() {
        return !hasBasic() && !hasIdentityToken() && !hasRegistryToken();
    }

    /** {@code Basic base64(user:password)}. */
    public String basicHeader() {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** A key for token caches that tells credentials apart without holding them in clear. */
    public String cacheKey() {
        if (anonymous()) return "anonymous";
        String material = username + "\0" + password + "\0" + identityToken + "\0" + registryToken;
        return io.imaged.digest.Digest.sha256(material).hex();
    }

    @Override
    public String toString() {
        return "AuthConfig[username=" + username + ", serverAddress=" + serverAddress
                + (hasBasic() ? ", password=***" : "") + (hasIdentityToken() ? ", identitytoken=***" : "")
                + (hasRegistryToken() ? ", registrytoken=***" : "") + "]";
    }
}
