package io.nines.core.retry;

import static io.nines.core.retry.NonRetryableReason.ABORTED;
import static io.nines.core.retry.NonRetryableReason.BUSINESS_ERROR;
import static io.nines.core.retry.NonRetryableReason.CANCELLED;
import static io.nines.core.retry.NonRetryableReason.FATAL_ERROR;
import static io.nines.core.retry.NonRetryableReason.NOT_IDEMPOTENT;
import static io.nines.core.retry.NonRetryableReason.NOT_RETRYABLE;
import static io.nines.core.retry.NonRetryableReason.PERSISTENT_ERROR;
import static io.nines.core.retry.NonRetryableReason.REFUSED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.nines.core.BulkheadFullException;
import io.nines.core.CallContext;
import io.nines.core.CircuitOpenException;
import io.nines.core.DegradedException;
import io.nines.core.IslandFencedException;
import io.nines.core.NoHealthyEndpointException;
import io.nines.core.RateLimitedException;
import io.nines.core.Refusal;
import io.nines.core.RefusedException;
import io.nines.core.ShedException;
import io.nines.core.StaleEpochException;
import io.nines.core.TimeoutExceededException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RetryClassifierTest {

    static final CallContext IDEMPOTENT = CallContext.DEFAULT;
    static final CallContext NON_IDEMPOTENT = CallContext.nonIdempotent();
    static final CallContext KEYED = CallContext.nonIdempotent().withIdempotencyKey("order-42");

    static class InsufficientFunds extends RuntimeException implements BusinessError {
    }

    static class OrderAlreadyShipped extends IOException { // a business error that happens to be an IOException
    }

    static class SchemaMissing extends IOException implements PersistentError {
    }

    static class ReplicaCatchingUp extends RuntimeException implements TransientError {
    }

    static class LegacyValidationException extends RuntimeException {
    }

    static class LegacyNotFoundException extends IOException {
    }

    /** The config most rows use: defaults plus one configured business and one persistent class, one abortOn. */
    static final RetryConfig CONFIG = Retry.builder("table")
            .businessErrors(OrderAlreadyShipped.class)
            .persistentErrors(LegacyNotFoundException.class)
            .abortOn(LegacyValidationException.class)
            .config();

    static Stream<Arguments> table() {
        return Stream.of(
                // retryable: expected, temporary failures of an idempotent call
                arguments("IOException", IDEMPOTENT, new IOException("reset"), null),
                arguments("SocketTimeoutException", IDEMPOTENT, new SocketTimeoutException(), null),
                arguments("TimeoutException", IDEMPOTENT, new TimeoutException(), null),
                arguments("TimeoutExceededException (per-try timeout)", IDEMPOTENT,
                        new TimeoutExceededException("t", "slow"), null),
                arguments("NoHealthyEndpointException", IDEMPOTENT, new NoHealthyEndpointException("lb", "none"), null),
                arguments("SQLTransientConnectionException", IDEMPOTENT, new SQLTransientConnectionException(), null),
                arguments("SQLTimeoutException", IDEMPOTENT, new SQLTimeoutException(), null),
                arguments("SQLTransactionRollbackException (deadlock)", IDEMPOTENT,
                        new SQLTransactionRollbackException("deadlock", "40001"), null),
                arguments("SQLRecoverableException", IDEMPOTENT, new SQLRecoverableException(), null),
                arguments("SQLNonTransientConnectionException (primary died)", IDEMPOTENT,
                        new SQLNonTransientConnectionException("gone", "08S01"), null),
                arguments("SQLException state 08 (connection)", IDEMPOTENT, new SQLException("x", "08S01"), null),
                arguments("SQLException state 40 (rollback)", IDEMPOTENT, new SQLException("x", "40001"), null),
                arguments("TransientError marker", IDEMPOTENT, new ReplicaCatchingUp(), null),
                arguments("CompletionException(IOException)", IDEMPOTENT, new CompletionException(new IOException()), null),
                arguments("ExecutionException(SocketTimeout)", IDEMPOTENT,
                        new ExecutionException(new SocketTimeoutException()), null),
                arguments("UncheckedIOException", IDEMPOTENT, new UncheckedIOException(new IOException()), null),
                arguments("RuntimeException(cause ConnectException)", IDEMPOTENT,
                        new RuntimeException(new ConnectException()), null),

                // (1) non-idempotent calls
                arguments("non-idempotent IOException", NON_IDEMPOTENT, new IOException(), NOT_IDEMPOTENT),
                arguments("non-idempotent read timeout (may have run)", NON_IDEMPOTENT,
                        new SocketTimeoutException(), NOT_IDEMPOTENT),
                arguments("non-idempotent per-try timeout", NON_IDEMPOTENT,
                        new TimeoutExceededException("t", "slow"), NOT_IDEMPOTENT),
                arguments("non-idempotent with idempotency key", KEYED, new IOException(), null),
                arguments("non-idempotent, connect refused (never sent)", NON_IDEMPOTENT, new ConnectException(), null),
                arguments("non-idempotent, unknown host (never sent)", NON_IDEMPOTENT, new UnknownHostException(), null),
                arguments("non-idempotent, no healthy endpoint (never sent)", NON_IDEMPOTENT,
                        new NoHealthyEndpointException("lb", "none"), null),

                // (2) business errors
                arguments("BusinessError marker", IDEMPOTENT, new InsufficientFunds(), BUSINESS_ERROR),
                arguments("configured business class (an IOException)", IDEMPOTENT, new OrderAlreadyShipped(),
                        BUSINESS_ERROR),
                arguments("wrapped BusinessError", IDEMPOTENT, new CompletionException(new InsufficientFunds()),
                        BUSINESS_ERROR),
                arguments("RuntimeException(cause BusinessError)", IDEMPOTENT,
                        new RuntimeException("service failed", new InsufficientFunds()), BUSINESS_ERROR),

                // (3) overload and fencing refusals
                arguments("CircuitOpenException", IDEMPOTENT, new CircuitOpenException("cb", "open"), REFUSED),
                arguments("RateLimitedException", IDEMPOTENT, new RateLimitedException("rl", "A", "quota"), REFUSED),
                arguments("ShedException", IDEMPOTENT, new ShedException("cl", "shed"), REFUSED),
                arguments("BulkheadFullException", IDEMPOTENT, new BulkheadFullException("bh", "full"), REFUSED),
                arguments("IslandFencedException", IDEMPOTENT, new IslandFencedException("ig", "island"), REFUSED),
                arguments("StaleEpochException", IDEMPOTENT, new StaleEpochException("topo", 6, 7), REFUSED),
                arguments("DegradedException", IDEMPOTENT, new DegradedException("sw", "off"), REFUSED),
                arguments("RejectedExecutionException (saturated executor)", IDEMPOTENT,
                        new RejectedExecutionException(), REFUSED),

                // (4) errors that persist
                arguments("PersistentError marker", IDEMPOTENT, new SchemaMissing(), PERSISTENT_ERROR),
                arguments("configured persistent class", IDEMPOTENT, new LegacyNotFoundException(), PERSISTENT_ERROR),
                arguments("IllegalArgumentException", IDEMPOTENT, new IllegalArgumentException(), PERSISTENT_ERROR),
                arguments("NumberFormatException", IDEMPOTENT, new NumberFormatException(), PERSISTENT_ERROR),
                arguments("NullPointerException", IDEMPOTENT, new NullPointerException(), PERSISTENT_ERROR),
                arguments("ClassCastException", IDEMPOTENT, new ClassCastException(), PERSISTENT_ERROR),
                arguments("UnsupportedOperationException", IDEMPOTENT, new UnsupportedOperationException(),
                        PERSISTENT_ERROR),
                arguments("SecurityException", IDEMPOTENT, new SecurityException(), PERSISTENT_ERROR),
                arguments("SQLSyntaxErrorException", IDEMPOTENT, new SQLSyntaxErrorException(), PERSISTENT_ERROR),
                arguments("SQLIntegrityConstraintViolationException", IDEMPOTENT,
                        new SQLIntegrityConstraintViolationException(), PERSISTENT_ERROR),
                arguments("SQLInvalidAuthorizationSpecException", IDEMPOTENT,
                        new SQLInvalidAuthorizationSpecException(), PERSISTENT_ERROR),
                arguments("SQLFeatureNotSupportedException", IDEMPOTENT, new SQLFeatureNotSupportedException(),
                        PERSISTENT_ERROR),
                arguments("SQLDataException", IDEMPOTENT, new SQLDataException(), PERSISTENT_ERROR),
                arguments("FileNotFoundException (HTTP 404)", IDEMPOTENT, new FileNotFoundException(), PERSISTENT_ERROR),
                arguments("RuntimeException(cause SQLIntegrityConstraintViolation)", IDEMPOTENT,
                        new RuntimeException(new SQLIntegrityConstraintViolationException()), PERSISTENT_ERROR),
                arguments("OutOfMemoryError", IDEMPOTENT, new OutOfMemoryError(), FATAL_ERROR),
                arguments("StackOverflowError", IDEMPOTENT, new StackOverflowError(), FATAL_ERROR),
                arguments("wrapped Error", IDEMPOTENT, new ExecutionException(new LinkageError()), FATAL_ERROR),
                arguments("Error beats non-idempotency", NON_IDEMPOTENT, new OutOfMemoryError(), FATAL_ERROR),

                // cancellation
                arguments("InterruptedException", IDEMPOTENT, new InterruptedException(), CANCELLED),
                arguments("CancellationException", IDEMPOTENT, new CancellationException(), CANCELLED),

                // user rules
                arguments("abortOn class", IDEMPOTENT, new LegacyValidationException(), ABORTED),

                // unexpected errors are not retried by default
                arguments("bare RuntimeException", IDEMPOTENT, new RuntimeException("bug?"), NOT_RETRYABLE),
                arguments("IllegalStateException (not persistent, not transient)", IDEMPOTENT,
                        new IllegalStateException(), NOT_RETRYABLE),
                arguments("checked Exception", IDEMPOTENT, new Exception(), NOT_RETRYABLE),
                arguments("SQLException state 42 (syntax)", IDEMPOTENT, new SQLException("x", "42000"), NOT_RETRYABLE),
                arguments("SQLException without state", IDEMPOTENT, new SQLException("x"), NOT_RETRYABLE));
    }

    @ParameterizedTest(name = "{0} -> {3}")
    @MethodSource("table")
    void classifies(String what, CallContext context, Throwable error, NonRetryableReason expected) {
        assertThat(RetryClassifier.of(CONFIG).classify(context, error)).as(what).isEqualTo(expected);
    }

    @Test
    void everyOverloadOrFencingRefusalIsRefusedAndOnlyTimeoutAndNoEndpointAreRetryable() {
        Set<Refusal> covered = table()
                .map(a -> a.get()[2])
                .filter(RefusedException.class::isInstance)
                .map(e -> ((RefusedException) e).refusal())
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Refusal.class)));
        assertThat(covered).as("the table covers every refusal").containsExactlyInAnyOrder(Refusal.values());
        Set<Refusal> retryable = table()
                .filter(a -> a.get()[1] == IDEMPOTENT && a.get()[2] instanceof RefusedException && a.get()[3] == null)
                .map(a -> ((RefusedException) a.get()[2]).refusal())
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Refusal.class)));
        assertThat(retryable).containsExactlyInAnyOrder(Refusal.TIMEOUT, Refusal.NO_HEALTHY_ENDPOINT);
    }

    @Test
    void builtInRefusalsComeBeforeAPermissivePredicate() {
        RetryClassifier everything = RetryClassifier.of(Retry.builder("all").retryOnException(e -> true).config());
        assertThat(everything.classify(IDEMPOTENT, new IllegalStateException())).isNull();
        assertThat(everything.classify(IDEMPOTENT, new RuntimeException())).isNull();
        assertThat(everything.classify(IDEMPOTENT, new IllegalArgumentException())).isEqualTo(PERSISTENT_ERROR);
        assertThat(everything.classify(IDEMPOTENT, new InsufficientFunds())).isEqualTo(BUSINESS_ERROR);
        assertThat(everything.classify(IDEMPOTENT, new CircuitOpenException("cb", "open"))).isEqualTo(REFUSED);
        assertThat(everything.classify(NON_IDEMPOTENT, new IllegalStateException())).isEqualTo(NOT_IDEMPOTENT);
    }

    @Test
    void thePredicateCanBeNarrowedOrExtended() {
        RetryClassifier narrow = RetryClassifier.of(Retry.builder("n").retryOnException(e -> e instanceof ConnectException).config());
        assertThat(narrow.classify(IDEMPOTENT, new ConnectException())).isNull();
        assertThat(narrow.classify(IDEMPOTENT, new SocketTimeoutException())).isEqualTo(NOT_RETRYABLE);

        RetryClassifier extended = RetryClassifier.of(Retry.builder("x")
                .retryOnException(RetryClassifier.TRANSIENT.or(e -> e instanceof IllegalStateException)).config());
        assertThat(extended.classify(IDEMPOTENT, new IllegalStateException("pool restarting"))).isNull();
        assertThat(extended.classify(IDEMPOTENT, new IOException())).isNull();
        assertThat(extended.classify(IDEMPOTENT, new RuntimeException())).isEqualTo(NOT_RETRYABLE);
    }

    @Test
    void abortOnOverridesTheTransientDefault() {
        RetryClassifier c = RetryClassifier.of(Retry.builder("a").abortOn(SocketTimeoutException.class).config());
        assertThat(c.classify(IDEMPOTENT, new SocketTimeoutException())).isEqualTo(ABORTED);
        assertThat(c.classify(IDEMPOTENT, new IOException())).isNull();
    }

    @Test
    void unsentNonIdempotentRetryCanBeTurnedOff() {
        RetryClassifier strict = RetryClassifier.of(Retry.builder("s").retryUnsentNonIdempotent(false).config());
        assertThat(strict.classify(NON_IDEMPOTENT, new ConnectException())).isEqualTo(NOT_IDEMPOTENT);
        assertThat(strict.classify(KEYED, new ConnectException())).isNull();
    }

    @Test
    void resultsAreRefusedOnlyForNonIdempotentCalls() {
        RetryClassifier c = RetryClassifier.of(CONFIG);
        assertThat(c.classifyResult(IDEMPOTENT)).isNull();
        assertThat(c.classifyResult(KEYED)).isNull();
        assertThat(c.classifyResult(NON_IDEMPOTENT)).isEqualTo(NOT_IDEMPOTENT);
    }

    @Test
    void aCyclicCauseChainTerminates() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(RetryClassifier.of(CONFIG).classify(IDEMPOTENT, a)).isEqualTo(NOT_RETRYABLE);
    }
}
