package io.nines.topology.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.nines.core.InvalidConfigException;
import io.nines.topology.ClusterTopology;
import io.nines.topology.Endpoint;
import io.nines.topology.TopologyConfigException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes topologies as JSON (ZooKeeper nodes) and YAML (the static file), by hand on Jackson's
 * streaming API so that every error names the exact line, column and field (a record binding would only know
 * the end of the object). Enum values are written in lower case and read in any case.
 *
 * <p>File document:
 * <pre>
 * clusters:
 *   - name: orders-db
 *     kind: mariadb
 *     epoch: 3            # default 0
 *     endpoints:
 *       - {id: db1, host: 10.0.1.5, port: 3306, zone: a, role: primary}   # weight default 1, state default up
 * </pre>
 * A ZooKeeper node holds one cluster object as JSON, plus a {@code publication} id that lets a writer recognise
 * its own write after a lost response.
 */
public final class TopologyCodec {

    /** One cluster document as stored in ZooKeeper. */
    public record Stored(ClusterTopology topology, String publication) {
    }

    // Factories are thread-safe and never reconfigured after construction.
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final YAMLFactory YAML = YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build();

    private static final List<String> FILE_FIELDS = List.of("clusters");
    private static final List<String> CLUSTER_FIELDS = List.of("name", "kind", "epoch", "endpoints");
    private static final List<String> ENDPOINT_FIELDS = List.of("id", "host", "port", "zone", "role", "weight", "state");
    private static final Pattern ENDPOINT_FIELD = Pattern.compile("endpoints\\[(\\d+)](?:\\.(\\w+))?");

    private TopologyCodec() {
    }

    // ---------------------------------------------------------------- file (YAML)

    /**
     * Parses a topology file.
     *
     * @param source     the file name, for messages
     * @param epochFloor per cluster, the lowest epoch accepted (the highest already seen): an epoch never goes back
     * @throws TopologyConfigException naming source, line, column and field of the first problem
     */
    public static List<ClusterTopology> readFile(byte[] data, String source, Map<String, Long> epochFloor) {
        try (JsonParser p = YAML.createParser(data)) {
            return new Reader(p, source, true, epochFloor).readFile();
        } catch (JsonProcessingException e) {
            throw syntax(e, source);
        } catch (IOException e) {
            throw new TopologyConfigException(source, -1, -1, "", "cannot read: " + e, e);
        }
    }

    /** Writes a topology file, clusters in the order given. */
    public static byte[] writeFile(Collection<ClusterTopology> clusters) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + 128 * clusters.size());
        try (JsonGenerator g = YAML.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("clusters");
            for (ClusterTopology c : clusters) {
                writeCluster(g, c, null);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- ZooKeeper node (JSON)

    /**
     * Parses a stored cluster. Unknown fields are skipped, so an older reader accepts what a newer writer adds.
     *
     * @throws TopologyConfigException if malformed or invalid
     */
    public static Stored readStored(byte[] data, String source) {
        try (JsonParser p = JSON.createParser(data)) {
            Reader r = new Reader(p, source, false, Map.of());
            if (p.nextToken() == null) {
                throw new TopologyConfigException(source, -1, -1, "", "empty document", null);
            }
            ClusterTopology t = r.readCluster("");
            return new Stored(t, r.publication);
        } catch (JsonProcessingException e) {
            throw syntax(e, source);
        } catch (IOException e) {
            throw new TopologyConfigException(source, -1, -1, "", "cannot read: " + e, e);
        }
    }

    /** Writes a cluster as JSON, tagged with {@code publication} (may be null). */
    public static byte[] writeStored(ClusterTopology topology, String publication) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writeCluster(g, topology, publication);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeCluster(JsonGenerator g, ClusterTopology c, String publication) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", c.name());
        g.writeStringField("kind", lower(c.kind()));
        g.writeNumberField("epoch", c.epoch());
        g.writeArrayFieldStart("endpoints");
        for (Endpoint e : c.endpoints()) {
            g.writeStartObject();
            g.writeStringField("id", e.id());
            g.writeStringField("host", e.host());
            g.writeNumberField("port", e.port());
            g.writeStringField("zone", e.zone());
            g.writeStringField("role", lower(e.role()));
            g.writeNumberField("weight", e.weight());
            g.writeStringField("state", lower(e.state()));
            g.writeEndObject();
        }
        g.writeEndArray();
        if (publication != null) {
            g.writeStringField("publication", publication);
        }
        g.writeEndObject();
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static TopologyConfigException syntax(JsonProcessingException e, String source) {
        JsonLocation loc = e.getLocation();
        String field = "";
        if (e.getProcessor() instanceof JsonParser p && p.getParsingContext() != null) {
            field = fieldPath(p.getParsingContext().pathAsPointer());
        }
        String problem = e.getOriginalMessage();
        return new TopologyConfigException(source, loc == null ? -1 : loc.getLineNr(),
                loc == null ? -1 : loc.getColumnNr(), field, problem == null ? e.toString() : problem, e);
    }

    /** {@code /clusters/0/endpoints/1/port} → {@code clusters[0].endpoints[1].port}. */
    private static String fieldPath(JsonPointer ptr) {
        StringBuilder sb = new StringBuilder();
        for (JsonPointer p = ptr; p != null && !p.matches(); p = p.tail()) {
            if (p.mayMatchElement()) {
                sb.append('[').append(p.getMatchingIndex()).append(']');
            } else {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(p.getMatchingProperty());
            }
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- reader

    private static final class Reader {
        private final JsonParser p;
        private final String source;
        private final boolean strict;
        private final Map<String, Long> epochFloor;
        String publication;

        Reader(JsonParser p, String source, boolean strict, Map<String, Long> epochFloor) {
            this.p = p;
            this.source = source;
            this.strict = strict;
            this.epochFloor = epochFloor;
        }

        List<ClusterTopology> readFile() throws IOException {
            JsonToken t = p.nextToken();
            if (t == null) {
                return List.of(); // an empty file holds no clusters
            }
            if (t != JsonToken.START_OBJECT) {
                throw error(p.currentTokenLocation(), "", "the document must be a mapping with a 'clusters' list");
            }
            List<ClusterTopology> clusters = List.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonLocation keyLoc = p.currentTokenLocation();
                p.nextToken();
                if (f.equals("clusters")) {
                    clusters = readClusters("clusters");
                } else {
                    unknown(keyLoc, "", f, FILE_FIELDS);
                }
            }
            if (p.nextToken() != null) {
                throw error(p.currentTokenLocation(), "", "expected one document, found more");
            }
            return clusters;
        }

        private List<ClusterTopology> readClusters(String path) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return List.of();
            }
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw error(p.currentTokenLocation(), path, "must be a list of clusters");
            }
            List<ClusterTopology> clusters = new ArrayList<>();
            Map<String, Integer> names = new HashMap<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                int i = clusters.size();
                JsonLocation start = p.currentTokenLocation();
                ClusterTopology c = readCluster(path + "[" + i + "]");
                Integer first = names.putIfAbsent(c.name(), i);
                if (first != null) {
                    throw error(start, path + "[" + i + "].name",
                            "duplicate cluster name '" + c.name() + "' (also " + path + "[" + first + "])");
                }
                clusters.add(c);
            }
            return clusters;
        }

        /** Reads the object at the current token. {@code path} is the field path prefix ("" for a root object). */
        ClusterTopology readCluster(String path) throws IOException {
            JsonLocation start = p.currentTokenLocation();
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw error(start, path, "must be a mapping (a cluster)");
            }
            String prefix = path.isEmpty() ? "" : path + ".";
            Map<String, JsonLocation> at = new HashMap<>();
            List<Map<String, JsonLocation>> endpointAt = new ArrayList<>();
            String name = null;
            ClusterTopology.Kind kind = null;
            long epoch = 0;
            List<Endpoint> endpoints = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonLocation keyLoc = p.currentTokenLocation();
                p.nextToken();
                at.put(f, p.currentTokenLocation());
                switch (f) {
                    case "name" -> name = text(prefix + f);
                    case "kind" -> kind = enumValue(ClusterTopology.Kind.class, prefix + f);
                    case "epoch" -> epoch = longValue(prefix + f);
                    case "endpoints" -> readEndpoints(prefix + f, endpoints, endpointAt);
                    case "publication" -> {
                        if (strict) {
                            unknown(keyLoc, path, f, CLUSTER_FIELDS);
                        }
                        publication = p.currentToken() == JsonToken.VALUE_NULL ? null : text(prefix + f);
                    }
                    default -> unknown(keyLoc, path, f, CLUSTER_FIELDS);
                }
            }
            if (name == null) {
                throw error(start, prefix + "name", "is required");
            }
            if (kind == null) {
                throw error(start, prefix + "kind", "is required (one of " + choices(ClusterTopology.Kind.class) + ")");
            }
            ClusterTopology c;
            try {
                c = new ClusterTopology(name, kind, epoch, endpoints);
            } catch (InvalidConfigException e) {
                JsonLocation loc = at.getOrDefault(e.field(), start);
                Matcher m = ENDPOINT_FIELD.matcher(e.field());
                if (m.matches()) {
                    Map<String, JsonLocation> ea = endpointAt.get(Integer.parseInt(m.group(1)));
                    loc = ea.getOrDefault(m.group(2) == null ? "" : m.group(2), ea.get(""));
                }
                throw error(loc, prefix + e.field(), problem(e), e);
            }
            Long floor = epochFloor.get(name);
            if (floor != null && epoch < floor) {
                throw error(at.getOrDefault("epoch", start), prefix + "epoch", "went back from " + floor + " to " + epoch
                        + "; a topology epoch never decreases (publish epoch " + floor + " or higher)");
            }
            return c;
        }

        private void readEndpoints(String path, List<Endpoint> out, List<Map<String, JsonLocation>> at) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return;
            }
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw error(p.currentTokenLocation(), path, "must be a list of endpoints");
            }
            while (p.nextToken() != JsonToken.END_ARRAY) {
                Map<String, JsonLocation> loc = new HashMap<>();
                out.add(readEndpoint(path + "[" + out.size() + "]", loc));
                at.add(loc);
            }
        }

        private Endpoint readEndpoint(String path, Map<String, JsonLocation> at) throws IOException {
            JsonLocation start = p.currentTokenLocation();
            at.put("", start);
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw error(start, path, "must be a mapping (an endpoint)");
            }
            String id = null;
            String host = null;
            Integer port = null;
            String zone = null;
            Endpoint.Role role = null;
            int weight = 1;
            Endpoint.State state = Endpoint.State.UP;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonLocation keyLoc = p.currentTokenLocation();
                p.nextToken();
                at.put(f, p.currentTokenLocation());
                String fp = path + "." + f;
                switch (f) {
                    case "id" -> id = text(fp);
                    case "host" -> host = text(fp);
                    case "port" -> port = intValue(fp);
                    case "zone" -> zone = text(fp);
                    case "role" -> role = enumValue(Endpoint.Role.class, fp);
                    case "weight" -> weight = intValue(fp);
                    case "state" -> state = enumValue(Endpoint.State.class, fp);
                    default -> unknown(keyLoc, path, f, ENDPOINT_FIELDS);
                }
            }
            require(start, path, "id", id);
            require(start, path, "host", host);
            require(start, path, "port", port);
            require(start, path, "zone", zone);
            if (role == null) {
                throw error(start, path + ".role", "is required (one of " + choices(Endpoint.Role.class) + ")");
            }
            try {
                return new Endpoint(id, host, port, zone, role, weight, state);
            } catch (InvalidConfigException e) {
                throw error(at.getOrDefault(e.field(), start), path + "." + e.field(), problem(e), e);
            }
        }

        private void require(JsonLocation start, String path, String field, Object value) {
            if (value == null) {
                throw error(start, path + "." + field, "is required");
            }
        }

        private void unknown(JsonLocation keyLoc, String path, String field, List<String> known) throws IOException {
            if (strict) {
                throw error(keyLoc, path.isEmpty() ? field : path + "." + field,
                        "unknown field (expected one of " + String.join(", ", known) + ")");
            }
            p.skipChildren();
        }

        private String text(String field) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                return p.getText();
            }
            if (t == JsonToken.VALUE_NULL) {
                throw error(p.currentTokenLocation(), field, "must be set");
            }
            throw error(p.currentTokenLocation(), field, "must be a string, was " + describe(t));
        }

        private int intValue(String field) throws IOException {
            long v = longValue(field);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw error(p.currentTokenLocation(), field, "is out of range: " + v);
            }
            return (int) v;
        }

        private long longValue(String field) throws IOException {
            JsonToken t = p.currentToken();
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw error(p.currentTokenLocation(), field, "must be an integer, was " + describe(t));
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw error(p.currentTokenLocation(), field, "is out of range: " + p.getText());
            }
            return p.getLongValue();
        }

        private <E extends Enum<E>> E enumValue(Class<E> type, String field) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_STRING) {
                String s = p.getText().trim();
                for (E e : type.getEnumConstants()) {
                    if (e.name().equalsIgnoreCase(s)) {
                        return e;
                    }
                }
            }
            throw error(p.currentTokenLocation(), field,
                    "must be one of " + choices(type) + ", was " + describe(t));
        }

        private String describe(JsonToken t) throws IOException {
            return switch (t) {
                case START_OBJECT -> "a mapping";
                case START_ARRAY -> "a list";
                case VALUE_NULL -> "empty";
                case VALUE_TRUE, VALUE_FALSE -> "a boolean '" + p.getText() + "'";
                default -> "'" + p.getText() + "'";
            };
        }

        private TopologyConfigException error(JsonLocation loc, String field, String problem) {
            return error(loc, field, problem, null);
        }

        private TopologyConfigException error(JsonLocation loc, String field, String problem, Throwable cause) {
            return new TopologyConfigException(source, loc == null ? -1 : loc.getLineNr(),
                    loc == null ? -1 : loc.getColumnNr(), field, problem, cause);
        }
    }

    private static <E extends Enum<E>> String choices(Class<E> type) {
        StringBuilder sb = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(lower(e));
        }
        return sb.toString();
    }

    /** The problem text of an InvalidConfigException without its {@code policy.field: } prefix. */
    private static String problem(InvalidConfigException e) {
        String prefix = e.policy() + "." + e.field() + ": ";
        String msg = e.getMessage();
        return msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg;
    }
}
