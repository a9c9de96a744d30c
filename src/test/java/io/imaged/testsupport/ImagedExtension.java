package io.imaged.testsupport;

import com.github.dockerjava.api.DockerClient;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds an end-to-end test's fixture ({@link ImagedTest}) and closes it: what the annotated static fields declare
 * before all tests and after all of them; what a test's annotated parameters (or, with the default per-method
 * lifecycle, annotated instance fields) declare before that test and after it. A class's {@link FaultProxy} forgets
 * its faults after each test. Started in this order, whatever
 * the order of declaration: work dir, CAs, token servers, registries, proxies, imaged, clients; closed in reverse.
 *
 * <p>Unannotated parameters of the fixture types ({@link ImagedProcess}, {@link DockerCli}, {@link RegistryProcess},
 * {@link FaultProxy}, {@link ThrottleProxy}, {@link TokenServer}, {@link TestCerts}, {@code DockerClient},
 * {@link Fixtures}) get the test's own one of that type, else the class's (there must be one); a {@code DockerCli}
 * or {@code DockerClient} nobody declared is made for the only imaged. Every tool the declared fixtures need is
 * checked up front with {@link Tools#require}: in CI a missing one fails the class, elsewhere it is skipped.
 */
public final class ImagedExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ImagedExtension.class);
    private static final List<Class<? extends Annotation>> ORDER =
            List.of(WorkDir.class, Certs.class, Tokens.class, Registry.class, Proxy.class, Imaged.class, Cli.class);
    private static final Set<Class<?>> TYPES = Set.of(ImagedProcess.class, DockerCli.class, DockerClient.class,
            RegistryProcess.class, FaultProxy.class, ThrottleProxy.class, TokenServer.class, TestCerts.class, Fixtures.class);
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]+)}");

    /** The fixtures of a class or of one test, by the name of the field or parameter that declared them. */
    private static final class Scope implements ExtensionContext.Store.CloseableResource {
        final Scope parent;
        final Fixtures fixtures;
        final Class<?> testClass;
        final Object testInstance;
        final Map<String, Object> byName = new LinkedHashMap<>();
        final Set<Executable> built = new LinkedHashSet<>();
        final boolean ownsDir;
        final java.util.concurrent.atomic.AtomicInteger tests = new java.util.concurrent.atomic.AtomicInteger();

        Scope(Scope parent, Path dir, boolean ownsDir, Class<?> testClass, Object testInstance) {
            this.parent = parent;
            this.fixtures = new Fixtures(dir);
            this.ownsDir = ownsDir;
            this.testClass = testClass;
            this.testInstance = testInstance;
        }

        @Override
        public void close() throws Exception {
            try {
                fixtures.close();
            } finally {
                if (ownsDir) deleteQuietly(fixtures.dir());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Class<?> testClass = context.getRequiredTestClass();
        Object instance = context.getTestInstance().orElse(null);
        List<Field> fields = annotatedFields(testClass, f -> Modifier.isStatic(f.getModifiers())
                || (instance != null && context.getTestInstanceLifecycle().orElse(null) == TestInstance.Lifecycle.PER_CLASS));
        ImagedTest marker = testClass.getAnnotation(ImagedTest.class);
        Set<String> tools = new LinkedHashSet<>(marker == null ? List.of() : List.of(marker.tools()));
        for (Field f : fields) tools.addAll(toolsFor(f, f.getType()));
        // every tool at once, before anything starts: the message names all that are missing
        if (!tools.isEmpty()) Tools.require(tools.toArray(String[]::new));

        // short: a unix socket's path has at most 107 bytes, podman's run root 50
        Path dir = Files.createTempDirectory("it-");
        Scope scope = new Scope(null, dir, true, testClass, instance);
        context.getStore(NS).put(Scope.class, scope); // closed after the class, even when a start below fails
        for (Field f : fields) {
            Object value = build(scope, f, f.getName(), f.getType());
            f.setAccessible(true);
            f.set(Modifier.isStatic(f.getModifiers()) ? null : instance, value);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (context.getTestInstanceLifecycle().orElse(null) == TestInstance.Lifecycle.PER_CLASS) return;
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            List<Field> fields = annotatedFields(instance.getClass(), f -> !Modifier.isStatic(f.getModifiers()));
            if (fields.isEmpty()) continue;
            Scope scope = methodScope(context);
            List<String> tools = new ArrayList<>();
            for (Field f : fields) tools.addAll(toolsFor(f, f.getType()));
            if (!tools.isEmpty()) Tools.require(tools.toArray(String[]::new));
            for (Field f : fields) {
                Object value = build(scope, f, f.getName(), f.getType());
                f.setAccessible(true);
                f.set(instance, value);
            }
        }
    }

    /** A class's fault proxies forget the faults a test set up (its own fixtures are closed with its scope). */
    @Override
    public void afterEach(ExtensionContext context) {
        for (Object v : classScope(context).byName.values()) {
            if (v instanceof FaultProxy proxy) proxy.clearFaults();
        }
    }

    // ------------------------------------------------------------------------------------------------ parameters

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        Parameter p = pc.getParameter();
        if (fixtureAnnotation(p) != null) return true;
        return TYPES.contains(p.getType());
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        Parameter p = pc.getParameter();
        try {
            Annotation a = fixtureAnnotation(p);
            boolean inTest = ec.getTestMethod().isPresent();
            if (a instanceof WorkDir) return classScope(ec).fixtures.dir();
            if (a != null) {
                if (!inTest) throw new ParameterResolutionException("@" + a.annotationType().getSimpleName()
                        + " parameters are for tests and @BeforeEach methods; use a static field for the class");
                Scope scope = methodScope(ec);
                buildParameters(scope, pc.getDeclaringExecutable());
                return scope.byName.get(p.getName());
            }
            Class<?> type = p.getType();
            if (type == Fixtures.class) return (inTest ? methodScope(ec) : classScope(ec)).fixtures;
            Executable executable = pc.getDeclaringExecutable();
            if (inTest && java.util.Arrays.stream(executable.getParameters()).anyMatch(q -> fixtureAnnotation(q) != null)) {
                buildParameters(methodScope(ec), executable);
            }
            Scope own = inTest ? existingMethodScope(ec) : null;
            Object found = own == null ? null : unique(own, type);
            if (found == null) found = unique(classScope(ec), type);
            if (found == null && (type == DockerCli.class || type == DockerClient.class)) {
                Scope where = own != null && unique(own, ImagedProcess.class) != null ? own : classScope(ec);
                ImagedProcess imaged = (ImagedProcess) unique(where, ImagedProcess.class);
                if (imaged != null) {
                    Object client = type == DockerCli.class ? where.fixtures.cli(imaged, p.getName()) : where.fixtures.dockerJava(imaged);
                    where.byName.put(p.getName(), client);
                    return client;
                }
            }
            if (found == null) throw new ParameterResolutionException("no " + type.getSimpleName() + " in the fixture for "
                    + p.getName() + " (declare one with an annotation)");
            return found;
        } catch (ParameterResolutionException e) {
            throw e;
        } catch (Exception e) {
            throw new ParameterResolutionException("could not start " + p.getName() + ": " + e.getMessage(), e);
        }
    }

    /** Starts every annotated parameter of {@code executable} (once), in fixture order. */
    private static void buildParameters(Scope scope, Executable executable) throws Exception {
        if (!scope.built.add(executable)) return;
        List<Parameter> params = new ArrayList<>();
        for (Parameter p : executable.getParameters()) {
            Annotation a = fixtureAnnotation(p);
            if (a != null && !(a instanceof WorkDir)) params.add(p);
        }
        params.sort(Comparator.comparingInt(p -> ORDER.indexOf(fixtureAnnotation(p).annotationType())));
        List<String> tools = new ArrayList<>();
        for (Parameter p : params) tools.addAll(toolsFor(p, p.getType()));
        if (!tools.isEmpty()) Tools.require(tools.toArray(String[]::new));
        for (Parameter p : params) {
            if (!p.isNamePresent()) throw new ExtensionConfigurationException("compile the tests with -parameters");
            scope.byName.put(p.getName(), build(scope, p, p.getName(), p.getType()));
        }
    }

    // ------------------------------------------------------------------------------------------------ building

    private static Object build(Scope scope, AnnotatedElement element, String name, Class<?> type) throws Exception {
        Annotation a = fixtureAnnotation(element);
        Fixtures fx = scope.fixtures;
        Object value;
        if (a instanceof WorkDir) {
            value = fx.dir();
        } else if (a instanceof Certs) {
            value = fx.certs(name);
        } else if (a instanceof Tokens t) {
            value = fx.tokens(name, resolve(scope, t.user()), resolve(scope, t.password()));
        } else if (a instanceof Registry r) {
            if (!r.tls().isEmpty()) {
                TestCerts certs = (TestCerts) lookup(scope, r.tls(), TestCerts.class);
                value = fx.registry(name, certs.registryTls(r.clientCerts()), resolve(scope, r.user()), resolve(scope, r.password()));
            } else if (!r.tokens().isEmpty()) {
                value = fx.registry(name, (TokenServer) lookup(scope, r.tokens(), TokenServer.class));
            } else if (!r.user().isEmpty()) {
                value = fx.registry(name, resolve(scope, r.user()), resolve(scope, r.password()));
            } else {
                value = fx.registry(name);
            }
        } else if (a instanceof Proxy p) {
            RegistryProcess registry = (RegistryProcess) lookup(scope, p.of(), RegistryProcess.class);
            value = type == ThrottleProxy.class ? fx.throttleProxy(registry, p.rate()) : fx.faultProxy(registry);
        } else if (a instanceof Imaged i) {
            value = fx.imaged(name, b -> {
                for (String arg : i.args()) b.args(resolve(scope, arg));
                for (String e : i.env()) {
                    String v = resolve(scope, e);
                    b.env(v.substring(0, v.indexOf('=')), v.substring(v.indexOf('=') + 1));
                }
                if (i.tls()) b.tls();
                return b.tcpHost(i.tcpHost());
            });
        } else if (a instanceof Cli c) {
            ImagedProcess imaged = (ImagedProcess) lookup(scope, c.of(), ImagedProcess.class);
            value = type == DockerClient.class ? fx.dockerJava(imaged) : fx.cli(imaged, name);
        } else {
            throw new ExtensionConfigurationException("not a fixture: " + element);
        }
        if (!type.isInstance(value)) {
            throw new ExtensionConfigurationException(name + ": @" + a.annotationType().getSimpleName() + " makes a "
                    + value.getClass().getSimpleName() + ", not a " + type.getSimpleName());
        }
        scope.byName.put(name, value);
        return value;
    }

    private static List<String> toolsFor(AnnotatedElement element, Class<?> type) {
        Annotation a = fixtureAnnotation(element);
        List<String> tools = new ArrayList<>();
        if (a instanceof Registry r) {
            tools.add("docker-registry");
            if (!r.user().isEmpty()) tools.add("htpasswd");
        } else if (a instanceof Certs) {
            tools.add("openssl");
        } else if (a instanceof Cli && type == DockerCli.class) {
            tools.add("docker");
        }
        return tools;
    }

    /** The fixture named {@code name} (this scope, then the class's), or the only one of {@code type} when empty. */
    private static Object lookup(Scope scope, String name, Class<?> type) {
        if (name.isEmpty()) {
            for (Scope s = scope; s != null; s = s.parent) {
                Object u = unique(s, type);
                if (u != null) return u;
            }
            throw new ExtensionConfigurationException("no single " + type.getSimpleName() + " in the fixture; name one");
        }
        for (Scope s = scope; s != null; s = s.parent) {
            Object v = s.byName.get(name);
            if (v != null) return v;
        }
        throw new ExtensionConfigurationException("no fixture named " + name + " (declared after its user?)");
    }

    private static Object unique(Scope scope, Class<?> type) {
        Object found = null;
        for (Object v : scope.byName.values()) {
            if (type.isInstance(v) && !(v instanceof Path)) {
                if (found != null && found != v) {
                    throw new ParameterResolutionException("more than one " + type.getSimpleName() + " in the fixture; "
                            + "annotate the parameter to say which");
                }
                found = v;
            }
        }
        return found;
    }

    /**
     * Replaces each {@code ${a.b.c}}: {@code a} is a fixture, else a field or no-argument method of the test
     * class (static, or of the test instance); each further part a no-argument method or field of what came before.
     */
    static String resolve(Scope scope, String text) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String[] parts = m.group(1).split("\\.");
            Object v = null;
            boolean found = false;
            for (Scope s = scope; s != null && !found; s = s.parent) {
                if (s.byName.containsKey(parts[0])) {
                    v = s.byName.get(parts[0]);
                    found = true;
                }
            }
            if (!found) v = member(scope.testClass, scope.testInstance != null ? scope.testInstance : rootInstance(scope), parts[0]);
            for (int i = 1; i < parts.length; i++) v = member(v.getClass(), v, parts[i]);
            m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(v)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Object rootInstance(Scope scope) {
        for (Scope s = scope; s != null; s = s.parent) if (s.testInstance != null) return s.testInstance;
        return null;
    }

    private static Object member(Class<?> type, Object target, String name) {
        try {
            for (Class<?> c = type; c != null; c = c.getSuperclass()) {
                for (Method method : c.getDeclaredMethods()) {
                    if (method.getName().equals(name) && method.getParameterCount() == 0
                            && (target != null || Modifier.isStatic(method.getModifiers()))) {
                        method.setAccessible(true);
                        return method.invoke(Modifier.isStatic(method.getModifiers()) ? null : target);
                    }
                }
                for (Field field : c.getDeclaredFields()) {
                    if (field.getName().equals(name) && (target != null || Modifier.isStatic(field.getModifiers()))) {
                        field.setAccessible(true);
                        return field.get(Modifier.isStatic(field.getModifiers()) ? null : target);
                    }
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new ExtensionConfigurationException("${" + name + "}: " + e, e);
        }
        throw new ExtensionConfigurationException("nothing named " + name + " in " + type.getName());
    }

    // ------------------------------------------------------------------------------------------------ scopes

    private static Scope classScope(ExtensionContext context) {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null)) {
            Scope s = c.getStore(NS).get(Scope.class, Scope.class);
            if (s != null && s.parent == null) return s;
        }
        throw new ExtensionConfigurationException("no class fixture: is the class annotated with @ImagedTest?");
    }

    private static Scope existingMethodScope(ExtensionContext context) {
        Scope s = context.getStore(NS).get(Scope.class, Scope.class);
        return s != null && s.parent != null ? s : null;
    }

    /** The test's own scope, made on first use and closed when the test (with its @AfterEach methods) is done. */
    private static Scope methodScope(ExtensionContext context) throws IOException {
        Scope existing = existingMethodScope(context);
        if (existing != null) return existing;
        Scope parent = classScope(context);
        Path dir = parent.fixtures.dir().resolve("t" + parent.tests.incrementAndGet());
        Scope scope = new Scope(parent, dir, false, context.getRequiredTestClass(), context.getTestInstance().orElse(null));
        context.getStore(NS).put(Scope.class, scope);
        return scope;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static Annotation fixtureAnnotation(AnnotatedElement element) {
        for (Class<? extends Annotation> t : ORDER) {
            Annotation a = element.getAnnotation(t);
            if (a != null) return a;
        }
        return null;
    }

    private static List<Field> annotatedFields(Class<?> type, java.util.function.Predicate<Field> which) {
        List<Field> fields = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) if (fixtureAnnotation(f) != null && which.test(f)) fields.add(f);
        }
        fields.sort(Comparator.comparingInt(f -> ORDER.indexOf(fixtureAnnotation(f).annotationType())));
        return fields;
    }

    private static void deleteQuietly(Path root) {
        if (!Files.exists(root)) return;
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    try {
                        Files.delete(file);
                    } catch (IOException ignored) {
                        // best effort: a file a test made unreadable stays in /tmp
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) {
                    try {
                        Files.delete(d);
                    } catch (IOException ignored) {
                        // not empty: something above could not be deleted
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
