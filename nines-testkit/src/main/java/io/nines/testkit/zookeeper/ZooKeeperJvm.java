package io.nines.testkit.zookeeper;

import org.apache.zookeeper.util.ServiceUtils;

/** ZooKeeper's JVM-wide settings that embedded servers need; idempotent. */
final class ZooKeeperJvm {

    private ZooKeeperJvm() {
    }

    static void prepare() {
        // An embedded server must never exit the JVM that hosts the tests or the demo (ZooKeeper asks
        // to on some fatal errors, e.g. an election port it cannot bind): log instead.
        ServiceUtils.setSystemExitProcedure(ServiceUtils.LOG_ONLY);
        // The Jetty admin server would bind port 8080 per server; Jetty is not on the classpath anyway.
        if (System.getProperty("zookeeper.admin.enableServer") == null) {
            System.setProperty("zookeeper.admin.enableServer", "false");
        }
    }
}
