package io.nines.cli.demo;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Sends the demo's logs to a file instead of the terminal: during a drill the embedded servers and their clients
 * log every lost connection and re-election (expected, not news), and the terminal is for the demo's own story.
 */
final class DemoLogging {

    private DemoLogging() {
    }

    /** Redirects every logger to {@code file} (INFO and up); a no-op when SLF4J is not bound to logback. */
    static boolean toFile(Path file) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return false;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName("demo-file");
        appender.setFile(file.toString());
        appender.setAppend(false);
        appender.setEncoder(encoder);
        appender.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        root.setLevel(ch.qos.logback.classic.Level.INFO);
        for (String noisy : new String[] {"org.apache.zookeeper", "org.apache.curator", "com.zaxxer.hikari", "ch.vorburger"}) {
            context.getLogger(noisy).setLevel(ch.qos.logback.classic.Level.WARN);
        }
        return true;
    }
}
