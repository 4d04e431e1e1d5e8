package io.nines.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.nines.core.ConfigLocation;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A YAML config file read into {@link YamlNode}s that remember where they sit, with the typed reads every Nines
 * config needs. Each read names the field's path ({@code listeners[1].port}) and refuses with a
 * {@link ConfigFileException} at the value's line and column: unknown fields (typos), missing required ones, wrong
 * types, bad durations and addresses. Duplicate keys are refused too.
 */
public final class YamlFile {

    private static final YAMLFactory YAML = YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private final String source;
    private final YamlNode root;

    private YamlFile(String source, YamlNode root) {
        this.source = source;
        this.root = root;
    }

    public static YamlFile read(Path file) {
        try {
            return parse(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new ConfigFileException(new ConfigLocation(file.toString(), -1, -1, ""), "cannot read: " + e, e);
        }
    }

    /** Parses one YAML document; {@code source} names it in errors. */
    public static YamlFile parse(byte[] data, String source) {
        try (JsonParser p = YAML.createParser(data)) {
            if (p.nextToken() == null) {
                throw new ConfigFileException(new ConfigLocation(source, -1, -1, ""), "the file is empty", null);
            }
            YamlNode root = node(p);
            if (p.nextToken() != null) {
                JsonLocation at = p.currentTokenLocation();
                throw new ConfigFileException(new ConfigLocation(source, at.getLineNr(), at.getColumnNr(), ""),
                        "expected one document, found more", null);
            }
            return new YamlFile(source, root);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String msg = e.getOriginalMessage();
            throw new ConfigFileException(new ConfigLocation(source, at == null ? -1 : at.getLineNr(),
                    at == null ? -1 : at.getColumnNr(), ""), "not valid YAML: " + (msg == null ? e : msg.strip()), e);
        } catch (IOException e) {
            throw new ConfigFileException(new ConfigLocation(source, -1, -1, ""), "cannot read: " + e, e);
        }
    }

    private static YamlNode node(JsonParser p) throws IOException {
        JsonLocation at = p.currentTokenLocation();
        int line = at.getLineNr();
        int col = at.getColumnNr();
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Map<String, YamlNode.Field> fields = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonLocation k = p.currentTokenLocation();
                p.nextToken();
                fields.put(key, new YamlNode.Field(key, k.getLineNr(), k.getColumnNr(), node(p)));
            }
            return new YamlNode.Mapping(fields, line, col);
        }
        if (t == JsonToken.START_ARRAY) {
            List<YamlNode> items = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                items.add(node(p));
            }
            return new YamlNode.Sequence(items, line, col);
        }
        return new YamlNode.Scalar(t == JsonToken.VALUE_NULL ? null : p.getText(), line, col);
    }

    public String source() {
        return source;
    }

    public YamlNode root() {
        return root;
    }

    // ------------------------------------------------------------------ typed reads

    /** A refusal at {@code node}'s position. */
    public ConfigFileException error(YamlNode node, String field, String problem) {
        return new ConfigFileException(new ConfigLocation(source, node.line(), node.column(), field), problem, null);
    }

    /** {@code node} as a mapping whose keys are all among {@code allowed} (an unknown key is a typo, refused). */
    public YamlNode.Mapping mapping(YamlNode node, String path, String... allowed) {
        if (!(node instanceof YamlNode.Mapping m)) {
            throw error(node, path, "must be a mapping of " + String.join(", ", allowed) + ", was " + describe(node));
        }
        List<String> known = Arrays.asList(allowed);
        for (YamlNode.Field f : m.fields().values()) {
            if (!known.contains(f.key())) {
                throw new ConfigFileException(new ConfigLocation(source, f.line(), f.column(), join(path, f.key())),
                        "unknown field (known: " + String.join(", ", allowed) + ")", null);
            }
        }
        return m;
    }

    /** The items of a sequence field; empty when absent, unless {@code required}. */
    public List<YamlNode> sequence(YamlNode.Mapping m, String path, String key, boolean required) {
        Optional<YamlNode> v = value(m, key);
        if (v.isEmpty()) {
            if (required) {
                throw error(m, join(path, key), "is required");
            }
            return List.of();
        }
        if (!(v.get() instanceof YamlNode.Sequence s)) {
            throw error(v.get(), join(path, key), "must be a list, was " + describe(v.get()));
        }
        return s.items();
    }

    /** A field's value, absent when missing or null. */
    public Optional<YamlNode> value(YamlNode.Mapping m, String key) {
        YamlNode.Field f = m.fields().get(key);
        if (f == null || f.value() instanceof YamlNode.Scalar s && s.isNull()) {
            return Optional.empty();
        }
        return Optional.of(f.value());
    }

    /** A string field; {@code fallback} when absent (null and required: refused). */
    public String string(YamlNode.Mapping m, String path, String key, String fallback, boolean required) {
        Optional<YamlNode> v = value(m, key);
        if (v.isEmpty()) {
            if (required) {
                throw error(m, join(path, key), "is required");
            }
            return fallback;
        }
        return scalar(v.get(), join(path, key), "a string");
    }

    public int integer(YamlNode.Mapping m, String path, String key, int fallback) {
        Optional<YamlNode> v = value(m, key);
        if (v.isEmpty()) {
            return fallback;
        }
        String text = scalar(v.get(), join(path, key), "an integer");
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw error(v.get(), join(path, key), "must be an integer, was '" + text + "'");
        }
    }

    /** A duration: {@code 250ms}, {@code 2s}, {@code 1m}, {@code 1h} ({@code 0} alone means zero). */
    public Duration duration(YamlNode.Mapping m, String path, String key, Duration fallback) {
        Optional<YamlNode> v = value(m, key);
        if (v.isEmpty()) {
            return fallback;
        }
        String text = scalar(v.get(), join(path, key), "a duration").trim().toLowerCase(Locale.ROOT);
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher d = DURATION.matcher(text);
        if (!d.matches()) {
            throw error(v.get(), join(path, key), "must be a duration such as 250ms, 2s or 1m, was '" + text + "'");
        }
        long n = Long.parseLong(d.group(1));
        return switch (d.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** {@code host:port} (an IPv6 host in brackets), port in 0..65535, resolved now. */
    public InetSocketAddress address(YamlNode node, String field) {
        String text = scalar(node, field, "host:port").trim();
        int colon = text.lastIndexOf(':');
        String host = colon <= 0 ? "" : text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = colon < 0 ? -1 : Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (host.isEmpty() || port < 0 || port > 65535) {
            throw error(node, field, "must be host:port with a port in 0..65535, was '" + text + "'");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw error(node, field, "cannot resolve host '" + host + "'");
        }
        return address;
    }

    private String scalar(YamlNode node, String field, String what) {
        if (!(node instanceof YamlNode.Scalar s) || s.isNull()) {
            throw error(node, field, "must be " + what + ", was " + describe(node));
        }
        return s.text();
    }

    private static String describe(YamlNode node) {
        return switch (node) {
            case YamlNode.Mapping m -> "a mapping";
            case YamlNode.Sequence s -> "a list";
            case YamlNode.Scalar s -> s.isNull() ? "empty" : "'" + s.text() + "'";
        };
    }

    /** {@code a.b}, or {@code b} at the top. */
    public static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }
}
