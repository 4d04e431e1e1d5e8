package io.nines.cli.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.nines.cli.NinesCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ProxyCommandTest {

    @Test
    void aBadConfigIsAUsageErrorNamingFileLineAndField(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("proxy.yaml");
        Files.writeString(file, """
                listeners:
                  - name: db
                    address: 127.0.0.1:3306
                    cluster: orders
                clusters:
                  - name: cache
                    endpoints: [127.0.0.1:6379]
                """);
        CommandLine cmd = NinesCommand.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err));
        cmd.setOut(new PrintWriter(new StringWriter()));

        int exit = cmd.execute("proxy", "-c", file.toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("nines proxy: bad config: " + file + ":4:14: listeners[0].cluster:"
                + " no cluster named 'orders'");
    }

    @Test
    void theConfigFileIsRequired() {
        CommandLine cmd = NinesCommand.commandLine();
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err));
        assertThat(cmd.execute("proxy")).isEqualTo(2);
        assertThat(err.toString()).contains("--config");
    }
}
