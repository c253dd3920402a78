/**
 * In-process Kafka for tests and the quickstart: {@link io.github.coapsink.embedded.EmbeddedKafka} (single-node
 * KRaft broker), {@link io.github.coapsink.embedded.EmbeddedConnect} (standalone worker),
 * {@link io.github.coapsink.embedded.ConnectDistributedCluster} (N distributed workers in one JVM),
 * {@link io.github.coapsink.embedded.ConnectWorkerProcess} (a worker in a child JVM that can be SIGKILLed), all
 * sharing the REST helpers of {@link io.github.coapsink.embedded.ConnectRestClient}. Everything binds to
 * 127.0.0.1, is {@link java.lang.AutoCloseable} and deletes its temp directories on close.
 *
 * <p>Single broker: connector configs that make Connect create topics need replication factor 1, e.g.
 * {@code errors.deadletterqueue.topic.replication.factor=1} (default 3), or create the topic first with
 * {@link io.github.coapsink.embedded.EmbeddedKafka#createTopic(String, int)}.
 */
package io.github.coapsink.embedded;
