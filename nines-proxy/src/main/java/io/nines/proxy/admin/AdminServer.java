package io.nines.proxy.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nines.proxy.http.HttpProxy;
import io.nines.proxy.http.internal.HttpStats;
import io.nines.proxy.tcp.TcpProxy;
import io.nines.proxy.tcp.internal.TcpStats;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;

/**
 * The proxy's admin endpoint (Envoy's port 9901 idea), on loopback by default: {@code GET /stats} (JSON) and
 * {@code GET /metrics} (Prometheus text) for every listener. Read-only for now; writes will need the token.
 * Off the data path: it runs on its own (virtual) threads, never on an event loop.
 */
public final class AdminServer implements AutoCloseable {

    private final HttpServer http;

    private AdminServer(HttpServer http) {
        this.http = http;
    }

    public static AdminServer start(InetSocketAddress address, List<TcpProxy> listeners, List<HttpProxy> httpListeners)
            throws IOException {
        HttpServer http = HttpServer.create(address, 16);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.createContext("/stats", ex -> answer(ex, "application/json", statsJson(listeners, httpListeners)));
        http.createContext("/metrics", ex -> answer(ex, "text/plain; version=0.0.4",
                prometheus(listeners) + prometheusHttp(httpListeners)));
        http.createContext("/", ex -> answer(ex, 404, "text/plain", "admin endpoints: GET /stats, GET /metrics\n"));
        http.start();
        return new AdminServer(http);
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    static String statsJson(List<TcpProxy> listeners, List<HttpProxy> httpListeners) {
        StringBuilder sb = new StringBuilder("{\"listeners\":[");
        for (int i = 0; i < listeners.size(); i++) {
            TcpProxy l = listeners.get(i);
            TcpStats s = l.stats();
            sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"name\":\"%s\",\"protocol\":\"tcp\",\"address\":\"%s:%d\",\"transport\":\"%s\",\"targets\":\"%s\","
                            + "\"accepted\":%d,\"active\":%d,\"connectFailures\":%d,\"noTarget\":%d,"
                            + "\"closedByTargetChange\":%d,\"bytesUp\":%d,\"bytesDown\":%d}",
                    json(l.config().name()), l.address().getHostString(), l.address().getPort(), l.transport(),
                    json(String.valueOf(l.targets().current())), s.accepted(), s.active(), s.connectFailures(),
                    s.noTarget(), s.closedByTargetChange(), s.bytesUp(), s.bytesDown()));
        }
        sb.append("],\"http\":[");
        for (int i = 0; i < httpListeners.size(); i++) {
            HttpProxy l = httpListeners.get(i);
            HttpStats s = l.stats();
            sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"name\":\"%s\",\"address\":\"%s:%d\",\"requests\":%d,\"responses\":%d,\"localAnswers\":%d,"
                            + "\"connectFailures\":%d,\"timeouts\":%d}", json(l.name()), l.address().getHostString(),
                    l.address().getPort(), s.requests(), s.responses(), s.localAnswers(), s.connectFailures(),
                    s.timeouts()));
        }
        return sb.append("]}\n").toString();
    }

    static String prometheusHttp(List<HttpProxy> listeners) {
        StringBuilder sb = new StringBuilder();
        String[][] metrics = {
            {"nines_proxy_http_requests_total", "Requests received"},
            {"nines_proxy_http_responses_total", "Responses relayed from upstreams"},
            {"nines_proxy_http_local_answers_total", "Requests answered by the proxy itself (400, 404, 502, 503, 504)"},
            {"nines_proxy_http_connect_failures_total", "Upstream connects that failed"},
            {"nines_proxy_http_timeouts_total", "Requests answered 504 (no response head within the route timeout)"}};
        for (int m = 0; m < metrics.length; m++) {
            sb.append("# HELP ").append(metrics[m][0]).append(' ').append(metrics[m][1]).append('\n');
            sb.append("# TYPE ").append(metrics[m][0]).append(" counter\n");
            for (HttpProxy l : listeners) {
                HttpStats s = l.stats();
                long v = switch (m) {
                    case 0 -> s.requests();
                    case 1 -> s.responses();
                    case 2 -> s.localAnswers();
                    case 3 -> s.connectFailures();
                    default -> s.timeouts();
                };
                sb.append(metrics[m][0]).append("{listener=\"").append(label(l.name())).append("\"} ").append(v).append('\n');
            }
        }
        return sb.toString();
    }

    static String prometheus(List<TcpProxy> listeners) {
        StringBuilder sb = new StringBuilder();
        metric(sb, listeners, "nines_proxy_tcp_connections_accepted_total", "counter", "Client connections accepted",
                s -> s.accepted());
        metric(sb, listeners, "nines_proxy_tcp_connections_active", "gauge", "Client connections open now",
                s -> s.active());
        metric(sb, listeners, "nines_proxy_tcp_connect_failures_total", "counter",
                "Upstream connects refused or timed out (the next endpoint was tried)", s -> s.connectFailures());
        metric(sb, listeners, "nines_proxy_tcp_no_target_total", "counter",
                "Client connections closed at once: no target (e.g. no primary mid-failover)", s -> s.noTarget());
        metric(sb, listeners, "nines_proxy_tcp_closed_by_target_change_total", "counter",
                "Connections closed because their endpoint stopped being a target (a fenced primary)",
                s -> s.closedByTargetChange());
        sb.append("# HELP nines_proxy_tcp_bytes_total Bytes relayed, by direction\n# TYPE nines_proxy_tcp_bytes_total counter\n");
        for (TcpProxy l : listeners) {
            sb.append("nines_proxy_tcp_bytes_total{listener=\"").append(label(l.config().name()))
                    .append("\",direction=\"up\"} ").append(l.stats().bytesUp()).append('\n');
            sb.append("nines_proxy_tcp_bytes_total{listener=\"").append(label(l.config().name()))
                    .append("\",direction=\"down\"} ").append(l.stats().bytesDown()).append('\n');
        }
        return sb.toString();
    }

    private static void metric(StringBuilder sb, List<TcpProxy> listeners, String name, String type, String help,
                               java.util.function.ToLongFunction<TcpStats> value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        for (TcpProxy l : listeners) {
            sb.append(name).append("{listener=\"").append(label(l.config().name())).append("\"} ")
                    .append(value.applyAsLong(l.stats())).append('\n');
        }
    }

    private static String json(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static String label(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static void answer(HttpExchange ex, String type, String body) throws IOException {
        answer(ex, 200, type, body);
    }

    private static void answer(HttpExchange ex, int status, String type, String body) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                status = 405;
                body = "read-only: GET /stats, GET /metrics\n";
                type = "text/plain";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            ex.sendResponseHeaders(status, ex.getRequestMethod().equals("HEAD") ? -1 : bytes.length);
            if (!ex.getRequestMethod().equals("HEAD")) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
