package io.imaged.registry;

import io.imaged.error.ImagedException;
import io.imaged.error.ImagedException.Kind;
import io.imaged.reference.ImageReference;

import java.io.IOException;

/**
 * The one place where a failed registry exchange becomes an {@link ImagedException} of a kind, for each thing the
 * Engine asks a registry. The message stays the registry's words ({@link RegistryException}), or dockerd's for a
 * pull; which HTTP status a kind gets is {@code io.imaged.api}'s business.
 *
 * <table>
 *   <caption>kinds per operation</caption>
 *   <tr><th>the registry's answer</th><th>query (distribution inspect, search)</th><th>pull</th><th>login</th></tr>
 *   <tr><td>bad {@code certs.d} files</td><td>invalid</td><td>invalid</td><td>invalid</td></tr>
 *   <tr><td>MANIFEST_UNKNOWN, NAME_UNKNOWN, 404</td><td>not found</td><td>not found (404 only without codes)</td><td>system</td></tr>
 *   <tr><td>401</td><td>unauthorized</td><td>system</td><td>unauthorized</td></tr>
 *   <tr><td>DENIED, 403</td><td>forbidden (403 only)</td><td>not found ("pull access denied")</td><td>unauthorized</td></tr>
 *   <tr><td>anything else, or no answer</td><td>system</td><td>system</td><td>system</td></tr>
 * </table>
 */
public final class RegistryErrors {
    private RegistryErrors() {
    }

    /** A query that stores nothing ({@code GET /distribution/{name}/json}, search): errcode's kinds of the answer. */
    public static ImagedException ofQuery(IOException e) {
        if (e instanceof CertsDirectory.InvalidException) return ImagedException.invalid(e.getMessage()); // as a pull's
        if (e instanceof RegistryException r) return new ImagedException(kind(r), r.getMessage(), e);
        return ImagedException.system(e.getMessage(), e);
    }

    private static Kind kind(RegistryException r) {
        if (r.hasCode("MANIFEST_UNKNOWN") || r.hasCode("NAME_UNKNOWN") || r.status() == 404) return Kind.NOT_FOUND;
        if (r.status() == 401) return Kind.UNAUTHORIZED;
        if (r.status() == 403) return Kind.FORBIDDEN;
        return Kind.SYSTEM;
    }

    /** A pull of {@code ref}: dockerd's wording and kinds (distribution/errors.go translatePullError). */
    public static ImagedException ofPull(ImageReference ref, IOException e) {
        if (e instanceof CertsDirectory.InvalidException) {
            return ImagedException.invalid(e.getMessage()); // dockerd: an invalid parameter
        }
        if (e instanceof RegistryException r) {
            if (r.hasCode("MANIFEST_UNKNOWN") || (r.status() == 404 && r.codes().isEmpty())) {
                return ImagedException.notFound("manifest for " + ref.familiarString() + " not found: " + r.getMessage());
            }
            if (r.hasCode("NAME_UNKNOWN")) {
                return ImagedException.notFound("repository " + ref.familiarName() + " not found: " + r.getMessage());
            }
            if (r.hasCode("DENIED") || r.status() == 403) {
                return ImagedException.notFound("pull access denied for " + ref.familiarName()
                        + ", repository does not exist or may require 'docker login': " + r.getMessage());
            }
        }
        return ImagedException.system(e.getMessage(), e);
    }

    /** {@code POST /auth}: credentials the registry refuses (401 or 403) are unauthorized, as dockerd's login says. */
    public static ImagedException ofLogin(IOException e) {
        if (e instanceof RegistryException r) {
            return new ImagedException(r.status() == 401 || r.status() == 403 ? Kind.UNAUTHORIZED : Kind.SYSTEM, r.getMessage(), e);
        }
        if (e instanceof CertsDirectory.InvalidException) return ImagedException.invalid(e.getMessage());
        return ImagedException.system(e.getMessage(), e);
    }
}
