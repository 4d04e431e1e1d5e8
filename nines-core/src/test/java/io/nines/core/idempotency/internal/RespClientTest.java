package io.nines.core.idempotency.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.testkit.EmbeddedRedis;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RespClientTest {

    private static EmbeddedRedis redis;
    private static RespClient client;

    @BeforeAll
    static void start() {
        redis = EmbeddedRedis.start();
        client = new RespClient(redis.host(), redis.port(), 2, Duration.ofSeconds(2), null, 0);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void speaksEveryReplyTypeWithARealServer() throws Exception {
        assertThat(client.call("PING")).isEqualTo("PONG");
        byte[] binary = {0, 1, '\r', '\n', (byte) 0xff};
        assertThat(client.call("SET", "bin", binary)).isEqualTo("OK");
        assertThat(client.call("GET", "bin")).isEqualTo(binary);
        assertThat(client.call("GET", "missing")).isNull();
        assertThat(client.call("INCRBY", "n", 41)).isEqualTo(41L);
        client.call("RPUSH", "list", "a", "b");
        assertThat(client.call("LRANGE", "list", 0, -1)).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                .containsExactly("a".getBytes(StandardCharsets.UTF_8), "b".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> client.call("NOSUCHCOMMAND"))
                .isInstanceOfSatisfying(RespServerException.class, e -> assertThat(e.error()).startsWith("ERR"));
        assertThat(client.call("PING")).as("an error reply leaves the connection usable").isEqualTo("PONG");
    }

    @Test
    void runsScriptsBySha1AndLoadsThemWhenRedisForgot() throws Exception {
        RespClient.Script script = RespClient.Script.of("return ARGV[1] .. KEYS[1]");
        client.call("SCRIPT", "FLUSH");
        assertThat(client.eval(script, 1, "k", "v")).isEqualTo("vk".getBytes(StandardCharsets.UTF_8));
        assertThat(client.call("SCRIPT", "EXISTS", script.sha1())).isEqualTo(List.of(1L));
        assertThat(client.eval(script, 1, "k2", "v")).isEqualTo("vk2".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void authenticatesAndSelectsTheDatabaseOnNewConnections() throws Exception {
        try (RespClient db3 = new RespClient(redis.host(), redis.port(), 1, Duration.ofSeconds(2), null, 3)) {
            db3.call("SET", "where", "db3");
        }
        assertThat(client.call("GET", "where")).isNull();
        try (RespClient wrongPassword = new RespClient(redis.host(), redis.port(), 1, Duration.ofSeconds(2), "nope", 0)) {
            assertThatThrownBy(() -> wrongPassword.call("PING")).isInstanceOf(RespServerException.class)
                    .hasMessageContaining("AUTH");
        }
    }

    @Test
    void writesCommandsAsArraysOfBulkStrings() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RespConnection.writeCommand(out, new byte[][] {"SET".getBytes(StandardCharsets.UTF_8), "k".getBytes(StandardCharsets.UTF_8),
                new byte[0]});
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
    }

    @Test
    void parsesNestedRepliesAndRejectsMalformedOnes() throws Exception {
        List<?> nested = (List<?>) parse("*3\r\n:1\r\n*2\r\n+OK\r\n-ERR x\r\n$-1\r\n");
        assertThat(nested).hasSize(3);
        assertThat(nested.get(0)).isEqualTo(1L);
        assertThat(nested.get(1)).isEqualTo(List.of("OK", new RespError("ERR x")));
        assertThat(nested.get(2)).isNull();
        assertThat(parse("*-1\r\n")).isNull();
        assertThatThrownBy(() -> parse("?what\r\n")).isInstanceOf(IOException.class).hasMessageContaining("protocol");
        assertThatThrownBy(() -> parse(":12x\r\n")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> parse("$5\r\nab")).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> parse("$2\r\nabXY")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> parse("+OK\n")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> parse("*1\r\n".repeat(40) + ":1\r\n")).isInstanceOf(IOException.class)
                .hasMessageContaining("nested");
    }

    private static Object parse(String s) throws IOException {
        return RespConnection.read(new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1)), 0);
    }
}
