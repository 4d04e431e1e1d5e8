package io.nines.core.degrade;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The named degrade switches of an application: look one up (creating it) by name, list them, flip them. */
public final class Switches {

    private final Map<String, DegradeSwitch> byName = new ConcurrentHashMap<>();

    /** The switch with this name, created (on, not degraded) if new. */
    public DegradeSwitch get(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a switch needs a non-blank name");
        }
        return byName.computeIfAbsent(name, DegradeSwitch::new);
    }

    public Collection<DegradeSwitch> all() {
        return List.copyOf(byName.values());
    }

    /** Degrades every switch whose name starts with {@code prefix} (e.g. a drill turning off all side paths). */
    public int degradeAll(String prefix, String why) {
        int n = 0;
        for (DegradeSwitch s : byName.values()) {
            if (s.name().startsWith(prefix)) {
                s.degrade(why);
                n++;
            }
        }
        return n;
    }
}
