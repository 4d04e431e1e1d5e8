package io.nines.testkit.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

    private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    /** Ports picked inside the ephemeral range could be taken by any outgoing connection or port-0 listener. */
    @Test
    void readsTheKernelsEphemeralRangeAndPicksBelowIt() throws IOException {
        assumeTrue(Files.isReadable(RANGE), "the kernel's ephemeral range is known on Linux only");
        int start = Integer.parseInt(Files.readAllLines(RANGE).get(0).trim().split("\\s+")[0]);
        assertThat(LoopbackPorts.ephemeralRangeStart()).isEqualTo(start);

        assumeTrue(start > 11_000, "room below the ephemeral range");
        for (int i = 0; i < 50; i++) {
            assertThat(LoopbackPorts.pick()).isBetween(10_000, start - 1);
        }
    }
}
