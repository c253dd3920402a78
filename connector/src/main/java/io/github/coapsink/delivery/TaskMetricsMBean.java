package io.github.coapsink.delivery;

/**
 * What one sink task exposes over JMX as
 * {@code io.github.coapsink:type=CoapSinkTask,connector=<name>,task=<id>}.
 */
public interface TaskMetricsMBean {

    long getRecordsDelivered();

    long getRecordsSkipped();

    long getRecordsRetried();

    long getRecordsFailed();

    long getRecordsReported();

    int getRecordsPending();

    int getRequestsInFlight();

    int getMaxRequestsInFlight();

    int getWindow();

    long getRequestLatencyP50Micros();

    long getRequestLatencyP99Micros();

    long getRequestLatencyMaxMicros();
}
