package io.nines.cli.proxy;

import io.nines.cli.UntilStopped;
import io.nines.config.ConfigFileException;
import io.nines.proxy.ProxyServer;
import io.nines.proxy.config.ProxyConfig;
import io.nines.proxy.tcp.TcpProxy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nines proxy -c FILE}: runs the listeners of a proxy config until Ctrl-C, then drains. */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = {"Run the Nines proxy: the listeners of a YAML config in front of their clusters (static",
            "endpoints, or the primary of a cluster in the topology store, followed through failovers).",
            "Ctrl-C stops accepting and drains open connections."})
public final class ProxyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true,
            description = "The proxy config (YAML): listeners, clusters, ioThreads, drain.")
    Path config;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ProxyConfig cfg;
        try {
            cfg = ProxyConfig.load(config);
        } catch (ConfigFileException e) {
            err.println("nines proxy: bad config: " + e.getMessage());
            err.flush();
            return 2;
        }
        try (UntilStopped running = new UntilStopped("nines-proxy", cfg.drain().toSeconds() + 10);
             ProxyServer server = ProxyServer.start(cfg)) {
            for (TcpProxy l : server.listeners()) {
                out.println("nines proxy: " + l.config().name() + " listening on " + l.address().getHostString() + ":"
                        + l.address().getPort() + " (tcp, " + l.transport() + ") -> " + l.targets());
            }
            for (io.nines.proxy.http.HttpProxy l : server.httpListeners()) {
                out.println("nines proxy: " + l.name() + " listening on " + l.address().getHostString() + ":"
                        + l.address().getPort() + " (http)");
            }
            server.adminAddress().ifPresent(a -> out.println("nines proxy: admin on http://" + a.getHostString() + ":"
                    + a.getPort() + " (GET /stats, GET /metrics)"));
            out.println("nines proxy: " + cfg.ioThreads() + " event loop(s); Ctrl-C stops (drain "
                    + cfg.drain().toSeconds() + " s)");
            out.flush();
            running.await();
            out.println("nines proxy: stopping, draining open connections");
            out.flush();
        }
        return 0;
    }
}
