package io.github.coapsink.bench;

import com.sun.tools.attach.VirtualMachine;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The sink task's MBean ({@code io.github.coapsink:type=CoapSinkTask}) in a worker JVM, read over the JVM's local
 * JMX agent (the attach API starts it; no port, no password): the client-side CoAP retransmissions and the
 * congestion window, sampled while a scenario runs. A worker without the MBean (the baseline connector) or one
 * that cannot be attached to reads as "not known".
 */
final class WorkerMetrics implements AutoCloseable {

    private static final long SAMPLE_MILLIS = 200;

    private final JMXConnector connector;
    private final MBeanServerConnection mbeans;
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-worker-metrics");
        t.setDaemon(true);
        return t;
    });
    private final Object lock = new Object();
    private long windowSum;
    private long windowSamples;
    private int windowMin = Integer.MAX_VALUE;
    private int windowMax = -1;
    private int windowLast = -1;
    private long retransmissions = -1;
    private long earlyRetransmissions = -1;

    private WorkerMetrics(JMXConnector connector) throws Exception {
        this.connector = connector;
        this.mbeans = connector.getMBeanServerConnection();
    }

    /** Attaches to the JVM {@code pid}; null (logged by the caller) when that is not possible. */
    static WorkerMetrics attach(long pid) {
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            String address;
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
            return new WorkerMetrics(JMXConnectorFactory.connect(new JMXServiceURL(address)));
        } catch (Exception | LinkageError e) {
            BenchMain.log("cannot read the worker's JMX metrics (pid %d): %s", pid, e);
            return null;
        }
    }

    /** Samples the congestion window every {@value #SAMPLE_MILLIS} ms while a task runs, until closed. */
    void startSampling() {
        sampler.scheduleAtFixedRate(this::sample, 0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        Long window = sum("CongestionWindow");
        Long retrans = sum("CoapRetransmissions");
        Long early = sum("CoapEarlyRetransmissions");
        synchronized (lock) {
            if (window != null) {
                int w = (int) (long) window;
                windowSum += w;
                windowSamples++;
                windowMin = Math.min(windowMin, w);
                windowMax = Math.max(windowMax, w);
                windowLast = w;
            }
            if (retrans != null) {
                retransmissions = Math.max(retransmissions, retrans);
            }
            if (early != null) {
                earlyRetransmissions = Math.max(earlyRetransmissions, early);
            }
        }
    }

    /** The attribute summed over the worker's sink tasks; null when there is none (or no such attribute). */
    private Long sum(String attribute) {
        try {
            Set<ObjectName> names = mbeans.queryNames(new ObjectName("io.github.coapsink:type=CoapSinkTask,*"), null);
            if (names.isEmpty()) {
                return null;
            }
            long total = 0;
            for (ObjectName name : names) {
                total += ((Number) mbeans.getAttribute(name, attribute)).longValue();
            }
            return total;
        } catch (Exception e) {
            return null;
        }
    }

    /** Takes a last sample and stops sampling. */
    void stopSampling() {
        sampler.shutdownNow();
        try {
            sampler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
    }

    /** CoAP retransmissions the task counted (its client side); -1 when not known. */
    long retransmissions() {
        synchronized (lock) {
            return retransmissions;
        }
    }

    /** Of those, the ones sent early by loss detection (CoapEarlyRetransmissions); -1 when not known. */
    long earlyRetransmissions() {
        synchronized (lock) {
            return earlyRetransmissions;
        }
    }

    /** Mean congestion window over the samples; NaN without any. */
    double windowMean() {
        synchronized (lock) {
            return windowSamples == 0 ? Double.NaN : (double) windowSum / windowSamples;
        }
    }

    int windowLast() {
        synchronized (lock) {
            return windowLast;
        }
    }

    int windowMin() {
        synchronized (lock) {
            return windowSamples == 0 ? -1 : windowMin;
        }
    }

    int windowMax() {
        synchronized (lock) {
            return windowMax;
        }
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        try {
            connector.close();
        } catch (Exception e) {
            // the worker is gone already
        }
    }
}
