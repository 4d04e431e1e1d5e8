package io.nines.config;

import java.util.List;
import java.util.Map;

/** A value of a YAML document with where it starts (1-based line and column). */
public sealed interface YamlNode permits YamlNode.Mapping, YamlNode.Sequence, YamlNode.Scalar {

    int line();

    int column();

    /** A key of a mapping, where the key sits, and its value. */
    record Field(String key, int line, int column, YamlNode value) {
    }

    /** A mapping, its fields in document order. */
    record Mapping(Map<String, Field> fields, int line, int column) implements YamlNode {
    }

    record Sequence(List<YamlNode> items, int line, int column) implements YamlNode {
    }

    /** A scalar; {@code text} is null for YAML null ({@code ~}, empty). */
    record Scalar(String text, int line, int column) implements YamlNode {
        public boolean isNull() {
            return text == null;
        }
    }
}
