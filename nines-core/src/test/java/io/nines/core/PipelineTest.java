package io.nines.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.nines.core.degrade.DegradeSwitch;
import io.nines.core.degrade.Switches;
import io.nines.core.fallback.Fallback;
import io.nines.core.spi.CallGate;
import io.nines.core.timeout.Timeout;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PipelineTest {

    /** A gate that records what the pipeline tells it, and refuses when asked to. */
    static final class RecordingGate implements CallGate {
        final String name;
        final List<String> log;
        volatile boolean refuse;

        RecordingGate(String name, List<String> log) {
            this.name = name;
            this.log = log;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void acquire(CallContext context) {
            if (refuse) {
                log.add(name + ".refuse");
                throw new BulkheadFullException(name, "full");
            }
            log.add(name + ".acquire");
        }

        @Override
        public void onComplete(CallContext context, long durationNanos, Object result, Throwable error) {
            log.add(name + ".complete(" + (error == null ? result : error.getClass().getSimpleName()) + ")");
        }

        @Override
        public void abandon(CallContext context) {
            log.add(name + ".abandon");
        }
    }

    @Test
    void gatesAreAcquiredInOrderAndCompletedInReverse() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        Pipeline p = Pipeline.builder("p")
                .outerGate(new RecordingGate("island", log))
                .gate(new RecordingGate("cb", log))
                .gate(new RecordingGate("rl", log))
                .build();

        assertThat(p.call(() -> {
            log.add("call");
            return "ok";
        })).isEqualTo("ok");

        assertThat(log).containsExactly("island.acquire", "cb.acquire", "rl.acquire", "call",
                "rl.complete(ok)", "cb.complete(ok)", "island.complete(ok)");
    }

    @Test
    void aRefusalAbandonsTheGatesAlreadyPassedAndNeverRunsTheAction() {
        List<String> log = new CopyOnWriteArrayList<>();
        RecordingGate bulkhead = new RecordingGate("bulkhead", log);
        bulkhead.refuse = true;
        Pipeline p = Pipeline.builder("p")
                .gate(new RecordingGate("cb", log))
                .gate(new RecordingGate("rl", log))
                .gate(bulkhead)
                .build();
        AtomicBoolean ran = new AtomicBoolean();

        assertThatThrownBy(() -> p.call(() -> ran.getAndSet(true)))
                .isInstanceOf(BulkheadFullException.class)
                .satisfies(e -> assertThat(((RefusedException) e).refusal()).isEqualTo(Refusal.BULKHEAD_FULL));
        assertThat(ran).isFalse();
        assertThat(log).containsExactly("cb.acquire", "rl.acquire", "bulkhead.refuse", "rl.abandon", "cb.abandon");
    }

    @Test
    void actionFailuresSurfaceUnchangedAndReachTheGates() {
        List<String> log = new CopyOnWriteArrayList<>();
        Pipeline p = Pipeline.builder("p").gate(new RecordingGate("cb", log)).build();
        IOException boom = new IOException("boom");

        assertThatThrownBy(() -> p.call(() -> {
            throw boom;
        })).isSameAs(boom);
        assertThat(log).containsExactly("cb.acquire", "cb.complete(IOException)");
    }

    @Test
    void aFallbackAnswersRefusalsButLetsOtherFailuresThroughWhenNarrowed() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        RecordingGate gate = new RecordingGate("bulkhead", log);
        Pipeline p = Pipeline.builder("p").gate(gate).build();
        Fallback<String> cached = Fallback.ofValue("cached").onlyRefusals();

        gate.refuse = true;
        assertThat(p.call(CallContext.DEFAULT, () -> "fresh", cached)).isEqualTo("cached");

        gate.refuse = false;
        assertThatThrownBy(() -> p.call(CallContext.DEFAULT, () -> {
            throw new IllegalStateException("real failure");
        }, cached)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aDegradedSwitchRefusesWithoutRunningAndRestoreTurnsThePathBackOn() throws Exception {
        Switches switches = new Switches();
        DegradeSwitch recommendations = switches.get("recommendations");
        List<DegradeSwitch.Flipped> flips = new CopyOnWriteArrayList<>();
        recommendations.events().subscribe(flips::add);
        Pipeline p = Pipeline.builder("recs").degradeSwitch(recommendations).build();
        AtomicInteger runs = new AtomicInteger();

        recommendations.degrade("drill: side paths off");
        assertThatThrownBy(() -> p.call(runs::incrementAndGet))
                .isInstanceOf(DegradedException.class)
                .hasMessageContaining("recommendations").hasMessageContaining("drill");
        assertThat(p.call(CallContext.DEFAULT, runs::incrementAndGet, Fallback.ofValue(-1))).isEqualTo(-1);
        assertThat(runs).hasValue(0);

        recommendations.restore("drill over");
        assertThat(p.call(runs::incrementAndGet)).isEqualTo(1);
        assertThat(flips).extracting(DegradeSwitch.Flipped::degraded).containsExactly(true, false);
        assertThat(switches.get("recommendations")).isSameAs(recommendations);
    }

    @Test
    void aTimeoutInterruptsABlockedSyncAttemptAndTellsTheGates() {
        List<String> log = new CopyOnWriteArrayList<>();
        Pipeline p = Pipeline.builder("p")
                .gate(new RecordingGate("cb", log))
                .timeout(Timeout.of("50ms", Duration.ofMillis(50)))
                .build();
        CountDownLatch never = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();

        assertThatThrownBy(() -> p.call(() -> {
            try {
                return never.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw e;
            }
        })).isInstanceOf(TimeoutExceededException.class).hasMessageContaining("timed out after 50 ms");
        assertThat(interrupted).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).as("no interrupt leaks to the caller").isFalse();
        assertThat(log).containsExactly("cb.acquire", "cb.complete(TimeoutExceededException)");
    }

    @Test
    void anAttemptThatEndsInTimeIsNeitherInterruptedNorFailed() throws Exception {
        Pipeline p = Pipeline.builder("p").timeout(Timeout.of("1s", Duration.ofSeconds(1))).build();
        for (int i = 0; i < 1000; i++) {
            assertThat(p.call(() -> "ok")).isEqualTo("ok");
        }
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void asyncCallsCompleteGatesWhenTheirStageCompletes() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        Pipeline p = Pipeline.builder("p").gate(new RecordingGate("cb", log)).build();
        CompletableFuture<String> pending = new CompletableFuture<>();

        CompletableFuture<String> result = p.callAsync(CallContext.DEFAULT, () -> pending).toCompletableFuture();
        assertThat(log).containsExactly("cb.acquire");
        pending.complete("done");

        assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo("done");
        assertThat(log).containsExactly("cb.acquire", "cb.complete(done)");
    }

    @Test
    void asyncRefusalsAndTimeoutsCompleteTheStageExceptionally() {
        List<String> log = new CopyOnWriteArrayList<>();
        RecordingGate gate = new RecordingGate("bulkhead", log);
        gate.refuse = true;
        Pipeline refusing = Pipeline.builder("p").gate(gate).build();
        assertThatThrownBy(() -> refusing.callAsync(() -> CompletableFuture.completedFuture(1))
                .toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(BulkheadFullException.class);

        Pipeline timing = Pipeline.builder("p").timeout(Timeout.of("t", Duration.ofMillis(30))).build();
        CompletableFuture<Integer> never = new CompletableFuture<>();
        CompletableFuture<Integer> r = timing.callAsync(() -> never).toCompletableFuture();
        await().atMost(Duration.ofSeconds(5)).until(r::isDone);
        assertThatThrownBy(r::get).hasCauseInstanceOf(TimeoutExceededException.class);
    }

    @Test
    void refusalsCarryDistinctMachineReadableCodes() {
        assertThat(List.of(Refusal.values())).extracting(Refusal::code).doesNotHaveDuplicates();
        assertThat(List.of(Refusal.values())).extracting(Refusal::respPrefix).doesNotHaveDuplicates();
        for (Refusal r : Refusal.values()) {
            assertThat(Refusal.fromCode(r.code())).isSameAs(r);
        }
        RateLimitedException limited = new RateLimitedException("api", "caller-A", "quota 10/s exceeded");
        assertThat(limited.toRespError()).startsWith("RATELIMITED caller=caller-A");
        assertThat(limited.getStackTrace()).as("refusals are cheap: no stack trace").isEmpty();
    }

    @Test
    void aBlankPipelineNameIsRejectedNamingTheField() {
        assertThatThrownBy(() -> Pipeline.builder(" "))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("pipeline.name")
                .satisfies(e -> assertThat(((InvalidConfigException) e).field()).isEqualTo("name"));
    }
}
