package io.nines.jdbc.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.ResultSet;
import java.sql.Statement;

/** An updatable result set of a guarded connection: {@code insertRow/updateRow/deleteRow} write, so they are checked. */
final class ResultSetHandler implements InvocationHandler {

    private final ConnectionHandler connection;
    private final Statement statement;
    private final ResultSet delegate;

    private ResultSetHandler(ConnectionHandler connection, Statement statement, ResultSet delegate) {
        this.connection = connection;
        this.statement = statement;
        this.delegate = delegate;
    }

    static ResultSet wrap(ConnectionHandler connection, Statement statement, ResultSet delegate) {
        return (ResultSet) Proxy.newProxyInstance(ResultSetHandler.class.getClassLoader(),
                new Class<?>[] {ResultSet.class}, new ResultSetHandler(connection, statement, delegate));
    }

    @Override
    public Object invoke(Object self, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (method.getDeclaringClass() == Object.class) {
            return switch (name) {
                case "equals" -> self == args[0];
                case "hashCode" -> System.identityHashCode(self);
                default -> "NinesResultSet[" + delegate + "]";
            };
        }
        switch (name) {
            case "getStatement" -> {
                return statement;
            }
            case "insertRow", "updateRow", "deleteRow" -> {
                long mark = connection.beforeExecute();
                Object result = connection.call(delegate, method, args);
                connection.afterExecute(mark, false);
                return result;
            }
            default -> {
            }
        }
        return connection.call(delegate, method, args);
    }
}
