package io.nines.topology.file;

import io.nines.core.Clock;
import io.nines.core.InvalidConfigException;
import java.nio.file.Path;
import java.time.Duration;

/** Builds a {@link FileTopologyStore}. */
public final class FileStoreBuilder {

    private static final String POLICY = "fileStore";

    private final Path file;
    private Duration pollInterval = Duration.ofSeconds(1);
    private Clock clock = Clock.system();

    FileStoreBuilder(Path file) {
        this.file = file;
    }

    /**
     * How often the file is checked when no file-system event arrives (events usually wake the watcher at
     * once; polling is the fallback for file systems that do not deliver them). Default 1 s.
     */
    public FileStoreBuilder pollInterval(Duration pollInterval) {
        this.pollInterval = pollInterval;
        return this;
    }

    public FileStoreBuilder clock(Clock clock) {
        this.clock = clock;
        return this;
    }

    /**
     * Loads the file and starts watching it.
     *
     * @throws io.nines.topology.TopologyConfigException if the file is missing, unreadable or invalid (naming
     *         the file, line and field)
     */
    public FileTopologyStore open() {
        InvalidConfigException.required(POLICY, "file", file);
        InvalidConfigException.positive(POLICY, "pollInterval", pollInterval);
        InvalidConfigException.required(POLICY, "clock", clock);
        return new FileTopologyStore(file, pollInterval, clock);
    }
}
