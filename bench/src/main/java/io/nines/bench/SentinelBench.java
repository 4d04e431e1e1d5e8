package io.nines.bench;

import com.alibaba.csp.sentinel.Entry;
import com.alibaba.csp.sentinel.SphU;
import com.alibaba.csp.sentinel.Tracer;
import com.alibaba.csp.sentinel.slots.block.RuleConstant;
import com.alibaba.csp.sentinel.slots.block.degrade.DegradeRule;
import com.alibaba.csp.sentinel.slots.block.degrade.DegradeRuleManager;
import com.alibaba.csp.sentinel.slots.block.flow.FlowRule;
import com.alibaba.csp.sentinel.slots.block.flow.FlowRuleManager;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Sentinel: one resource guarded by a QPS flow rule (rate limiter), a thread-count flow rule
 * (bulkhead) and an exception-ratio degrade rule (circuit breaker), entered with {@code SphU.entry},
 * inside a hand-written retry loop of up to 3 attempts (Sentinel has no retry).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SentinelBench {

    private static final String RESOURCE = "bench";

    @Param({Work.NOOP, Work.CPU100})
    public String work;

    private Work action;

    @Setup
    public void setup() throws Exception {
        // Before Sentinel's first use: its logs go to a temporary folder, not to ~/logs/csp.
        System.setProperty("csp.sentinel.log.dir",
                Path.of(System.getProperty("java.io.tmpdir"), "nines-bench-sentinel").toString());
        action = Work.of(work);

        FlowRule rate = new FlowRule(RESOURCE);
        rate.setGrade(RuleConstant.FLOW_GRADE_QPS);
        rate.setCount(Limits.RATE_PER_SECOND);
        FlowRule bulkhead = new FlowRule(RESOURCE);
        bulkhead.setGrade(RuleConstant.FLOW_GRADE_THREAD);
        bulkhead.setCount(Limits.BULKHEAD_MAX_CONCURRENT);
        FlowRuleManager.loadRules(List.of(rate, bulkhead));

        DegradeRule breaker = new DegradeRule(RESOURCE);
        breaker.setGrade(RuleConstant.DEGRADE_GRADE_EXCEPTION_RATIO);
        breaker.setCount(Limits.CB_FAILURE_RATE_PERCENT / 100.0);
        breaker.setMinRequestAmount(Limits.CB_WINDOW);
        breaker.setStatIntervalMs(1000);
        breaker.setTimeWindow(10);
        DegradeRuleManager.loadRules(List.of(breaker));

        Limits.check(pipeline());
    }

    @Benchmark
    public Object pipeline() throws Exception {
        for (int attempt = 1; ; attempt++) {
            Entry entry = SphU.entry(RESOURCE); // a BlockException (refusal) ends the call; none happens here
            try {
                return action.get();
            } catch (RuntimeException e) {
                Tracer.traceEntry(e, entry);
                if (attempt >= Limits.RETRY_MAX_ATTEMPTS) {
                    throw e;
                }
            } finally {
                entry.exit();
            }
            TimeUnit.NANOSECONDS.sleep(Limits.RETRY_WAIT.toNanos());
        }
    }
}
