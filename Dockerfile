# imaged in a container: the first stage builds the jar, the second runs it as an unprivileged user.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /var/lib/imaged imaged \
    && mkdir -p /var/lib/imaged /run/imaged && chown imaged:imaged /var/lib/imaged /run/imaged
COPY --from=build /src/target/imaged.jar /opt/imaged/imaged.jar
USER imaged
# TCP on the container's loopback only (the health check uses it): a listener on 0.0.0.0 needs TLS with client
# certificates (IMAGED_TLS_*, see docs/security.md and docker-compose.yml) or imaged refuses to start
ENV IMAGED_DATA_ROOT=/var/lib/imaged \
    IMAGED_HOSTS=unix:///run/imaged/imaged.sock,tcp://127.0.0.1:2375
VOLUME ["/var/lib/imaged", "/run/imaged"]
EXPOSE 2376
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/2375 && printf 'GET /_ping HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q OK <&3"]
# small heap + serial GC: peak RSS under 300 MB while pulling and pushing GB-sized images (docs/benchmarks.md)
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-Xms32m", "-Xmx512m", "-XX:MaxDirectMemorySize=64m", "-Xss512k", "-XX:ReservedCodeCacheSize=64m", "-XX:MaxHeapFreeRatio=30", "-XX:MinHeapFreeRatio=10", "-XX:+IgnoreUnrecognizedVMOptions", "-XX:TrimNativeHeapInterval=2000", "-jar", "/opt/imaged/imaged.jar"]
