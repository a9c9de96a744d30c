package io.imaged.registry;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CidrTest {

    @Test
    void matchesLiteralAddressesInsideTheRange() {
        Cidr ten = Cidr.parse("10.20.0.0/14");
        assertThat(ten).isNotNull();
        assertThat(ten.contains("10.20.0.1")).isTrue();
        assertThat(ten.contains("10.23.255.255")).isTrue();
        assertThat(ten.contains("10.24.0.0")).isFalse();
        assertThat(ten.contains("11.20.0.1")).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains("192.0.2.7")).isTrue();
        assertThat(Cidr.parse("192.0.2.7/32").contains("192.0.2.7")).isTrue();
        assertThat(Cidr.parse("192.0.2.7/32").contains("192.0.2.8")).isFalse();
    }

    @Test
    void ipv6RangesAndFamiliesDoNotMix() {
        Cidr ula = Cidr.parse("fd00::/8");
        assertThat(ula.contains("fd12:3456::1")).isTrue();
        assertThat(ula.contains("fe80::1")).isFalse();
        assertThat(ula.contains("10.0.0.1")).isFalse();
        assertThat(Cidr.parse("10.0.0.0/8").contains("::1")).isFalse();
    }

    @Test
    void namesAndMalformedRangesAreNotRanges() {
        assertThat(Cidr.parse("registry.local:5000")).isNull();
        assertThat(Cidr.parse("10.0.0.0")).isNull();
        assertThat(Cidr.parse("10.0.0.0/33")).isNull();
        assertThat(Cidr.parse("10.0.0.0/x")).isNull();
        assertThat(Cidr.parse("example.com/8")).isNull();
        // a host name is never resolved to be matched
        assertThat(Cidr.parse("127.0.0.0/8").contains("localhost")).isFalse();
    }
}
