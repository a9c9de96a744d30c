package io.imaged.registry;

import io.imaged.pem.PemFiles;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * One registry's directory in {@code <data-root>/certs.d/<host:port>/}, read as dockerd's
 * {@code ReadCertsDirectory} does: every {@code *.crt} holds CA certificates (PEM, added to the system CAs); every
 * {@code name.cert} is a client certificate whose PEM private key is {@code name.key} (PKCS#1 RSA, SEC1 EC or
 * PKCS#8, unencrypted). A {@code .cert} without its {@code .key}, or a {@code .key} without its {@code .cert}, is an
 * error, as with dockerd.
 *
 * @param dir         the directory read
 * @param cas         CA certificates from the {@code *.crt} files
 * @param clients     client certificates with their keys
 * @param fingerprint names, sizes and modification times of the files, so a cached TLS setup is rebuilt when the
 *                    directory changes (dockerd reads it for every pull)
 */
public record CertsDirectory(Path dir, List<X509Certificate> cas, List<ClientCert> clients, String fingerprint) {
    static final CertsDirectory NONE = new CertsDirectory(null, List.of(), List.of(), "");

    /** A client certificate (chain, leaf first) and its private key, from {@code file}. */
    public record ClientCert(Path file, List<X509Certificate> chain, PrivateKey key) {
        @Override
        public String toString() {
            return file.toString();
        }
    }

    /** A certs.d directory that cannot be used; pulls and pushes to its registry fail with this message. */
    public static class InvalidException extends IOException {
        public InvalidException(String message) {
            super(message);
        }

        public InvalidException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public boolean isEmpty() {
        return cas.isEmpty() && clients.isEmpty();
    }

    /** Only the fingerprint of {@code dir} (cheap: one directory listing), "" when it does not exist. */
    public static String fingerprint(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return "";
        TreeMap<String, String> files = new TreeMap<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                files.put(p.getFileName().toString(), a.size() + "@" + a.lastModifiedTime().toMillis());
            }
        }
        return files.toString();
    }

    /** Reads {@code dir}; a missing directory is an empty one. */
    public static CertsDirectory read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return NONE;
        String fingerprint = fingerprint(dir);
        Set<String> names = new java.util.TreeSet<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) names.add(p.getFileName().toString());
        }
        List<X509Certificate> cas = new ArrayList<>();
        List<ClientCert> clients = new ArrayList<>();
        for (String name : names) {
            Path p = dir.resolve(name);
            if (name.endsWith(".crt")) {
                cas.addAll(certificates(p));
            } else if (name.endsWith(".cert")) {
                String keyName = name.substring(0, name.length() - ".cert".length()) + ".key";
                if (!names.contains(keyName)) {
                    throw new InvalidException("missing key " + keyName + " for client certificate " + name
                            + ". CA certificates must use the extension .crt");
                }
                clients.add(clientCert(p, dir.resolve(keyName)));
            } else if (name.endsWith(".key")) {
                String certName = name.substring(0, name.length() - ".key".length()) + ".cert";
                if (!names.contains(certName)) {
                    throw new InvalidException("missing client certificate " + certName + " for key " + name);
                }
            }
        }
        return new CertsDirectory(dir, List.copyOf(cas), List.copyOf(clients), fingerprint);
    }

    private static List<X509Certificate> certificates(Path file) throws IOException {
        try {
            return PemFiles.certificates(file);
        } catch (PemFiles.InvalidPemException e) {
            throw new InvalidException(e.getMessage(), e);
        }
    }

    private static ClientCert clientCert(Path certFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = certificates(certFile);
        PrivateKey key = privateKey(keyFile);
        if (!PemFiles.matches(chain.get(0), key)) {
            throw new InvalidException("private key " + keyFile + " does not match the public key of " + certFile);
        }
        return new ClientCert(certFile, List.copyOf(chain), key);
    }

    /** The first private key in a PEM file (see {@link PemFiles#privateKey}). */
    static PrivateKey privateKey(Path file) throws IOException {
        try {
            return PemFiles.privateKey(file);
        } catch (PemFiles.InvalidPemException e) {
            throw new InvalidException(e.getMessage(), e);
        }
    }
}
