package io.nines.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/** Work done with a connection that returns nothing; see {@link ConnectionCallback}. */
@FunctionalInterface
public interface ConnectionConsumer<X extends Exception> {

    void useConnection(Connection connection) throws SQLException, X;
}
