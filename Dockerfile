# imaged in a container: the first stage builds the jar, the second runs it as an unprivileged user.
FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
# the class-data archive is made below, by the runtime image's own JVM (an archive fits only the JVM that made it)
RUN mvn -B -q package -DskipTests -Dimaged.archive.skip

# JDK 25: make-archive then writes an AOT cache (classes loaded, linked and profiled), a quicker start than JDK 17's
# AppCDS (docs/benchmarks.md, startup); the jar itself is Java 17 bytecode and runs on either
FROM eclipse-temurin:25-jre
RUN useradd --system --uid 10001 --home-dir /var/lib/imaged imaged \
    && mkdir -p /var/lib/imaged /run/imaged && chown imaged:imaged /var/lib/imaged /run/imaged
COPY --from=build /src/target/imaged /opt/imaged
# the training run of the launcher's class-data archive (src/main/launcher/make-archive): starts in half the time
RUN /opt/imaged/make-archive
USER imaged
# TCP on the container's loopback only (the health check uses it): a listener on 0.0.0.0 needs TLS with client
# certificates (IMAGED_TLS_*, see docs/security.md and docker-compose.yml) or imaged refuses to start
ENV IMAGED_DATA_ROOT=/var/lib/imaged \
    IMAGED_HOSTS=unix:///run/imaged/imaged.sock,tcp://127.0.0.1:2375
VOLUME ["/var/lib/imaged", "/run/imaged"]
EXPOSE 2376
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/2375 && printf 'GET /_ping HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q OK <&3"]
# the launcher: the archive above, and a small heap with the serial GC (peak RSS under 300 MB while GB-sized images
# move, docs/benchmarks.md); IMAGED_JAVA_OPTS adds JVM options
ENTRYPOINT ["/opt/imaged/imaged"]
