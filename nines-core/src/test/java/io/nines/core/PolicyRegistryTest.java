package io.nines.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nines.core.degrade.Switches;
import io.nines.core.registry.PolicyRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PolicyRegistryTest {

    record Named(String name) {}

    @Test
    void createsOncePerNameAndTellsObservers() {
        AtomicInteger made = new AtomicInteger();
        PolicyRegistry<Named> registry = PolicyRegistry.of(n -> {
            made.incrementAndGet();
            return new Named(n);
        });
        List<String> added = new CopyOnWriteArrayList<>();
        registry.events().subscribe(a -> added.add(a.name()));

        Named a = registry.get("a");
        assertThat(registry.get("a")).isSameAs(a);
        registry.register("b", new Named("custom"));

        assertThat(made).hasValue(1);
        assertThat(added).containsExactly("a", "b");
        assertThat(registry.all()).extracting(Named::name).containsExactlyInAnyOrder("a", "custom");
        assertThat(registry.find("zzz")).isEmpty();
        assertThatThrownBy(() -> registry.register("a", new Named("other")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'a'");
        assertThatThrownBy(() -> registry.get(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void switchesDegradeByPrefix() {
        Switches switches = new Switches();
        switches.get("side.recommendations");
        switches.get("side.reviews");
        switches.get("core.checkout");

        assertThat(switches.degradeAll("side.", "drill")).isEqualTo(2);
        assertThat(switches.all()).filteredOn(s -> s.isDegraded()).extracting(s -> s.name())
                .containsExactlyInAnyOrder("side.recommendations", "side.reviews");
    }
}
