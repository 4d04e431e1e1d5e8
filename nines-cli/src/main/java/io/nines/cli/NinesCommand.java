package io.nines.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nines} command. Each capability is a subcommand; see {@code ./nines --help}. */
@Command(
        name = "nines",
        mixinStandardHelpOptions = true,
        versionProvider = NinesCommand.Version.class,
        description = {
            "Nines keeps a service stack up through failure at every layer:",
            "resilience policies, proxy, database failover, island guard, drills."
        },
        subcommands = {NinesCommand.VersionCommand.class, io.nines.cli.demo.DemoCommand.class, io.nines.cli.failover.FailoverCommand.class,
            io.nines.cli.proxy.ProxyCommand.class,
            CommandLine.HelpCommand.class})
public final class NinesCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and tests. */
    public static CommandLine commandLine() {
        return new CommandLine(new NinesCommand());
    }

    /** The version this jar was built as. */
    public static String version() {
        try (InputStream in = NinesCommand.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"nines " + version(), "java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")"};
        }
    }

    @Command(name = "version", description = "Print the Nines version and the Java runtime it runs on.")
    static final class VersionCommand implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            for (String line : new Version().getVersion()) {
                spec.commandLine().getOut().println(line);
            }
        }
    }
}
