package io.nines.cli.failover;

import io.nines.core.event.EventPublisher.Subscription;
import io.nines.cli.UntilStopped;
import io.nines.failover.AuditEntry;
import io.nines.failover.FailoverAdmin;
import io.nines.failover.FailoverConfig;
import io.nines.failover.FailoverConfigException;
import io.nines.failover.FailoverManager;
import io.nines.failover.FailoverStatus;
import io.nines.failover.SwitchoverResult;
import io.nines.topology.TopologyException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code nines failover -c FILE}: runs the failover manager of one MariaDB cluster until interrupted, printing
 * every audit entry; {@code status} and {@code switchover} talk to the running managers through the store.
 * Exit codes: 0 done, 1 refused or failed, 2 bad usage or bad config.
 */
@Command(name = "failover",
        description = {
            "Runs the MariaDB failover manager of one cluster until interrupted: probes every node, confirms a"
                + " failure from the replicas and the other managers, and (if elected leader) fences, promotes the most"
                + " advanced replica, re-points the others and publishes the topology with epoch + 1.",
            "Every step is printed (and written to the audit log when configured). Exit codes: 0 done, 1 refused or"
                + " failed, 2 bad usage or bad config."},
        subcommands = {FailoverCommand.Status.class, FailoverCommand.Switchover.class})
public final class FailoverCommand implements Callable<Integer> {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, scope = CommandLine.ScopeType.INHERIT, description = "Show this help and exit.")
    boolean help;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "The failover config (YAML): cluster, nodes, credentials, store, manager, detection, failover, audit.")
    Path config;

    /** Loads the config or prints why not (file, line, field). */
    Optional<FailoverConfig> load(CommandSpec where) {
        PrintWriter err = where.commandLine().getErr();
        if (config == null) {
            err.println("nines " + where.qualifiedName().replaceFirst("^nines ", "") + ": missing -c FILE (the failover config)");
            err.flush();
            return Optional.empty();
        }
        try {
            return Optional.of(FailoverConfig.load(config));
        } catch (FailoverConfigException e) {
            err.println("nines failover: bad config: " + e.getMessage());
            err.flush();
            return Optional.empty();
        }
    }

    @Override
    public Integer call() throws Exception {
        Optional<FailoverConfig> loaded = load(spec);
        if (loaded.isEmpty()) {
            return USAGE;
        }
        FailoverConfig cfg = loaded.get();
        PrintWriter out = spec.commandLine().getOut();
        out.println("nines failover: cluster " + cfg.cluster() + ", manager " + cfg.manager().id() + " (zone "
                + cfg.manager().zone() + "), " + cfg.nodes().size() + " nodes, store " + cfg.store().zookeeper()
                + (cfg.audit().file() == null ? "" : ", audit " + cfg.audit().file()) + "; Ctrl-C stops");
        out.flush();
        try (UntilStopped running = new UntilStopped("nines-failover", 15)) {
            FailoverManager manager = null;
            try {
                manager = FailoverManager.start(cfg);
                manager.audit().listen(e -> { // until the manager's last entry (manager.stop)
                    out.println(format(e));
                    out.flush();
                });
                running.await();
            } finally {
                if (manager != null) {
                    manager.close();
                }
                out.println("nines failover: stopped");
                out.flush();
            }
        }
        return OK;
    }

    static String format(AuditEntry e) {
        return e.time() + "  " + e.step() + "  " + e.message() + (e.details().isEmpty() ? "" : "  " + e.details());
    }

    @Command(name = "status",
            description = "Prints the topology (epoch, roles, states), the managers and the leader, every node as probed"
                    + " now (replication, GTID positions, semi-sync), the lossless checks and the latest audit entries.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ParentCommand
        FailoverCommand parent;

        @Option(names = "--audit", paramLabel = "N", defaultValue = "20", description = "Audit entries to show (default ${DEFAULT-VALUE}).")
        int audit;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10", description = "How long to wait for the store (default ${DEFAULT-VALUE}).")
        int timeout;

        @Override
        public Integer call() {
            Optional<FailoverConfig> cfg = parent.load(spec);
            if (cfg.isEmpty()) {
                return USAGE;
            }
            FailoverStatus s = FailoverStatus.collect(cfg.get(), audit, Duration.ofSeconds(timeout));
            PrintWriter out = spec.commandLine().getOut();
            out.print(s.render());
            out.flush();
            return s.problems().isEmpty() ? OK : FAILED;
        }
    }

    @Command(name = "switchover",
            description = "A planned switchover to NODE: fence the primary, let NODE catch up exactly, promote it, make"
                    + " the old primary and the other replicas follow it, publish epoch + 1. Asks the leading manager;"
                    + " with no manager running, runs one for the switchover.")
    static final class Switchover implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @ParentCommand
        FailoverCommand parent;

        @Option(names = "--to", paramLabel = "NODE", required = true, description = "The replica to promote.")
        String to;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60", description = "How long to wait (default ${DEFAULT-VALUE}).")
        int timeout;

        @Override
        public Integer call() throws Exception {
            Optional<FailoverConfig> loaded = parent.load(spec);
            if (loaded.isEmpty()) {
                return USAGE;
            }
            FailoverConfig cfg = loaded.get();
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Duration wait = Duration.ofSeconds(timeout);
            SwitchoverResult r;
            try {
                Optional<SwitchoverResult> asked = FailoverAdmin.requestSwitchover(cfg, to, "nines-cli@" + host(), wait);
                if (asked.isPresent()) {
                    r = asked.get();
                } else {
                    out.println("no manager leads " + cfg.cluster() + ": running one (" + cfg.manager().id() + ") for the switchover");
                    out.flush();
                    r = runOwnManager(cfg, wait, out);
                    if (r == null) {
                        err.println("nines failover switchover: another manager took the lead; try again");
                        err.flush();
                        return FAILED;
                    }
                }
            } catch (TimeoutException e) {
                err.println("nines failover switchover: " + e.getMessage());
                err.flush();
                return FAILED;
            } catch (TopologyException e) {
                err.println("nines failover switchover: store: " + e.getMessage());
                err.flush();
                return FAILED;
            }
            if (r.ok()) {
                out.println("switched over " + r.from() + " -> " + r.to() + " at epoch " + r.epoch() + "; writes refused for "
                        + r.unavailableMillis() + " ms (total " + r.totalMillis() + " ms)");
                out.flush();
                return OK;
            }
            err.println("nines failover switchover: refused: " + r.message());
            err.flush();
            return FAILED;
        }

        private SwitchoverResult runOwnManager(FailoverConfig cfg, Duration wait, PrintWriter out) throws Exception {
            try (FailoverManager m = FailoverManager.start(cfg)) {
                Subscription sub = m.audit().listen(e -> {
                    out.println(format(e));
                    out.flush();
                });
                try {
                    if (!m.awaitLeadership(Duration.ofSeconds(Math.min(10, timeout)))) {
                        return null;
                    }
                    return m.switchover(to, wait);
                } finally {
                    sub.close();
                }
            }
        }

        private static String host() {
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                return "unknown";
            }
        }
    }
}
