package io.nines.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Work done with a connection that returns a value, for {@link NinesDataSource#inTransaction} and
 * {@link NinesDataSource#inGuardedTransaction}. It may throw its own checked exception {@code X} (e.g. a business
 * "insufficient funds"), which is rethrown as is after the rollback.
 */
@FunctionalInterface
public interface ConnectionCallback<T, X extends Exception> {

    T withConnection(Connection connection) throws SQLException, X;
}
