package io.nines.core.retry;

import io.nines.core.CallContext;
import io.nines.core.NoHealthyEndpointException;
import io.nines.core.RefusedException;
import io.nines.core.TimeoutExceededException;
import java.io.CharConversionException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.ObjectStreamException;
import java.io.UTFDataFormatException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.net.ConnectException;
import java.net.MalformedURLException;
import java.net.NoRouteToHostException;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLNonTransientException;
import java.sql.SQLRecoverableException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTransientException;
import java.time.DateTimeException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Decides whether a failed attempt may be retried, and if not, why ({@link NonRetryableReason}).
 * Seed 000 names what must never be retried: long-lasting errors, errors caused by too much traffic,
 * business errors, and non-idempotent requests. {@link #classify} applies, in order:
 * <ol>
 *   <li>{@link NonRetryableReason#FATAL_ERROR}: any {@link Error}.</li>
 *   <li>{@link NonRetryableReason#CANCELLED}: {@link InterruptedException}, {@link CancellationException},
 *       {@link ClosedByInterruptException}.</li>
 *   <li>{@link NonRetryableReason#NOT_IDEMPOTENT}: {@link CallContext#safeToRetry()} is false, unless the error
 *       proves the request never left (see {@link #isUnsent}) and {@link RetryConfig#retryUnsentNonIdempotent()}.</li>
 *   <li>{@link NonRetryableReason#BUSINESS_ERROR}: {@link BusinessError} or {@link RetryConfig#businessErrors()}.</li>
 *   <li>{@link NonRetryableReason#REFUSED}: a {@link RefusedException} for CIRCUIT_OPEN, RATE_LIMITED, SHED,
 *       BULKHEAD_FULL, ISLAND_FENCED, STALE_EPOCH or DEGRADED, and {@link RejectedExecutionException} (a
 *       saturated executor). TIMEOUT and NO_HEALTHY_ENDPOINT refusals are retryable: the next attempt gets a
 *       fresh timeout, and endpoints come back (a failover publishes the new primary within milliseconds).</li>
 *   <li>{@link NonRetryableReason#PERSISTENT_ERROR}: {@link PersistentError}, {@link RetryConfig#persistentErrors()},
 *       and well-known permanent JDK errors: programming errors ({@link IllegalArgumentException},
 *       {@link NullPointerException}, {@link ClassCastException}, {@link UnsupportedOperationException},
 *       {@link IndexOutOfBoundsException}, {@link ArithmeticException}, {@link ArrayStoreException},
 *       {@link NegativeArraySizeException}, {@link IllegalMonitorStateException}, {@link DateTimeException},
 *       {@link ReflectiveOperationException}), security ({@link SecurityException},
 *       {@link GeneralSecurityException}, {@link SSLPeerUnverifiedException}), SQL errors that a retry repeats
 *       ({@link SQLSyntaxErrorException}, {@link SQLIntegrityConstraintViolationException},
 *       {@link SQLInvalidAuthorizationSpecException}, {@link SQLFeatureNotSupportedException},
 *       {@link SQLDataException}), and I/O errors about the request itself rather than the transport
 *       ({@link FileNotFoundException} (also HTTP 404 in {@code HttpURLConnection}), {@link NoSuchFileException},
 *       {@link AccessDeniedException}, {@link FileAlreadyExistsException}, {@link MalformedURLException},
 *       {@link URISyntaxException}, {@link CharacterCodingException}, {@link CharConversionException},
 *       {@link UTFDataFormatException}, {@link ObjectStreamException}).
 *       {@link IllegalStateException} is deliberately <em>not</em> here: it describes an object's state, which
 *       can change (a pool restarting, a full queue); it is still not retried by default (step 8) unless a
 *       {@code retryOnException} predicate accepts it.</li>
 *   <li>{@link NonRetryableReason#ABORTED}: {@link RetryConfig#abortOn()}.</li>
 *   <li>{@link NonRetryableReason#NOT_RETRYABLE}: {@link RetryConfig#retryOnException()} declines the error.</li>
 * </ol>
 * Steps 4 to 7 are user-visible categories and only the first deciding one counts: wrappers
 * ({@link CompletionException}, {@link ExecutionException}, {@link UncheckedIOException},
 * {@link InvocationTargetException}, {@link UndeclaredThrowableException}) are peeled off, then the error and its
 * causes are examined from the top, and the first link that falls in a known category (including "transient")
 * decides. So {@code RuntimeException(cause: SQLIntegrityConstraintViolationException)} is persistent, while
 * {@code IOException(cause: IllegalArgumentException)} is a transient I/O error.
 * {@link NonRetryableReason#SAME_ERROR_REPEATED} is stateful and decided by {@link Retry} itself.
 */
public final class RetryClassifier {

    /**
     * The default {@code retryOnException}: known transient failures. True when the first link of the cause chain
     * (after peeling wrappers) that is known is a transient one: {@link TransientError}, {@link IOException}
     * (minus the persistent ones above), {@link TimeoutException}, {@link TimeoutExceededException},
     * {@link NoHealthyEndpointException}, {@link SQLTransientException}, {@link SQLRecoverableException},
     * {@link SQLNonTransientConnectionException} (a lost connection: a new one may reach the new primary after a
     * failover), or a plain {@link SQLException} whose SQLState class is 08 (connection) or 40 (transaction
     * rollback, e.g. deadlock). Any other exception, including a bare {@link RuntimeException}, is declined:
     * an unexpected error is a bug or a business case, which a second attempt does not fix.
     */
    public static final Predicate<Throwable> TRANSIENT = RetryClassifier::isTransient;

    /** How deep cause chains are followed: enough for real wrappers, and a guard against cycles. */
    private static final int MAX_DEPTH = 8;

    private static final List<Class<? extends Throwable>> PERSISTENT_JDK = List.of(
            IllegalArgumentException.class, NullPointerException.class, ClassCastException.class,
            UnsupportedOperationException.class, IndexOutOfBoundsException.class, ArithmeticException.class,
            ArrayStoreException.class, NegativeArraySizeException.class, IllegalMonitorStateException.class,
            DateTimeException.class, ReflectiveOperationException.class,
            SecurityException.class, GeneralSecurityException.class, SSLPeerUnverifiedException.class,
            SQLSyntaxErrorException.class, SQLIntegrityConstraintViolationException.class,
            SQLInvalidAuthorizationSpecException.class, SQLFeatureNotSupportedException.class, SQLDataException.class,
            FileNotFoundException.class, NoSuchFileException.class, AccessDeniedException.class,
            FileAlreadyExistsException.class, MalformedURLException.class, URISyntaxException.class,
            CharacterCodingException.class, CharConversionException.class, UTFDataFormatException.class,
            ObjectStreamException.class);

    /** What one link of a cause chain is. */
    private enum Kind { FATAL, CANCELLED, BUSINESS, REFUSED, PERSISTENT, ABORT, UNSENT, TRANSIENT, UNKNOWN }

    private final RetryConfig config;

    private RetryClassifier(RetryConfig config) {
        this.config = config;
    }

    /** The classifier applying {@code config}'s lists and predicate on top of the built-in rules. */
    public static RetryClassifier of(RetryConfig config) {
        if (config == null) {
            throw new NullPointerException("config");
        }
        return new RetryClassifier(config);
    }

    /**
     * Why the attempt that failed with {@code error} must not be retried, or {@code null} when it may be
     * (subject to attempts, budget and {@link NonRetryableReason#SAME_ERROR_REPEATED}).
     *
     * @param context the call; {@code null} means {@link CallContext#DEFAULT}
     */
    public NonRetryableReason classify(CallContext context, Throwable error) {
        Throwable e = peel(error);
        Kind kind = decisiveKind(e, config);
        if (kind == Kind.FATAL) {
            return NonRetryableReason.FATAL_ERROR;
        }
        if (kind == Kind.CANCELLED) {
            return NonRetryableReason.CANCELLED;
        }
        if (context != null && !context.safeToRetry() && !(kind == Kind.UNSENT && config.retryUnsentNonIdempotent())) {
            return NonRetryableReason.NOT_IDEMPOTENT;
        }
        switch (kind) {
            case BUSINESS:
                return NonRetryableReason.BUSINESS_ERROR;
            case REFUSED:
                return NonRetryableReason.REFUSED;
            case PERSISTENT:
                return NonRetryableReason.PERSISTENT_ERROR;
            case ABORT:
                return NonRetryableReason.ABORTED;
            default:
                break;
        }
        return config.retryOnException().test(e) ? null : NonRetryableReason.NOT_RETRYABLE;
    }

    /**
     * Why an attempt that returned a result flagged by {@code retryOnResult} must not be retried, or {@code null}.
     * The call ran, so only idempotency matters.
     */
    public NonRetryableReason classifyResult(CallContext context) {
        return context != null && !context.safeToRetry() ? NonRetryableReason.NOT_IDEMPOTENT : null;
    }

    /** The default transient test; see {@link #TRANSIENT}. */
    public static boolean isTransient(Throwable error) {
        Kind k = decisiveKind(peel(error), null);
        return k == Kind.TRANSIENT || k == Kind.UNSENT;
    }

    /**
     * Whether {@code error} proves the request never reached the target, so even a non-idempotent call can be
     * retried: {@link ConnectException}, {@link NoRouteToHostException}, {@link UnknownHostException},
     * {@link HttpConnectTimeoutException}, {@link NoHealthyEndpointException}.
     */
    public static boolean isUnsent(Throwable error) {
        return decisiveKind(peel(error), null) == Kind.UNSENT;
    }

    /** {@code error} without the wrappers that only carry another exception across threads or reflection. */
    public static Throwable peel(Throwable error) {
        Throwable e = error;
        for (int i = 0; i < MAX_DEPTH && e != null && e.getCause() != null && isWrapper(e); i++) {
            e = e.getCause();
        }
        return e;
    }

    private static boolean isWrapper(Throwable t) {
        return t instanceof CompletionException || t instanceof ExecutionException || t instanceof UncheckedIOException
                || t instanceof InvocationTargetException || t instanceof UndeclaredThrowableException;
    }

    private static Kind decisiveKind(Throwable error, RetryConfig config) {
        Throwable t = error;
        for (int i = 0; i < MAX_DEPTH && t != null; i++) {
            Kind k = kind(t, config);
            if (k != Kind.UNKNOWN) {
                return k;
            }
            Throwable cause = t.getCause();
            if (cause == t) {
                break;
            }
            t = cause;
        }
        return Kind.UNKNOWN;
    }

    private static Kind kind(Throwable t, RetryConfig config) {
        if (isWrapper(t) && t.getCause() != null) {
            return Kind.UNKNOWN; // says nothing itself: look at what it carries
        }
        if (t instanceof Error) {
            return Kind.FATAL;
        }
        if (t instanceof InterruptedException || t instanceof CancellationException
                || t instanceof ClosedByInterruptException) {
            return Kind.CANCELLED;
        }
        if (t instanceof BusinessError || (config != null && matches(config.businessErrors(), t))) {
            return Kind.BUSINESS;
        }
        if (t instanceof RefusedException r) {
            return switch (r.refusal()) {
                case TIMEOUT -> Kind.TRANSIENT;
                case NO_HEALTHY_ENDPOINT -> Kind.UNSENT;
                case CIRCUIT_OPEN, RATE_LIMITED, SHED, BULKHEAD_FULL, ISLAND_FENCED, STALE_EPOCH, DEGRADED ->
                        Kind.REFUSED;
            };
        }
        if (t instanceof RejectedExecutionException) {
            return Kind.REFUSED;
        }
        if (t instanceof PersistentError || matches(PERSISTENT_JDK, t)
                || (config != null && matches(config.persistentErrors(), t))) {
            return Kind.PERSISTENT;
        }
        if (config != null && matches(config.abortOn(), t)) {
            return Kind.ABORT;
        }
        if (t instanceof ConnectException || t instanceof NoRouteToHostException || t instanceof UnknownHostException
                || t instanceof HttpConnectTimeoutException) {
            return Kind.UNSENT;
        }
        if (t instanceof TransientError || t instanceof IOException || t instanceof TimeoutException
                || t instanceof SQLTransientException || t instanceof SQLRecoverableException
                || t instanceof SQLNonTransientConnectionException) {
            return Kind.TRANSIENT;
        }
        if (t instanceof SQLException sql && !(t instanceof SQLNonTransientException)) {
            String state = sql.getSQLState();
            if (state != null && (state.startsWith("08") || state.startsWith("40"))) {
                return Kind.TRANSIENT;
            }
        }
        return Kind.UNKNOWN;
    }

    private static boolean matches(List<Class<? extends Throwable>> classes, Throwable t) {
        for (int i = 0, n = classes.size(); i < n; i++) {
            if (classes.get(i).isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
