package io.imaged.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A token server for docker-distribution's token auth (auth-token.md, auth-oauth.md) in the test: it signs JWTs
 * (RS256, x5c header) with a key whose self-signed certificate the registry trusts ({@link #registryYaml}).
 * {@code alice}/{@code secret} gets every scope she asks for; anonymous gets none. With {@code offline_token=true}
 * it also hands out a refresh token, which {@code POST grant_type=refresh_token} accepts.
 */
public final class TokenServer implements AutoCloseable {
    public static final String SERVICE = "imaged-test-registry";
    public static final String ISSUER = "imaged-test-issuer";
    public static final String USER = "alice";
    public static final String PASSWORD = "secret";
    private final HttpServer server;
    private final PrivateKey key;
    private final X509Certificate cert;
    private final Path certPem;
    private final Set<String> refreshTokens = ConcurrentHashMap.newKeySet();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<String> issued = new CopyOnWriteArrayList<>();
    private final String user;
    private final String password;

    public TokenServer(Path dir) throws Exception {
        this(dir, USER, PASSWORD);
    }

    /** A token server that knows {@code user} with {@code password} (a distinctive one lets a test grep for it). */
    public TokenServer(Path dir, String user, String password) throws Exception {
        this.user = user;
        this.password = password;
        Files.createDirectories(dir);
        Path ks = dir.resolve("token.p12");
        certPem = dir.resolve("token.pem");
        run("keytool", "-genkeypair", "-alias", "token", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=imaged-test-token",
                "-validity", "2", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
        run("keytool", "-exportcert", "-rfc", "-alias", "token", "-keystore", ks.toString(), "-storepass", "changeit",
                "-file", certPem.toString());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        key = (PrivateKey) store.getKey("token", "changeit".toCharArray());
        cert = (X509Certificate) store.getCertificate("token");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", this::handle);
        server.start();
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + ": " + out);
    }

    public String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    /** The {@code auth:} section for {@link RegistryProcess#startWithConfig}. */
    public String registryYaml() {
        return "auth: {token: {realm: \"" + realm() + "\", service: " + SERVICE + ", issuer: " + ISSUER
                + ", rootcertbundle: " + certPem + "}}";
    }

    /** Requests seen: method, grant type or scopes, and whether credentials came (never their values). */
    public List<String> requests() {
        return List.copyOf(log);
    }

    /** Every bearer and refresh token handed out so far (for tests that check none of them is written anywhere). */
    public List<String> issued() {
        return List.copyOf(issued);
    }

    /** Forgets every refresh token handed out, as when they expire: a login's identity token stops working. */
    public void revokeRefreshTokens() {
        refreshTokens.clear();
    }

    /** A signed token granting {@code actions} on {@code repo}. */
    public String mint(String subject, String repo, String... actions) throws Exception {
        List<String> scopes = new ArrayList<>();
        if (repo != null) scopes.add("repository:" + repo + ":" + String.join(",", actions));
        return sign(subject, scopes);
    }

    private String sign(String subject, List<String> scopes) throws Exception {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = "{\"typ\":\"JWT\",\"alg\":\"RS256\",\"x5c\":[\"" + Base64.getEncoder().encodeToString(cert.getEncoded()) + "\"]}";
        long now = System.currentTimeMillis() / 1000;
        StringBuilder access = new StringBuilder("[");
        for (String s : scopes) {
            String[] p = s.split(":");
            if (p.length < 3) continue;
            if (access.length() > 1) access.append(',');
            access.append("{\"type\":\"").append(p[0]).append("\",\"name\":\"").append(p[1]).append("\",\"actions\":[");
            String[] acts = p[2].split(",");
            for (int i = 0; i < acts.length; i++) access.append(i > 0 ? "," : "").append('"').append(acts[i]).append('"');
            access.append("]}");
        }
        access.append(']');
        String claims = "{\"iss\":\"" + ISSUER + "\",\"sub\":\"" + subject + "\",\"aud\":\"" + SERVICE + "\",\"exp\":" + (now + 300)
                + ",\"nbf\":" + (now - 10) + ",\"iat\":" + now + ",\"jti\":\"" + UUID.randomUUID() + "\",\"access\":" + access + "}";
        String signingInput = b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Signature sig = Signature.getInstance("SHA256withRSA");
        sig.initSign(key);
        sig.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + b64.encodeToString(sig.sign());
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            Map<String, List<String>> q = new LinkedHashMap<>();
            parse(ex.getRequestURI().getRawQuery(), q);
            if (ex.getRequestMethod().equals("POST")) parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), q);
            String grant = first(q, "grant_type");
            List<String> scopes = new ArrayList<>();
            for (String s : q.getOrDefault("scope", List.of())) scopes.addAll(List.of(s.split(" ")));
            String authz = ex.getRequestHeaders().getFirst("Authorization");
            log.add(ex.getRequestMethod() + " grant=" + grant + " scopes=" + scopes + " basic=" + (authz != null));
            String subject = null;
            if ("refresh_token".equals(grant)) {
                if (!refreshTokens.contains(first(q, "refresh_token"))) {
                    reply(ex, 401, "{\"details\":\"invalid refresh token\"}");
                    return;
                }
                subject = user;
            } else if (authz != null) {
                String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
                if (!authz.equals(expected)) {
                    reply(ex, 401, "{\"details\":\"incorrect username or password\"}");
                    return;
                }
                subject = user;
            }
            String token = sign(subject == null ? "" : subject, subject == null ? List.of() : scopes);
            issued.add(token);
            StringBuilder body = new StringBuilder("{\"token\":\"" + token + "\",\"access_token\":\"" + token + "\",\"expires_in\":300");
            if (subject != null && "true".equals(first(q, "offline_token"))) {
                String refresh = "refresh-" + UUID.randomUUID();
                refreshTokens.add(refresh);
                issued.add(refresh);
                body.append(",\"refresh_token\":\"").append(refresh).append('"');
            }
            reply(ex, 200, body.append('}').toString());
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private static void parse(String query, Map<String, List<String>> into) {
        if (query == null || query.isEmpty()) return;
        for (String kv : query.split("&")) {
            int i = kv.indexOf('=');
            String k = URLDecoder.decode(i < 0 ? kv : kv.substring(0, i), StandardCharsets.UTF_8);
            String v = i < 0 ? "" : URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8);
            into.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
    }

    private static String first(Map<String, List<String>> q, String k) {
        List<String> v = q.get(k);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
