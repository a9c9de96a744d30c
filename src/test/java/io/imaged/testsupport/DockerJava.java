package io.imaged.testsupport;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;

import java.time.Duration;

/** docker-java over imaged's unix socket. */
public final class DockerJava {
    private DockerJava() {
    }

    public static DockerClient connect(String dockerHost) {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(dockerHost).withDockerTlsVerify(false).build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .connectionTimeout(Duration.ofSeconds(10)).responseTimeout(Duration.ofMinutes(5)).build();
        return DockerClientImpl.getInstance(config, http);
    }
}
