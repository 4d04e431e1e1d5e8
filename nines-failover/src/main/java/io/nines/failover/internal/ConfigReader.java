package io.nines.failover.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.nines.core.InvalidConfigException;
import io.nines.failover.FailoverConfig;
import io.nines.failover.FailoverConfig.Ackers;
import io.nines.failover.FailoverConfig.Audit;
import io.nines.failover.FailoverConfig.Candidate;
import io.nines.failover.FailoverConfig.Credentials;
import io.nines.failover.FailoverConfig.Detection;
import io.nines.failover.FailoverConfig.HostPort;
import io.nines.failover.FailoverConfig.Lossless;
import io.nines.failover.FailoverConfig.Manager;
import io.nines.failover.FailoverConfig.Node;
import io.nines.failover.FailoverConfig.Policy;
import io.nines.failover.FailoverConfig.Rejoin;
import io.nines.failover.FailoverConfig.Store;
import io.nines.failover.FailoverConfigException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads the failover YAML file. The document is first read with Jackson's streaming parser into a small tree
 * that remembers where every value sits; binding then names the exact line, column and field of the first
 * problem (a databind mapping would only know the end of an object), refuses unknown fields (typos) and
 * applies defaults. Values the records reject ({@link InvalidConfigException} from {@link FailoverConfig})
 * are mapped back to the location of their field, or of its nearest enclosing section when defaulted.
 */
public final class ConfigReader {

    private static final YAMLFactory YAML = YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private sealed interface YNode permits YMap, YList, YScalar {
        JsonLocation loc();
    }

    private record Entry(JsonLocation keyLoc, YNode value) {
    }

    private record YMap(Map<String, Entry> entries, JsonLocation loc) implements YNode {
    }

    private record YList(List<YNode> items, JsonLocation loc) implements YNode {
    }

    private record YScalar(JsonToken token, String text, JsonLocation loc) implements YNode {
        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }
    }

    private final String source;
    private final Function<String, String> env;
    private final Map<String, JsonLocation> locations = new HashMap<>();

    private ConfigReader(String source, Function<String, String> env) {
        this.source = source;
        this.env = env;
    }

    /**
     * Parses and validates a config document.
     *
     * @param env looks up environment variables ({@code passwordEnv})
     * @throws FailoverConfigException naming source, line, column and field of the first problem
     */
    public static FailoverConfig read(byte[] data, String source, Function<String, String> env) {
        ConfigReader r = new ConfigReader(source, env);
        YNode root;
        try (JsonParser p = YAML.createParser(data)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new FailoverConfigException(source, -1, -1, "", "the file is empty", null);
            }
            root = r.node(p);
            if (p.nextToken() != null) {
                throw r.error(p.currentTokenLocation(), "", "expected one document, found more");
            }
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String msg = e.getOriginalMessage();
            throw new FailoverConfigException(source, loc == null ? -1 : loc.getLineNr(), loc == null ? -1 : loc.getColumnNr(),
                    "", "not valid YAML: " + (msg == null ? e.toString() : msg.strip()), e);
        } catch (IOException e) {
            throw new FailoverConfigException(source, -1, -1, "", "cannot read: " + e, e);
        }
        return r.bind(root);
    }

    // ---------------------------------------------------------------- tree

    private YNode node(JsonParser p) throws IOException {
        JsonLocation loc = p.currentTokenLocation();
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                Map<String, Entry> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonLocation keyLoc = p.currentTokenLocation();
                    p.nextToken();
                    m.put(key, new Entry(keyLoc, node(p)));
                }
                return new YMap(m, loc);
            }
            case START_ARRAY -> {
                List<YNode> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(node(p));
                }
                return new YList(items, loc);
            }
            default -> {
                return new YScalar(t, t == JsonToken.VALUE_NULL ? null : p.getText(), loc);
            }
        }
    }

    // ---------------------------------------------------------------- binding

    private FailoverConfig bind(YNode rootNode) {
        YMap root = map(rootNode, "");
        if (root == null) {
            throw error(rootNode.loc(), "", "the document must be a mapping (cluster, nodes, credentials, store, manager, ...)");
        }
        locations.put("", root.loc());
        allow(root, "", "cluster", "primary", "nodes", "credentials", "store", "manager", "detection", "failover", "audit");

        String cluster = string(root, "", "cluster", null, true);
        String primary = string(root, "", "primary", null, false);
        List<Node> nodes = nodes(root);
        Credentials credentials = credentials(root);
        Store store = store(root);
        Manager manager = manager(root);
        Detection detection = detection(root);
        Policy policy = policy(root);
        Audit audit = audit(root);
        try {
            return new FailoverConfig(cluster, primary, nodes, credentials, store, manager, detection, policy, audit);
        } catch (InvalidConfigException e) {
            String field = e.field();
            String problem = e.getMessage();
            String prefix = e.policy() + "." + field + ": ";
            if (problem.startsWith(prefix)) {
                problem = problem.substring(prefix.length());
            }
            throw error(locate(field), field, problem);
        }
    }

    private List<Node> nodes(YMap root) {
        Entry e = root.entries().get("nodes");
        if (e == null || isNull(e.value())) {
            throw error(root.loc(), "nodes", "is required: a list of nodes (name, host, port, zone, candidate)");
        }
        if (!(e.value() instanceof YList list)) {
            throw error(e.value().loc(), "nodes", "must be a list of nodes, was " + describe(e.value()));
        }
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < list.items().size(); i++) {
            String path = "nodes[" + i + "]";
            YNode item = list.items().get(i);
            locations.put(path, item.loc());
            YMap m = map(item, path);
            if (m == null) {
                throw error(item.loc(), path, "must be a mapping (name, host, port, zone, candidate, routes)");
            }
            allow(m, path, "name", "host", "port", "zone", "candidate", "routes");
            String name = string(m, path, "name", null, true);
            String host = string(m, path, "host", null, true);
            int port = integer(m, path, "port", 3306);
            String zone = string(m, path, "zone", null, true);
            Candidate candidate = candidate(m, path);
            Map<String, HostPort> routes = routes(m, path);
            nodes.add(new Node(name, host, port, zone, candidate, routes));
        }
        return nodes;
    }

    private Candidate candidate(YMap m, String path) {
        Entry e = m.entries().get("candidate");
        if (e == null || isNull(e.value())) {
            return Candidate.YES;
        }
        String field = path + ".candidate";
        if (e.value() instanceof YScalar s) {
            if (s.token() == JsonToken.VALUE_TRUE) {
                return Candidate.YES;
            }
            if (s.token() == JsonToken.VALUE_FALSE) {
                return Candidate.NO;
            }
            if (s.token() == JsonToken.VALUE_STRING) {
                switch (s.text().strip().toLowerCase(Locale.ROOT)) {
                    case "true", "yes" -> {
                        return Candidate.YES;
                    }
                    case "false", "no" -> {
                        return Candidate.NO;
                    }
                    case "prefer", "preferred" -> {
                        return Candidate.PREFER;
                    }
                    default -> {
                    }
                }
            }
        }
        throw error(e.value().loc(), field, "must be true, false or prefer, was " + describe(e.value()));
    }

    private Map<String, HostPort> routes(YMap m, String path) {
        Entry e = m.entries().get("routes");
        if (e == null || isNull(e.value())) {
            return Map.of();
        }
        String field = path + ".routes";
        YMap r = map(e.value(), field);
        if (r == null) {
            throw error(e.value().loc(), field, "must be a mapping zone: host:port, was " + describe(e.value()));
        }
        Map<String, HostPort> out = new LinkedHashMap<>();
        for (Map.Entry<String, Entry> z : r.entries().entrySet()) {
            String zf = field + "." + z.getKey();
            locations.put(zf, z.getValue().value().loc());
            String text = scalarText(z.getValue().value(), zf);
            try {
                out.put(z.getKey(), HostPort.parse(text));
            } catch (IllegalArgumentException ex) {
                throw error(z.getValue().value().loc(), zf, ex.getMessage());
            }
        }
        return out;
    }

    private Credentials credentials(YMap root) {
        YMap m = section(root, "credentials", true);
        allow(m, "credentials", "user", "password", "passwordEnv", "replicationUser", "replicationPassword",
                "replicationPasswordEnv");
        String user = string(m, "credentials", "user", null, true);
        String password = secret(m, "credentials", "password", "passwordEnv");
        String replUser = string(m, "credentials", "replicationUser", null, false);
        String replPassword = secret(m, "credentials", "replicationPassword", "replicationPasswordEnv");
        return new Credentials(user, password, replUser, replPassword);
    }

    private String secret(YMap m, String path, String field, String envField) {
        boolean direct = m.entries().containsKey(field);
        boolean viaEnv = m.entries().containsKey(envField);
        if (direct && viaEnv) {
            throw error(m.entries().get(envField).keyLoc(), path + "." + envField, "set either " + field + " or " + envField + ", not both");
        }
        if (viaEnv) {
            String var = string(m, path, envField, null, true);
            String value = env.apply(var);
            if (value == null) {
                throw error(m.entries().get(envField).value().loc(), path + "." + envField,
                        "environment variable " + var + " is not set");
            }
            return value;
        }
        return direct ? string(m, path, field, "", false) : null;
    }

    private Store store(YMap root) {
        YMap m = section(root, "store", true);
        allow(m, "store", "zookeeper", "namespace", "sessionTimeout", "connectionTimeout");
        Store d = Store.of("unset");
        return new Store(string(m, "store", "zookeeper", null, true),
                string(m, "store", "namespace", d.namespace(), false),
                duration(m, "store", "sessionTimeout", d.sessionTimeout()),
                duration(m, "store", "connectionTimeout", d.connectionTimeout()));
    }

    private Manager manager(YMap root) {
        YMap m = section(root, "manager", true);
        allow(m, "manager", "id", "zone");
        return new Manager(string(m, "manager", "id", null, true), string(m, "manager", "zone", null, true));
    }

    private Detection detection(YMap root) {
        YMap m = section(root, "detection", false);
        Detection d = Detection.defaults();
        if (m == null) {
            return d;
        }
        String p = "detection";
        allow(m, p, "probeInterval", "recheckInterval", "connectTimeout", "readTimeout", "missesBeforeSuspect",
                "heartbeatPeriod", "replicaSilence", "minConfirmations");
        return new Detection(duration(m, p, "probeInterval", d.probeInterval()),
                duration(m, p, "recheckInterval", d.recheckInterval()),
                duration(m, p, "connectTimeout", d.connectTimeout()),
                duration(m, p, "readTimeout", d.readTimeout()),
                integer(m, p, "missesBeforeSuspect", d.missesBeforeSuspect()),
                duration(m, p, "heartbeatPeriod", d.heartbeatPeriod()),
                duration(m, p, "replicaSilence", d.replicaSilence()),
                integer(m, p, "minConfirmations", d.minConfirmations()));
    }

    private Policy policy(YMap root) {
        YMap m = section(root, "failover", false);
        Policy d = Policy.defaults();
        if (m == null) {
            return d;
        }
        String p = "failover";
        allow(m, p, "antiFlapWindow", "clientDoubleCheck", "islandBound", "maxReplicationBroken", "maxPromotionLag",
                "catchUpTimeout", "rejoin", "lossless", "semiSyncTimeout", "semiSyncAckers");
        return new Policy(duration(m, p, "antiFlapWindow", d.antiFlapWindow()),
                duration(m, p, "clientDoubleCheck", d.clientDoubleCheck()),
                duration(m, p, "islandBound", null),
                duration(m, p, "maxReplicationBroken", d.maxReplicationBroken()),
                duration(m, p, "maxPromotionLag", d.maxPromotionLag()),
                duration(m, p, "catchUpTimeout", d.catchUpTimeout()),
                enumValue(m, p, "rejoin", Rejoin.class, d.rejoin()),
                enumValue(m, p, "lossless", Lossless.class, d.lossless()),
                duration(m, p, "semiSyncTimeout", d.semiSyncTimeout()),
                enumValue(m, p, "semiSyncAckers", Ackers.class, d.semiSyncAckers()));
    }

    private Audit audit(YMap root) {
        YMap m = section(root, "audit", false);
        Audit d = Audit.defaults();
        if (m == null) {
            return d;
        }
        allow(m, "audit", "file", "storeTail");
        String file = string(m, "audit", "file", null, false);
        return new Audit(file == null ? null : Path.of(file), integer(m, "audit", "storeTail", d.storeTail()));
    }

    // ---------------------------------------------------------------- helpers

    private YMap section(YMap root, String name, boolean required) {
        Entry e = root.entries().get(name);
        if (e == null || isNull(e.value())) {
            if (required) {
                throw error(root.loc(), name, "is required");
            }
            return null;
        }
        YMap m = map(e.value(), name);
        if (m == null) {
            throw error(e.value().loc(), name, "must be a mapping, was " + describe(e.value()));
        }
        return m;
    }

    private YMap map(YNode n, String path) {
        if (n instanceof YMap m) {
            locations.put(path, m.loc());
            return m;
        }
        return null;
    }

    private void allow(YMap m, String path, String... fields) {
        List<String> known = List.of(fields);
        for (Map.Entry<String, Entry> e : m.entries().entrySet()) {
            String f = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            locations.put(f, e.getValue().value().loc());
            if (!known.contains(e.getKey())) {
                throw error(e.getValue().keyLoc(), f, "unknown field (expected one of " + String.join(", ", known) + ")");
            }
        }
    }

    private String string(YMap m, String path, String field, String def, boolean required) {
        String f = path.isEmpty() ? field : path + "." + field;
        Entry e = m.entries().get(field);
        if (e == null || isNull(e.value())) {
            if (required) {
                throw error(e == null ? m.loc() : e.value().loc(), f, "is required");
            }
            return def;
        }
        return scalarText(e.value(), f);
    }

    private String scalarText(YNode n, String field) {
        if (n instanceof YScalar s && !s.isNull() && s.token() != JsonToken.VALUE_TRUE && s.token() != JsonToken.VALUE_FALSE) {
            return s.text();
        }
        throw error(n.loc(), field, "must be a string, was " + describe(n));
    }

    private int integer(YMap m, String path, String field, int def) {
        String f = path + "." + field;
        Entry e = m.entries().get(field);
        if (e == null || isNull(e.value())) {
            return def;
        }
        if (e.value() instanceof YScalar s && s.token() == JsonToken.VALUE_NUMBER_INT) {
            try {
                return Integer.parseInt(s.text());
            } catch (NumberFormatException ex) {
                throw error(s.loc(), f, "is out of range: " + s.text());
            }
        }
        throw error(e.value().loc(), f, "must be an integer, was " + describe(e.value()));
    }

    private Duration duration(YMap m, String path, String field, Duration def) {
        String f = path + "." + field;
        Entry e = m.entries().get(field);
        if (e == null || isNull(e.value())) {
            return def;
        }
        if (e.value() instanceof YScalar s && (s.token() == JsonToken.VALUE_STRING || s.token() == JsonToken.VALUE_NUMBER_INT
                || s.token() == JsonToken.VALUE_NUMBER_FLOAT)) {
            try {
                return Durations.parse(s.text());
            } catch (IllegalArgumentException ex) {
                throw error(s.loc(), f, ex.getMessage());
            }
        }
        throw error(e.value().loc(), f, "must be a duration such as 500ms, 2s or 10m, was " + describe(e.value()));
    }

    private <E extends Enum<E>> E enumValue(YMap m, String path, String field, Class<E> type, E def) {
        String f = path + "." + field;
        Entry e = m.entries().get(field);
        if (e == null || isNull(e.value())) {
            return def;
        }
        if (e.value() instanceof YScalar s && s.token() == JsonToken.VALUE_STRING) {
            String v = s.text().strip().toLowerCase(Locale.ROOT).replace('_', '-');
            for (E c : type.getEnumConstants()) {
                if (FailoverConfig.yamlName(c).equals(v)) {
                    return c;
                }
            }
        }
        List<String> names = new ArrayList<>();
        for (E c : type.getEnumConstants()) {
            names.add(FailoverConfig.yamlName(c));
        }
        throw error(e.value().loc(), f, "must be one of " + String.join(", ", names) + ", was " + describe(e.value()));
    }

    private static boolean isNull(YNode n) {
        return n instanceof YScalar s && s.isNull();
    }

    private static String describe(YNode n) {
        return switch (n) {
            case YMap m -> "a mapping";
            case YList l -> "a list";
            case YScalar s when s.isNull() -> "empty";
            case YScalar s when s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE -> "a boolean '" + s.text() + "'";
            case YScalar s -> "'" + s.text() + "'";
        };
    }

    /** The location of {@code field}, or of its nearest enclosing field that the file has. */
    private JsonLocation locate(String field) {
        String f = field;
        while (true) {
            JsonLocation loc = locations.get(f);
            if (loc != null) {
                return loc;
            }
            if (f.isEmpty()) {
                return null;
            }
            int dot = f.lastIndexOf('.');
            int bracket = f.lastIndexOf('[');
            int cut = Math.max(dot, bracket);
            f = cut < 0 ? "" : f.substring(0, cut);
        }
    }

    private FailoverConfigException error(JsonLocation loc, String field, String problem) {
        return new FailoverConfigException(source, loc == null ? -1 : loc.getLineNr(), loc == null ? -1 : loc.getColumnNr(),
                field, problem, null);
    }
}
