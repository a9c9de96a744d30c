package io.imaged.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imaged.testsupport.Cli;
import io.imaged.testsupport.DockerCli;
import io.imaged.testsupport.Imaged;
import io.imaged.testsupport.ImagedProcess;
import io.imaged.testsupport.ImagedTest;
import io.imaged.testsupport.Registry;
import io.imaged.testsupport.RegistryProcess;
import io.imaged.testsupport.Tars;
import io.imaged.testsupport.TestImages;
import io.imaged.testsupport.WorkDir;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile and malformed requests, sent as a prober sends them — with the real curl ({@code --path-as-is}) and, for
 * what curl will not send, raw bytes through a socket — to the TCP listener and to the unix socket of the packaged
 * server. Every answer must be Docker's error shape: the expected 4xx, {@code Content-Type: application/json}, a
 * {@code {"message": ...}} body that names no Java class and is no HTML page; and a request that would change the
 * store changes nothing on disk.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ImagedTest(tools = "curl")
class MalformedRequestsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IMAGE = "errors/base:1";

    @WorkDir
    private Path dir;
    @Imaged
    private ImagedProcess imaged;

    /** One request: how it is sent, what must come back, and whether it would change the store if accepted. */
    record Case(String name, List<String> curlArgs, byte[] raw, int status, String message, boolean mutating) {
        static Case curl(String name, int status, String message, boolean mutating, String... args) {
            return new Case(name, List.of(args), null, status, message, mutating);
        }

        static Case raw(String name, int status, String message, boolean mutating, String request) {
            return new Case(name, null, request.getBytes(StandardCharsets.ISO_8859_1), status, message, mutating);
        }

        static Case raw(String name, int status, String message, boolean mutating, byte[] request) {
            return new Case(name, null, request, status, message, mutating);
        }
    }

    record Answer(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    @BeforeAll
    void seed() throws Exception {
        Path tar = dir.resolve("base.tar");
        Files.write(tar, Tars.of(Map.of("etc/hello", "hello\n")));
        List<String> out = curl(false, List.of("-X", "POST", "-H", "Content-Type: application/x-tar", "--data-binary", "@" + tar,
                "/images/create?fromSrc=-&repo=errors/base&tag=1"), null);
        assertThat(out.get(0)).as(out.get(1)).isEqualTo("200");
    }

    private List<Case> cases() throws IOException {
        Path trailing = dir.resolve("trailing.tgz");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        gz.write(TestImages.gzip(Tars.of(Map.of("x", "y"))));
        gz.write("garbage after the gzip member".getBytes(StandardCharsets.US_ASCII));
        Files.write(trailing, gz.toByteArray());
        String bigHeader = "X-Padding: " + "a".repeat(100 * 1024);
        String longUrl = "/images/json?x=" + "a".repeat(100 * 1024);
        return List.of(
                // Tomcat refuses these paths before any servlet sees them: they used to be its HTML 400 page
                Case.curl("NUL in a path", 400, null, false, "/images/%00/json"),
                Case.curl("overlong UTF-8 dot", 400, null, false, "/images/%c0%ae%c0%ae/json"),
                Case.curl("invalid escape in a path", 400, null, false, "/images/%zz/json"),
                Case.curl("dot-dot above the root", 400, null, false, "/../../etc/passwd"),
                Case.curl("backslash", 400, null, false, "/images\\json"),
                Case.curl("path parameter", 404, "page not found", false, "/images/json;jsessionid=1"),
                // Spring Boot's error page: a 500 with "status":999 when called directly
                Case.curl("GET /error", 404, "page not found", false, "/error"),
                Case.curl("POST /error", 404, "page not found", false, "-X", "POST", "/error"),
                // dockerd's router does not know TRACE: 404 page not found (Tomcat: an empty 405)
                Case.curl("TRACE", 404, "page not found", false, "-X", "TRACE", "/_ping"),
                Case.curl("TRACE with a secret header", 404, "page not found", false, "-X", "TRACE",
                        "-H", "X-Registry-Auth: c2VjcmV0", "/images/json"),
                Case.curl("Expect other than 100-continue", 417, null, false, "-H", "Expect: 100-foo", "/_ping"),
                Case.curl("100 KiB header", 431, "request header fields too large", false, "-H", bigHeader, "/_ping"),
                Case.curl("100 KiB URL", 431, "request header fields too large", false, longUrl),
                Case.raw("HTTP/2.0 in a request line", 505, "HTTP version not supported", false,
                        "GET /_ping HTTP/2.0\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
                Case.raw("garbage request line", 400, null, false, "HELLO\r\n\r\n"),
                Case.raw("invalid header name", 400, null, false,
                        "GET /_ping HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\nConnection: close\r\n\r\n"),
                Case.raw("HTTP/1.1 without Host", 400, null, false, "GET /_ping HTTP/1.1\r\nConnection: close\r\n\r\n"),
                Case.raw("unknown transfer coding", 501, null, true,
                        "POST /images/load HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: foo\r\nConnection: close\r\n\r\nabc"),
                Case.raw("bad chunk size on import", 400, "malformed chunked encoding", true,
                        "POST /images/create?fromSrc=-&repo=errors/chunk&tag=1 HTTP/1.1\r\nHost: localhost\r\n"
                                + "Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                + "zz\r\nabc\r\n0\r\n\r\n"),
                Case.raw("chunk longer than its size on load", 400, "malformed chunked encoding", true,
                        "POST /images/load HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-tar\r\n"
                                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nabcdefgh\r\n0\r\n\r\n"),
                Case.raw("bad Content-Length", 400, null, true,
                        "POST /images/load HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\nConnection: close\r\n\r\n"),
                // queries are parsed as Go's url.ParseQuery: Tomcat dropped tag=%zz and tagged :latest
                Case.curl("invalid escape in tag", 400, "invalid URL escape \"%zz\"", true,
                        "-X", "POST", "/images/" + IMAGE + "/tag?repo=errors/x&tag=%zz"),
                Case.curl("truncated escape in repo", 400, "invalid URL escape \"%4\"", true,
                        "-X", "POST", "/images/" + IMAGE + "/tag?tag=2&repo=errors/x%4"),
                Case.curl("semicolon in a query", 400, "invalid semicolon separator in query", true,
                        "-X", "POST", "/images/" + IMAGE + "/tag?repo=errors/x;tag=y"),
                Case.curl("invalid escape in force on delete", 400, "invalid URL escape \"%zz\"", true,
                        "-X", "DELETE", "/images/" + IMAGE + "?force=%zz"),
                Case.curl("invalid escape in prune filters", 400, "invalid URL escape \"%zz\"", true,
                        "-X", "POST", "/images/prune?filters=%zz"),
                Case.curl("invalid escape in filters", 400, "invalid URL escape \"%zz\"", false, "/images/json?filters=%zz"),
                Case.curl("repo sha256", 400, "refusing to create an ambiguous tag using digest algorithm as name", true,
                        "-X", "POST", "/images/" + IMAGE + "/tag?repo=sha256&tag=1"),
                Case.curl("repo sha256 on import", 400, "refusing to create an ambiguous tag using digest algorithm as name", true,
                        "-X", "POST", "-H", "Content-Type: application/x-tar", "--data-binary", "@" + trailing,
                        "/images/create?fromSrc=-&repo=sha256"),
                Case.curl("NUL after a save name", 400, "invalid reference format", false,
                        "/images/get?names=" + IMAGE + "%00"),
                Case.curl("comma in a save name", 400, "invalid reference format", false,
                        "/images/get?names=" + IMAGE + ",%20" + IMAGE),
                Case.curl("gzip with trailing garbage on import", 400,
                        "Error processing tar file(exit status 1): gzip: invalid header (data after the last gzip member)", true,
                        "-X", "POST", "-H", "Content-Type: application/x-tar", "--data-binary", "@" + trailing,
                        "/images/create?fromSrc=-&repo=errors/trailing&tag=1"),
                // a registry port that cannot be dialled: was "java.lang.IllegalArgumentException: port out of range"
                Case.curl("push to port 99999", 400, "invalid reference format", true,
                        "-X", "POST", "-H", "X-Registry-Auth: e30=", "/images/localhost:99999/errors/x/push"),
                Case.curl("pull from port 99999", 400, "invalid reference format", true,
                        "-X", "POST", "/images/create?fromImage=localhost:99999/errors/x&tag=1"),
                Case.curl("login to port 99999", 400, "invalid port in server address \"127.0.0.1:99999\"", true,
                        "-X", "POST", "-H", "Content-Type: application/json",
                        "-d", "{\"username\":\"u\",\"password\":\"p\",\"serveraddress\":\"127.0.0.1:99999/some/path\"}", "/auth"),
                Case.curl("login to an address that is no URL", 400, null, true,
                        "-X", "POST", "-H", "Content-Type: application/json",
                        "-d", "{\"username\":\"u\",\"password\":\"p\",\"serveraddress\":\"a b\"}", "/auth"),
                Case.curl("login to a bare path", 400, null, true,
                        "-X", "POST", "-H", "Content-Type: application/json",
                        "-d", "{\"username\":\"u\",\"password\":\"p\",\"serveraddress\":\"/just/a/path\"}", "/auth"));
    }

    @Test
    void everyMalformedRequestGetsDockersErrorShapeOnBothListenersAndChangesNothing() throws Exception {
        Map<String, String> initially = storeState();
        List<String> failures = new ArrayList<>();
        for (boolean unix : new boolean[] {false, true}) {
            for (Case c : cases()) {
                Map<String, String> before = c.mutating() ? storeState() : null;
                Answer a = c.raw() != null ? raw(unix, c.raw()) : curlAnswer(unix, c.curlArgs());
                String where = (unix ? "unix socket" : "TCP") + ": " + c.name();
                try {
                    checkErrorShape(a, c.status(), c.message());
                    if (before != null) assertThat(storeState()).as("the store after " + c.name()).isEqualTo(before);
                } catch (AssertionError e) {
                    failures.add(where + " -> " + a.status() + " " + a.header("content-type") + " " + a.body()
                            + "\n    " + e.getMessage().replace("\n", " "));
                }
            }
        }
        assertThat(failures).as(String.join("\n", failures)).isEmpty();
        // nothing any of them sent was acted upon, and the image still answers
        assertThat(storeState()).isEqualTo(initially);
        assertThat(curlAnswer(true, List.of("/images/" + IMAGE + "/json")).status()).isEqualTo(200);
        assertThat(imaged.logText()).doesNotContain("status\":999").doesNotContain("<html");
    }

    /**
     * A malformed chunked body is read on the upload pool while Tomcat's container thread leaves the request: a read
     * that failed before that thread was gone used to be answered twice (Tomcat's error page and async error paths at
     * once), which gave about one import in twenty an empty 400 or a 500, and half of them a stack trace in the log
     * ("Calling [asyncPostProcess()] is not valid ... [MUST_ERROR]"). Each of these bodies fails at its first read,
     * the likeliest moment; a later chunk fails on the pool alone. Every answer must be the same, and the connection
     * closed, as the request asks.
     */
    @Test
    void malformedChunkedUploadsGetTheSameAnswerEveryTime() throws Exception {
        String head = " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n";
        Map<String, String> requests = new LinkedHashMap<>();
        requests.put("import, bad chunk size", "POST /images/create?fromSrc=-&repo=errors/chunk&tag=1" + head + "zz\r\nabc\r\n0\r\n\r\n");
        requests.put("load, bad chunk size", "POST /images/load" + head + "zz\r\nabc\r\n0\r\n\r\n");
        requests.put("load, chunk longer than its size", "POST /images/load" + head + "5\r\nabcdefgh\r\n0\r\n\r\n");
        requests.put("import, bad second chunk", "POST /images/create?fromSrc=-&repo=errors/chunk&tag=2" + head
                + "200\r\n" + "\0".repeat(512) + "\r\nzz\r\n");
        Map<String, String> before = storeState();
        Map<String, Integer> answers = new TreeMap<>();
        for (int i = 0; i < 25; i++) {
            for (boolean unix : new boolean[] {false, true}) {
                for (Map.Entry<String, String> r : requests.entrySet()) {
                    byte[] response = exchange(unix, r.getValue().getBytes(StandardCharsets.ISO_8859_1), 10);
                    String shape = response == null ? "connection still open after 10 s" : malformedChunkShape(response);
                    answers.merge(r.getKey() + " -> " + shape, 1, Integer::sum);
                }
            }
        }
        assertThat(answers.keySet()).as(answers.toString()).allMatch(k -> k.endsWith(" -> ok"));
        assertThat(storeState()).isEqualTo(before);
        assertThat(imaged.logText()).doesNotContain("MUST_ERROR").doesNotContain("AsyncContext not yet initialized")
                .doesNotContain("Error reading request").doesNotContain("RecycleRequiredException");
    }

    @Test
    void whatRealClientsSendIsAccepted() throws Exception {
        // a 9 KiB X-Registry-Auth (dockerd accepts it; Tomcat's 8 KB default refused it with an HTML 400)
        String auth = "X-Registry-Auth: " + "a".repeat(9 * 1024);
        for (boolean unix : new boolean[] {false, true}) {
            Answer a = curlAnswer(unix, List.of("-H", auth, "/images/json"));
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(JSON.readTree(a.body()).isArray()).isTrue();
            Answer longQuery = curlAnswer(unix, List.of("/images/json?filters=" + "%7B%7D".repeat(1) + "&x=" + "b".repeat(12 * 1024)));
            assertThat(longQuery.status()).as(longQuery.body()).isEqualTo(200);
        }
        // '+' and valid escapes still decode as Go decodes them
        Answer tagged = curlAnswer(false, List.of("-X", "POST", "/images/" + IMAGE + "/tag?repo=errors%2Fplus&tag=v%31"));
        assertThat(tagged.status()).as(tagged.body()).isEqualTo(201);
        Answer inspect = curlAnswer(true, List.of("/images/errors/plus:v1/json"));
        assertThat(inspect.status()).as(inspect.body()).isEqualTo(200);
        // several names= values save several images; one value is one name, not a comma-separated list
        Answer two = curlAnswer(true, List.of("/images/get?names=" + IMAGE + "&names=errors/plus:v1"));
        assertThat(two.status()).isEqualTo(200);
        // a change with a comma is one change, as dockerd reads r.Form["changes"]
        Path tar = dir.resolve("c.tar");
        Files.write(tar, Tars.of(Map.of("c", "c")));
        Answer imported = curlAnswer(true, List.of("-X", "POST", "-H", "Content-Type: application/x-tar", "--data-binary", "@" + tar,
                "/images/create?fromSrc=-&repo=errors/changes&tag=1&changes=ENV%20A%3D1%2C2"));
        assertThat(imported.status()).as(imported.body()).isEqualTo(200);
        JsonNode env = JSON.readTree(curlAnswer(true, List.of("/images/errors/changes:1/json")).body()).path("Config").path("Env");
        assertThat(env.toString()).contains("\"A=1,2\"");
    }

    @Test
    void loginIgnoresAPathInTheServerAddressAsDockerdDoes(@Registry RegistryProcess registry) throws Exception {
        String body = "{\"username\":\"u\",\"password\":\"p\",\"serveraddress\":\"http://" + registry.host() + "/some/path?x=1\"}";
        Answer a = curlAnswer(true, List.of("-X", "POST", "-H", "Content-Type: application/json", "-d", body, "/auth"));
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(JSON.readTree(a.body()).path("Status").asText()).isEqualTo("Login Succeeded");
    }

    @Test
    void theDockerCliShowsPlainMessages(@Cli DockerCli docker) {
        DockerCli.Result push = docker.run("push", "localhost:99999/errors/x:1");
        assertThat(push.exitCode()).isNotZero();
        assertThat(push.stderr()).contains("invalid reference format").doesNotContain("java.").doesNotContain("Exception");
        DockerCli.Result tag = docker.run("tag", IMAGE, "sha256:1");
        assertThat(tag.exitCode()).isNotZero();
        DockerCli.Result listed = docker.run("images", "--format", "{{.Repository}}:{{.Tag}}");
        assertThat(listed.ok().stdout()).doesNotContain("sha256:1");
    }

    // ------------------------------------------------------------------------------------------------ checks

    private static void checkErrorShape(Answer a, int status, String message) throws IOException {
        assertThat(a.status()).as("status").isEqualTo(status);
        assertThat(a.header("content-type")).as("content type").startsWith("application/json");
        assertThat(a.body()).doesNotContain("java.").doesNotContain("Exception").doesNotContainIgnoringCase("<html")
                .doesNotContain("\tat ");
        JsonNode body = JSON.readTree(a.body());
        assertThat(body.isObject()).as("a JSON object").isTrue();
        assertThat(body.size()).as("only a message").isEqualTo(1);
        assertThat(body.path("message").isTextual()).isTrue();
        assertThat(body.path("message").asText()).isNotBlank();
        if (message != null) assertThat(body.path("message").asText()).isEqualTo(message);
    }

    /** "ok" for Docker's 400 "malformed chunked encoding", otherwise what came instead. */
    private static String malformedChunkShape(byte[] response) {
        Answer a;
        try {
            a = parse(response);
        } catch (AssertionError | IOException | RuntimeException e) {
            return "no HTTP answer: " + new String(response, StandardCharsets.ISO_8859_1);
        }
        try {
            checkErrorShape(a, 400, "malformed chunked encoding");
            return "ok";
        } catch (AssertionError | IOException | RuntimeException e) {
            return a.status() + " " + a.header("content-type") + " " + a.body();
        }
    }

    /** Every file of the data root (but the socket) with its content hash: a changed store shows here. */
    private Map<String, String> storeState() throws IOException {
        Map<String, String> state = new TreeMap<>();
        Path root = imaged.dataRoot();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                MessageDigest sha = sha256();
                state.put(root.relativize(p).toString(), HexFormat.of().formatHex(sha.digest(Files.readAllBytes(p))));
            }
        }
        return state;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------ clients

    /** curl --path-as-is to the TCP port or the unix socket; the last argument is the path. */
    private Answer curlAnswer(boolean unix, List<String> args) throws Exception {
        Path headers = Files.createTempFile(dir, "h", ".txt");
        Path body = Files.createTempFile(dir, "b", ".txt");
        List<String> out = curl(unix, args, List.of("-D", headers.toString(), "-o", body.toString()));
        Map<String, String> h = new LinkedHashMap<>();
        for (String line : Files.readAllLines(headers, StandardCharsets.ISO_8859_1)) {
            int colon = line.indexOf(':');
            if (colon > 0) h.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        String text = Files.exists(body) ? Files.readString(body, StandardCharsets.UTF_8) : "";
        return new Answer(Integer.parseInt(out.get(0).trim()), h, text);
    }

    /** Runs curl; returns [http_code, stderr]. {@code extra} options go before the request's own arguments. */
    private List<String> curl(boolean unix, List<String> args, List<String> extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-S", "--path-as-is", "--max-time", "60", "-w", "%{http_code}"));
        if (extra != null) cmd.addAll(extra);
        if (unix) cmd.addAll(List.of("--unix-socket", imaged.socket().toString()));
        List<String> a = new ArrayList<>(args);
        String path = a.remove(a.size() - 1);
        cmd.addAll(a);
        cmd.add((unix ? "http://localhost" : imaged.tcpUrl()) + path);
        if (extra == null) cmd.addAll(1, List.of("-o", "/dev/null"));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] stdout;
        byte[] stderr;
        try (InputStream o = p.getInputStream(); InputStream e = p.getErrorStream()) {
            stdout = o.readAllBytes();
            stderr = e.readAllBytes();
        }
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
        return List.of(new String(stdout, StandardCharsets.UTF_8), new String(stderr, StandardCharsets.UTF_8));
    }

    /** Sends bytes as they are and reads the answer until the server closes (every raw request asks it to). */
    private Answer raw(boolean unix, byte[] request) throws IOException {
        byte[] response;
        if (unix) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(imaged.socket()));
                ch.write(ByteBuffer.wrap(request));
                response = readAll(Channels.newInputStream(ch), () -> ch.shutdownOutput());
            }
        } else {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", imaged.port()), 10_000);
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                out.write(request);
                out.flush();
                response = readAll(s.getInputStream(), s::shutdownOutput);
            }
        }
        return parse(response);
    }

    /**
     * Sends bytes as they are and reads until the server closes the connection, without closing the sending side;
     * null when the connection is still open after {@code seconds}.
     */
    private byte[] exchange(boolean unix, byte[] request, int seconds) throws IOException {
        SocketAddress to = unix ? UnixDomainSocketAddress.of(imaged.socket()) : new InetSocketAddress("127.0.0.1", imaged.port());
        try (SocketChannel ch = SocketChannel.open(to); Selector selector = Selector.open()) {
            ch.write(ByteBuffer.wrap(request));
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) return null;
                selector.select(left);
                selector.selectedKeys().clear();
                int n;
                try {
                    n = ch.read(buf.clear());
                } catch (IOException reset) {
                    return out.toByteArray(); // a reset after the answer: what was read is the answer
                }
                if (n < 0) return out.toByteArray();
                out.write(buf.array(), 0, n);
            }
        }
    }

    interface Shutdown {
        void run() throws IOException;
    }

    private static byte[] readAll(InputStream in, Shutdown afterSend) throws IOException {
        try {
            afterSend.run();
        } catch (IOException ignored) {
            // the server may have closed already
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) >= 0 && out.size() < (1 << 20); ) out.write(buf, 0, n);
        } catch (IOException e) {
            // a reset after the answer: what was read is the answer
        }
        return out.toByteArray();
    }

    private static Answer parse(byte[] response) throws IOException {
        String all = new String(response, StandardCharsets.ISO_8859_1);
        int end = all.indexOf("\r\n\r\n");
        assertThat(end).as("an HTTP answer: " + all).isPositive();
        String[] lines = all.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        byte[] body = java.util.Arrays.copyOfRange(response, end + 4, response.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) body = dechunk(body);
        return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(byte[] chunked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < chunked.length) {
            int eol = indexOf(chunked, i);
            if (eol < 0) break;
            int size = Integer.parseInt(new String(chunked, i, eol - i, StandardCharsets.US_ASCII).split(";")[0].trim(), 16);
            if (size == 0) break;
            out.write(chunked, eol + 2, size);
            i = eol + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) if (b[i] == '\r' && b[i + 1] == '\n') return i;
        return -1;
    }
}
