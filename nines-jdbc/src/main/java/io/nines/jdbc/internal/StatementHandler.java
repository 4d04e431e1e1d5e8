package io.nines.jdbc.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * A statement of a {@link ConnectionHandler}: every {@code execute*} first passes the connection's checks (revoked?
 * island?), and {@code getConnection()} answers the connection proxy, not the pool's.
 */
final class StatementHandler implements InvocationHandler {

    private final ConnectionHandler connection;
    private final Statement delegate;
    private final boolean wrapResultSets;
    private Statement proxy;

    private StatementHandler(ConnectionHandler connection, Statement delegate, boolean wrapResultSets) {
        this.connection = connection;
        this.delegate = delegate;
        this.wrapResultSets = wrapResultSets;
    }

    static Statement wrap(ConnectionHandler connection, Statement delegate, Class<?> declared, boolean updatable) {
        // Result sets matter only when they can write: updatable ones on a guarded connection.
        StatementHandler h = new StatementHandler(connection, delegate, updatable && connection.guarded());
        Class<?> iface = ConnectionHandler.statementInterface(declared);
        h.proxy = (Statement) Proxy.newProxyInstance(StatementHandler.class.getClassLoader(), new Class<?>[] {iface}, h);
        return h.proxy;
    }

    @Override
    public Object invoke(Object self, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (method.getDeclaringClass() == Object.class) {
            return switch (name) {
                case "equals" -> self == args[0];
                case "hashCode" -> System.identityHashCode(self);
                default -> "NinesStatement[" + delegate + " on " + connection + "]";
            };
        }
        switch (name) {
            case "getConnection" -> {
                return connection.proxy();
            }
            case "close", "isClosed", "cancel" -> {
                return connection.call(delegate, method, args);
            }
            case "unwrap" -> {
                Class<?> iface = (Class<?>) args[0];
                return iface.isInstance(self) ? self : connection.call(delegate, method, args);
            }
            case "isWrapperFor" -> {
                Class<?> iface = (Class<?>) args[0];
                return iface.isInstance(self) || (Boolean) connection.call(delegate, method, args);
            }
            default -> {
                if (name.startsWith("execute")) {
                    long mark = connection.beforeExecute();
                    Object result = connection.call(delegate, method, args);
                    connection.afterExecute(mark, false);
                    return wrapResult(result);
                }
                connection.checkNotRevoked();
            }
        }
        return wrapResult(connection.call(delegate, method, args));
    }

    private Object wrapResult(Object result) {
        if (wrapResultSets && result instanceof ResultSet rs) {
            return ResultSetHandler.wrap(connection, proxy, rs);
        }
        return result;
    }
}
