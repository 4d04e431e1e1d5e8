package io.nines.core.idempotency.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.core.idempotency.OutcomeCodec;
import io.nines.core.idempotency.OutcomeCodecException;
import io.nines.core.idempotency.RecordedOutcome;
import java.io.ObjectInputFilter;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutcomeCodecTest {

    private final OutcomeCodec codec = OutcomeCodec.javaSerialization();

    record Receipt(String id, long cents) implements Serializable {
    }

    static final class HoldsAThread implements Serializable {
        final Object thread = new Object();
    }

    @Test
    void valuesNullsAndErrorsRoundTrip() {
        for (RecordedOutcome o : List.of(RecordedOutcome.value(new Receipt("r1", 1250)), RecordedOutcome.value(null),
                RecordedOutcome.value(Map.of("a", List.of(1, 2))))) {
            assertThat(OutcomePayload.decode(codec, OutcomePayload.encode(codec, o))).isEqualTo(o);
        }
        RecordedOutcome failure = RecordedOutcome.failure(new IllegalStateException("declined"));
        RecordedOutcome back = OutcomePayload.decode(codec, OutcomePayload.encode(codec, failure));
        assertThat(((RecordedOutcome.Failure) back).error()).isInstanceOf(IllegalStateException.class)
                .hasMessage("declined");
    }

    @Test
    void aValueThatIsNotSerializableIsNamedInTheError() {
        assertThatThrownBy(() -> codec.encode(new Object()))
                .isInstanceOf(OutcomeCodecException.class)
                .hasMessageContaining("java.lang.Object").hasMessageContaining("OutcomeCodec");
        assertThatThrownBy(() -> codec.encode(new HoldsAThread()))
                .isInstanceOf(OutcomeCodecException.class)
                .hasMessageContaining("HoldsAThread").hasMessageContaining("java.lang.Object");
    }

    @Test
    void aFilterRefusesUnexpectedClassesAndGarbageIsAClearError() {
        OutcomeCodec strict = OutcomeCodec.javaSerialization(ObjectInputFilter.Config.createFilter("java.lang.*;!*"));
        byte[] receipt = codec.encode(new Receipt("r1", 1));
        assertThatThrownBy(() -> strict.decode(receipt)).isInstanceOf(OutcomeCodecException.class)
                .hasMessageContaining("refused");
        assertThat(strict.decode(codec.encode("text"))).isEqualTo("text");
        assertThatThrownBy(() -> codec.decode(new byte[] {1, 2, 3})).isInstanceOf(OutcomeCodecException.class);
        assertThatThrownBy(() -> OutcomePayload.decode(codec, new byte[0])).isInstanceOf(OutcomeCodecException.class);
        assertThatThrownBy(() -> OutcomePayload.decode(codec, new byte[] {'X', 1})).isInstanceOf(OutcomeCodecException.class);
    }
}
