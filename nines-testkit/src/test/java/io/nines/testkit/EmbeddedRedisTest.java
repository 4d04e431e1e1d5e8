package io.nines.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EmbeddedRedisTest {

    @Test
    void startsOnLoopbackAnswersRespAndIsKilledOnClose() throws Exception {
        int port;
        try (EmbeddedRedis redis = EmbeddedRedis.start()) {
            port = redis.port();
            assertThat(redis.host()).isEqualTo("127.0.0.1");
            assertThat(redis.isRunning()).isTrue();
            try (Socket s = new Socket(redis.host(), port)) {
                s.setSoTimeout(2000);
                OutputStream out = s.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                out.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                assertThat(in.readLine()).isEqualTo("+OK");
                out.write("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                assertThat(in.readLine()).isEqualTo("$5");
                assertThat(in.readLine()).isEqualTo("hello");
            }
        }
        assertThatThrownBy(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            }
        }).isInstanceOf(ConnectException.class);
    }

    @Test
    void twoServersGetDistinctPorts() {
        try (EmbeddedRedis a = EmbeddedRedis.start(); EmbeddedRedis b = EmbeddedRedis.start()) {
            assertThat(a.port()).isNotEqualTo(b.port());
            assertThat(a.isRunning()).isTrue();
            assertThat(b.isRunning()).isTrue();
        }
    }

    @Test
    void retriesWithAnotherPortWhenTheChosenOneIsTaken() throws Exception {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            AtomicInteger calls = new AtomicInteger();
            IntSupplier ports = () -> calls.getAndIncrement() == 0 ? squatter.getLocalPort() : FreePorts.loopback();
            try (EmbeddedRedis server = EmbeddedRedis.start(ports)) {
                assertThat(calls.get()).isEqualTo(2);
                assertThat(server.port()).isNotEqualTo(squatter.getLocalPort());
            }
        }
    }
}
