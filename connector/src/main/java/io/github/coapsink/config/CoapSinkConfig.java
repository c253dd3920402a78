package io.github.coapsink.config;

import io.github.coapsink.encode.PayloadEncoder;
import io.github.coapsink.encode.PayloadFormat;
import io.github.coapsink.encode.PlainStringPolicy;
import io.github.coapsink.kcql.KcqlException;
import io.github.coapsink.kcql.KcqlParser;
import io.github.coapsink.kcql.Route;
import io.github.coapsink.response.CodeFilter;
import io.github.coapsink.response.ResponseSettings;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector's configuration. Every {@code connect.coap.*} key of the old connector is here
 * with its old meaning, so an old properties file works by changing {@code connector.class} only.
 * Run {@code main} to print the reference that the README embeds.
 */
public final class CoapSinkConfig extends AbstractConfig {

    private static final Logger log = LoggerFactory.getLogger(CoapSinkConfig.class);

    public static final String URI = "connect.coap.uri";
    public static final String KCQL = "connect.coap.kcql";
    public static final String HOST = "connect.coap.host";
    public static final String PORT = "connect.coap.port";
    public static final String METHOD = "connect.coap.method";
    public static final String CONFIRMABLE = "connect.coap.confirmable";
    public static final String REQUEST_TIMEOUT_MS = "connect.coap.request.timeout.ms";
    public static final String ACK_TIMEOUT_MS = "connect.coap.ack.timeout.ms";
    public static final String MAX_RETRANSMIT = "connect.coap.max.retransmit";
    public static final String MAX_IN_FLIGHT = "connect.coap.max.in.flight";
    public static final String ORDERING = "connect.coap.ordering";
    public static final String CONGESTION_CONTROL = "connect.coap.congestion.control";
    public static final String MAX_PAYLOAD_BYTES = "connect.coap.max.payload.bytes";
    public static final String ENDPOINTS = "connect.coap.endpoints";
    public static final String BATCH_MAX_RECORDS = "connect.coap.batch.max.records";
    public static final String BATCH_MAX_BYTES = "connect.coap.batch.max.bytes";
    public static final String BATCH_LINGER_MS = "connect.coap.batch.linger.ms";
    /**
     * The largest body that travels in one CoAP message without block-wise transfer: Californium's
     * MAX_MESSAGE_SIZE, which the sender leaves at its default (EndpointFactoryTest checks they agree).
     */
    public static final int SINGLE_MESSAGE_BYTES = 1024;

    public static final String TOMBSTONE_POLICY = "connect.coap.tombstone.policy";
    public static final String PLAIN_STRING_POLICY = "connect.coap.plain.string.policy";
    public static final String PAYLOAD_FORMAT = "connect.coap.payload.format";
    public static final String OPTIONS_FROM_HEADERS = "connect.coap.options.from.headers";
    public static final String CONTENT_FORMAT = "connect.coap.content.format";
    public static final String SENML_BASE_NAME = "connect.coap.senml.base.name";
    public static final String SENML_UNITS = "connect.coap.senml.units";

    public static final String USERNAME = "connect.coap.username";
    public static final String PASSWORD = "connect.coap.password";
    public static final String PUBLIC_KEY_FILE = "connect.coap.public.key.file";
    public static final String PRIVATE_KEY_FILE = "connect.coap.private.key.file";
    public static final String KEYSTORE_PATH = "connect.coap.keystore.path";
    public static final String KEYSTORE_PASS = "connect.coap.keystore.pass";
    public static final String TRUSTSTORE_PATH = "connect.coap.truststore.path";
    public static final String TRUSTSTORE_PASS = "connect.coap.truststore.pass";
    public static final String CERTS = "connect.coap.certs";
    public static final String CERT_CHAIN_KEY = "connect.coap.cert.chain.key";
    public static final String SERVER_PUBLIC_KEY_FILE = "connect.coap.server.public.key.file";
    public static final String DTLS_CIPHER_SUITES = "connect.coap.dtls.cipher.suites";
    public static final String DTLS_VERIFY_SERVER_HOSTNAME = "connect.coap.dtls.verify.server.hostname";
    public static final String DTLS_INSECURE_TRUST_ALL = "connect.coap.dtls.insecure.trust.all";
    public static final String DTLS_CONNECTION_ID_LENGTH = "connect.coap.dtls.connection.id.length";

    public static final String ERROR_POLICY = "connect.coap.error.policy";
    public static final String MAX_RETRIES = "connect.coap.max.retries";
    /** The old connector's misspelt key, accepted as a deprecated alias of {@link #MAX_RETRIES}. */
    public static final String MAX_RETRIES_MISSPELT = "connect.coap.max.retires";
    public static final String RETRY_INTERVAL = "connect.coap.retry.interval";
    public static final String RETRY_BACKOFF_MAX_MS = "connect.coap.retry.backoff.max.ms";

    public static final String RESPONSE_TOPIC = "connect.coap.response.topic";
    public static final String RESPONSE_SCHEMAS_ENABLE = "connect.coap.response.schemas.enable";
    public static final String RESPONSE_COPY_HEADERS = "connect.coap.response.copy.headers";
    public static final String RESPONSE_CODES = "connect.coap.response.codes";
    /** Every key under this prefix configures the producer of the response topic (prefix removed). */
    public static final String RESPONSE_PRODUCER_PREFIX = "connect.coap.response.producer.";
    public static final String RESPONSE_BOOTSTRAP_SERVERS = RESPONSE_PRODUCER_PREFIX
            + ProducerConfig.BOOTSTRAP_SERVERS_CONFIG;

    public static final String PROGRESS_ENABLED = "connect.progress.enabled";
    public static final String PROGRESS_INTERVAL_MS = "connect.progress.interval.ms";

    /**
     * Not a user setting: the connector numbers the configs it gives its tasks (0 .. tasks.max - 1), which is
     * the task id Connect uses; a task with a fixed {@link #PORT} binds its own range of ports with it.
     */
    public static final String TASK_INDEX = "connect.coap.internal.task.index";

    static final String GROUP_CONNECTION = "Connection";
    static final String GROUP_ROUTING = "Routing and payload";
    static final String GROUP_DELIVERY = "Delivery";
    static final String GROUP_SECURITY = "DTLS security (coaps://)";
    static final String GROUP_ERRORS = "Error handling";
    static final String GROUP_PROGRESS = "Progress";
    static final String GROUP_RESPONSES = "Responses back to Kafka";

    static final String DEFAULT_STORE_PASSWORD = "rootPass";

    private final URI uri;
    private final List<Route> routes;

    public CoapSinkConfig(Map<String, ?> originals) {
        super(configDef(), withAliases(originals));
        this.uri = CoapUriValidator.parse(URI, getString(URI));
        this.routes = parseRoutes(getString(KCQL));
        Object batchBytes = originals().get(BATCH_MAX_BYTES);
        if (batchBytes != null && getInt(BATCH_MAX_BYTES) > maxPayloadBytes()) {
            throw new ConfigKeyException(BATCH_MAX_BYTES, batchBytes, "is more than " + MAX_PAYLOAD_BYTES + "="
                    + maxPayloadBytes() + ", the largest body sent; lower it (at most " + maxPayloadBytes()
                    + ") or raise " + MAX_PAYLOAD_BYTES);
        }
    }

    public static ConfigDef configDef() {
        ConfigDef def = new ConfigDef();
        addConnectionGroup(def);
        addRoutingGroup(def);
        addDeliveryGroup(def);
        addSecurityGroup(def);
        addErrorGroup(def);
        addProgressGroup(def);
        addResponseGroup(def);
        return def;
    }

    private static void addConnectionGroup(ConfigDef def) {
        int order = 0;
        def.define(URI, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new CoapUriValidator(), Importance.HIGH,
                "URI of the CoAP server: coap://host[:port] for plain UDP or coaps://host[:port] for DTLS 1.2. "
                        + "The port defaults to 5683 (coap) or 5684 (coaps). A path, e.g. coap://gw:5683/api, is "
                        + "prepended to every resource named in " + KCQL + ". A host name is looked up when the task "
                        + "starts and again (at most every 5 s) while it does not resolve or after a request failed, "
                        + "so a changed address is picked up; until it resolves, requests fail as retriable.",
                GROUP_CONNECTION, ++order, Width.LONG, "CoAP server URI");
        def.define(HOST, Type.STRING, "", Importance.MEDIUM,
                "Local address the sink's CoAP/DTLS endpoints bind to. Empty (the default) binds every local "
                        + "address, which reaches local and remote servers alike. A loopback address or name "
                        + "(localhost, 127.0.0.1, ::1) is used only when the server is on loopback too: the old "
                        + "connector's default 'localhost' would otherwise make a remote server unreachable, so "
                        + "then every local address is bound instead, with a warning.",
                GROUP_CONNECTION, ++order, Width.MEDIUM, "Local bind address");
        def.define(PORT, Type.INT, 0, Range.between(0, 65535), Importance.MEDIUM,
                "Local UDP port the sink's CoAP/DTLS endpoints bind to; 0 (the default) picks free ports. "
                        + "With a fixed port, task t's endpoint i binds port + t x " + ENDPOINTS + " + i, so "
                        + "that several tasks on one worker do not collide; open that range in a firewall.",
                GROUP_CONNECTION, ++order, Width.SHORT, "Local bind port");
        def.define(ENDPOINTS, Type.INT, 16, Range.between(1, 256), Importance.MEDIUM,
                "Most local CoAP endpoints (UDP ports) per task. A task starts with one and adds another only "
                        + "when all have used their 65,536 message IDs, which RFC 7252 lets a client reuse only after "
                        + "EXCHANGE_LIFETIME (247 s): one endpoint sustains about 265 confirmable requests/s to one "
                        + "server, N endpoints about N x 265/s. A slow stream keeps one endpoint. With coaps:// each "
                        + "endpoint has its own DTLS session: use 1 for servers that keep very few sessions. With a "
                        + "fixed " + PORT + ", see there which ports are bound.",
                GROUP_CONNECTION, ++order, Width.SHORT, "Local endpoints per task");
    }

    private static void addRoutingGroup(ConfigDef def) {
        int order = 0;
        def.define(KCQL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new KcqlValidator(), Importance.HIGH,
                "KCQL statements, separated by ';', that route each topic to a CoAP resource and shape the "
                        + "payload: INSERT INTO <resource> SELECT * | <field> [AS <alias>], ... FROM <topic> "
                        + "[IGNORE <field>, ...] [STOREAS <format>]. Every topic the connector reads needs exactly "
                        + "one statement.",
                GROUP_ROUTING, ++order, Width.LONG, "KCQL routes");
        def.define(TOMBSTONE_POLICY, Type.STRING, TombstonePolicy.SKIP.name(), EnumValidator.of(TombstonePolicy.class),
                Importance.MEDIUM,
                "What to do with a record whose value is null (a tombstone): SKIP sends nothing and commits it, "
                        + "DELETE sends a CoAP DELETE to the route's resource, FAIL hands it to the error policy "
                        + "or the dead-letter queue.",
                GROUP_ROUTING, ++order, Width.SHORT, "Tombstones");
        def.define(PLAIN_STRING_POLICY, Type.STRING, PlainStringPolicy.FAIL.name(),
                EnumValidator.of(PlainStringPolicy.class), Importance.MEDIUM,
                "What to do with a string value that is not a JSON document: FAIL hands the record to the error "
                        + "policy or the dead-letter queue, WRAP sends the text as a JSON string.",
                GROUP_ROUTING, ++order, Width.SHORT, "Non-JSON strings");
        def.define(PAYLOAD_FORMAT, Type.STRING, PayloadFormat.JSON.name(), EnumValidator.of(PayloadFormat.class),
                Importance.MEDIUM,
                "How a record value becomes the request body, and its Content-Format: JSON (50), CBOR (60, RFC "
                        + "8949), SENML_JSON (110) or SENML_CBOR (112) (a SenML pack, RFC 8428), BYTES (a byte[] "
                        + "value unchanged, with " + CONTENT_FORMAT + ") or TEXT (a string value as UTF-8, 0). A "
                        + "KCQL statement's STOREAS <format> wins over this key for its route. A value that does "
                        + "not fit the format is a bad record (error policy or dead-letter queue). BYTES and TEXT "
                        + "take no projection (SELECT * only) and no batching.",
                GROUP_ROUTING, ++order, Width.SHORT, "Payload format");
        def.define(CONTENT_FORMAT, Type.INT, PayloadFormat.BYTES.contentFormat(), Range.between(0, 65_535),
                Importance.LOW,
                "The CoAP Content-Format of BYTES bodies (RFC 7252 section 12.3); 42 is "
                        + "application/octet-stream. The other formats carry their registered number.",
                GROUP_ROUTING, ++order, Width.SHORT, "Content-Format of BYTES");
        def.define(SENML_BASE_NAME, Type.STRING, null, ConfigDef.LambdaValidator.with((name, value) -> {
            if (value != null) {
                PayloadEncoder.baseNameProblem(value.toString()).ifPresent(problem -> {
                    throw new ConfigException(name, value, problem + "; leave it empty to send no bn");
                });
            }
        }, () -> "A-Z a-z 0-9 - : . / _, starting with a letter or digit"), Importance.LOW,
                "The SenML base name (bn) of SENML_JSON and SENML_CBOR packs, a literal text such as "
                        + "urn:dev:ow:10e2073a01080063: . Unset, it is the route's resource followed by '/' "
                        + "(sensors/room1/); empty leaves bn out. (Per-record templates come with templated "
                        + "resources.)",
                GROUP_ROUTING, ++order, Width.MEDIUM, "SenML base name");
        def.define(OPTIONS_FROM_HEADERS, Type.BOOLEAN, false, Importance.LOW,
                "Set CoAP options from the record's Kafka headers named coap.<option>: coap.content-format and "
                        + "coap.accept (a number or a media type such as application/cbor), coap.if-match and "
                        + "coap.etag (hex, comma-separated; an empty If-Match means 'the resource exists'), "
                        + "coap.if-none-match (true/false), coap.max-age (seconds), coap.uri-query (a=1&b=2, added "
                        + "after the resource's query). A value the option cannot hold, or an unknown coap.* "
                        + "header, makes the record a bad record. A 4.12 answer to a conditional request "
                        + "(If-Match / If-None-Match) is a permanent failure. Records with options are not batched.",
                GROUP_ROUTING, ++order, Width.SHORT, "CoAP options from headers");
        def.define(SENML_UNITS, Type.LIST, "", new SenmlUnits(), Importance.LOW,
                "SenML units (u) by SenML name: name=unit pairs, e.g. temperature=Cel,position/lat=lat. A "
                        + "name is the field path as it appears in n, nested fields joined with '"
                        + PayloadEncoder.SENML_SEPARATOR + "'. Names not listed carry no unit.",
                GROUP_ROUTING, ++order, Width.LONG, "SenML units");
    }

    private static void addDeliveryGroup(ConfigDef def) {
        int order = 0;
        def.define(METHOD, Type.STRING, RequestMethod.PUT.name(), EnumValidator.of(RequestMethod.class),
                Importance.MEDIUM,
                "CoAP method that carries each record: PUT (replace the resource's state, what the old "
                        + "connector sent) or POST.",
                GROUP_DELIVERY, ++order, Width.SHORT, "Request method");
        def.define(CONFIRMABLE, Type.BOOLEAN, true, Importance.MEDIUM,
                "Send confirmable (CON) requests and count a record delivered only when the server answered "
                        + "2.xx. false sends non-confirmable (NON) requests, fire-and-forget: a record counts as "
                        + "delivered once its datagram was sent, and lost datagrams are not noticed. A NON body larger "
                        + "than one CoAP message (1024 bytes) goes block-wise and counts as delivered only when the "
                        + "server answered its last block; a transfer that is cancelled or gets no answer is a "
                        + "(retriable) failure.",
                GROUP_DELIVERY, ++order, Width.SHORT, "Confirmable requests");
        def.define(REQUEST_TIMEOUT_MS, Type.LONG, 30_000L, Range.between(100L, 3_600_000L), Importance.MEDIUM,
                "How long one request may take, DTLS handshake and retransmissions included, before it counts "
                        + "as a (retriable) timeout. The clock starts when the request may go: a block-wise body waits "
                        + "for earlier ones to the same resource first, and then the timeout bounds the wait for each "
                        + "of its blocks (it starts again with every block sent), so a large body on a slow link "
                        + "still arrives while every block is answered in time.",
                GROUP_DELIVERY, ++order, Width.SHORT, "Request timeout (ms)");
        def.define(ACK_TIMEOUT_MS, Type.INT, 2_000, Range.between(10, 600_000), Importance.LOW,
                "CoAP ACK_TIMEOUT (RFC 7252 section 4.8): the initial wait before a confirmable request is "
                        + "retransmitted; it doubles with each retransmission.",
                GROUP_DELIVERY, ++order, Width.SHORT, "CoAP ACK_TIMEOUT (ms)");
        def.define(MAX_RETRANSMIT, Type.INT, 4, Range.between(0, 20), Importance.LOW,
                "CoAP MAX_RETRANSMIT (RFC 7252 section 4.8): how often a confirmable request is retransmitted "
                        + "before it times out.",
                GROUP_DELIVERY, ++order, Width.SHORT, "CoAP MAX_RETRANSMIT");
        def.define(MAX_IN_FLIGHT, Type.INT, 1024, Range.between(1, 100_000), Importance.MEDIUM,
                "The window: how many records one task has handed to the CoAP sender and not yet seen "
                        + "acknowledged. put() waits when the window is full, so memory stays bounded. It also caps "
                        + "the congestion window (" + CONGESTION_CONTROL + "): at a 20 ms round trip, 1024 in flight "
                        + "allow about 50,000 requests/s.",
                GROUP_DELIVERY, ++order, Width.SHORT, "Records in flight per task");
        def.define(ORDERING, Type.STRING, Ordering.PARTITION_RESOURCE.name(), EnumValidator.of(Ordering.class),
                Importance.MEDIUM,
                "PARTITION_RESOURCE sends records of one Kafka partition to one resource one after the other, so "
                        + "an older state never lands after a newer one; NONE lets any records overlap, up to "
                        + MAX_IN_FLIGHT + ", for the most throughput and no order.",
                GROUP_DELIVERY, ++order, Width.SHORT, "Ordering");
        def.define(CONGESTION_CONTROL, Type.STRING, CongestionControl.ADAPTIVE.name(),
                EnumValidator.of(CongestionControl.class), Importance.LOW,
                "How many requests a task has on the wire to its server at once. ADAPTIVE (congestion control in "
                        + "the spirit of RFC 7252 section 4.7, TCP Reno's rules counted in requests): start with 16, "
                        + "add one per answer while the window is in full use (doubling per round trip, then one "
                        + "more per round trip past the last decrease), halve on a retransmission, a timeout, 5.03 or "
                        + "4.29 (once per round trip), never below 1 nor above " + MAX_IN_FLIGHT + "; stop growing "
                        + "while round trips say that requests queue up (more than 32 waiting). A request still "
                        + "unanswered when later ones were answered and the measured retransmission timeout (SRTT + "
                        + "4 x RTTVAR) passed counts as lost: it is sent again at once with its message ID, and the "
                        + "window halves, instead of both waiting for ACK_TIMEOUT. Requests over the window wait, "
                        + "unsent, until answers come back. FIXED puts up to " + MAX_IN_FLIGHT + " requests on the "
                        + "wire at once, whatever the server says, and resends only at ACK_TIMEOUT.",
                GROUP_DELIVERY, ++order, Width.SHORT, "Congestion control");
        def.define(MAX_PAYLOAD_BYTES, Type.INT, 2 * 1024 * 1024, Range.between(1, 64 * 1024 * 1024), Importance.LOW,
                "Largest payload sent, in bytes (any format). Payloads larger than one CoAP message (1024 bytes) go "
                        + "block-wise (RFC 7959), one block per round trip (2 MiB: about 4,100 blocks of 512 bytes, "
                        + "41 s at 10 ms), each block within " + REQUEST_TIMEOUT_MS + "; a record whose payload "
                        + "exceeds this limit is a bad record: it gets the error policy or the dead-letter queue.",
                GROUP_DELIVERY, ++order, Width.SHORT, "Maximum payload size (bytes)");
        def.define(BATCH_MAX_RECORDS, Type.INT, 1, Range.between(1, 10_000), Importance.LOW,
                "Opt-in: more than 1 sends up to this many records of one partition for one resource, in offset "
                        + "order, in one request, whose body is an array of their payloads (a JSON or CBOR array, one "
                        + "SenML pack), at most " + BATCH_MAX_BYTES + "; records of other resources in between do not "
                        + "break a batch. The server must accept arrays. "
                        + "The records of a request succeed or fail together (each goes to the dead-letter queue). "
                        + "1 (the default) sends one record per request, the body being the record itself.",
                GROUP_DELIVERY, ++order, Width.SHORT, "Records per request (batching)");
        def.define(BATCH_MAX_BYTES, Type.INT, SINGLE_MESSAGE_BYTES, Range.between(1, 64 * 1024 * 1024),
                Importance.LOW,
                "With " + BATCH_MAX_RECORDS + " above 1: the largest body of a batch request, in bytes. The default "
                        + "is what fits one CoAP message (" + SINGLE_MESSAGE_BYTES + " bytes), so a batch never goes "
                        + "block-wise; at most " + MAX_PAYLOAD_BYTES + " (when that is lower, it is the cap). A "
                        + "record whose payload alone exceeds this is sent by itself, unbatched (block-wise if large).",
                GROUP_DELIVERY, ++order, Width.SHORT, "Bytes per request (batching)");
        def.define(BATCH_LINGER_MS, Type.LONG, 0L, Range.between(0L, 60_000L), Importance.LOW,
                "With " + BATCH_MAX_RECORDS + " above 1: how long a lane's open batch may wait for more records, "
                        + "across put() calls, before it is sent as it is. A batch is sent earlier when it is full ("
                        + BATCH_MAX_RECORDS + " or " + BATCH_MAX_BYTES + "). 0 (the default) waits for nothing: "
                        + "each put() sends what it gathered. Records waiting in a batch are not committed; a trickle "
                        + "is delayed by at most about this long, a flood fills its requests.",
                GROUP_DELIVERY, ++order, Width.SHORT, "Batch linger (ms)");
    }

    private static void addSecurityGroup(ConfigDef def) {
        int order = 0;
        def.define(USERNAME, Type.STRING, null, Importance.MEDIUM,
                "PSK identity for coaps://. When set, DTLS offers pre-shared-key cipher suites (with " + PASSWORD
                        + "); this comes first among the identities the sink offers.",
                GROUP_SECURITY, ++order, Width.MEDIUM, "PSK identity");
        def.define(PASSWORD, Type.PASSWORD, null, Importance.MEDIUM,
                "PSK secret for coaps://, used with " + USERNAME + "; its UTF-8 bytes are the key. Never logged.",
                GROUP_SECURITY, ++order, Width.MEDIUM, "PSK secret");
        def.define(PUBLIC_KEY_FILE, Type.STRING, null, Importance.MEDIUM,
                "PEM file ('BEGIN PUBLIC KEY') with the sink's own public key for raw-public-key DTLS (RFC 7250), "
                        + "used with " + PRIVATE_KEY_FILE + ". EC (P-256 and the other curves Scandium "
                        + "supports) or RSA.",
                GROUP_SECURITY, ++order, Width.LONG, "Public key file (PEM)");
        def.define(PRIVATE_KEY_FILE, Type.STRING, null, Importance.MEDIUM,
                "PEM file with the sink's private key in PKCS#8 ('BEGIN PRIVATE KEY'), used with "
                        + PUBLIC_KEY_FILE + ". PKCS#1 ('BEGIN RSA PRIVATE KEY') and SEC1 ('BEGIN EC PRIVATE KEY') "
                        + "files are refused with the command that converts them: "
                        + "'openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem'. When set, it is the "
                        + "sink's certificate identity and the key store is not used.",
                GROUP_SECURITY, ++order, Width.LONG, "Private key file (PEM, PKCS#8)");
        def.define(KEYSTORE_PATH, Type.STRING, "", Importance.MEDIUM,
                "Key store (JKS or PKCS12, detected from the file) holding the sink's X.509 certificate chain and "
                        + "private key under the alias " + CERT_CHAIN_KEY + ". Only needed when the server "
                        + "asks for a client certificate.",
                GROUP_SECURITY, ++order, Width.LONG, "Key store path");
        def.define(KEYSTORE_PASS, Type.PASSWORD, DEFAULT_STORE_PASSWORD, Importance.MEDIUM,
                "Password of the key store (and of its key). Defaults to the old connector's 'rootPass' so old "
                        + "configurations keep working; set your own.",
                GROUP_SECURITY, ++order, Width.MEDIUM, "Key store password");
        def.define(TRUSTSTORE_PATH, Type.STRING, "", Importance.MEDIUM,
                "Trust store (JKS or PKCS12, detected from the file) with the CA certificates that may sign the "
                        + "server's certificate.",
                GROUP_SECURITY, ++order, Width.LONG, "Trust store path");
        def.define(TRUSTSTORE_PASS, Type.PASSWORD, DEFAULT_STORE_PASSWORD, Importance.MEDIUM,
                "Password of the trust store. Defaults to the old connector's 'rootPass'.",
                GROUP_SECURITY, ++order, Width.MEDIUM, "Trust store password");
        def.define(CERTS, Type.LIST, "", Importance.MEDIUM,
                "Aliases of the trust store entries to trust; empty trusts every certificate in the trust store.",
                GROUP_SECURITY, ++order, Width.LONG, "Trusted certificate aliases");
        def.define(CERT_CHAIN_KEY, Type.STRING, "client", Importance.MEDIUM,
                "Alias of the key store entry with the sink's private key and certificate chain.",
                GROUP_SECURITY, ++order, Width.MEDIUM, "Key store alias");
        def.define(SERVER_PUBLIC_KEY_FILE, Type.STRING, null, Importance.MEDIUM,
                "PEM file ('BEGIN PUBLIC KEY') with the server's raw public key (RFC 7250). A server that "
                        + "presents exactly this key is trusted. Without it, a server presenting a raw public "
                        + "key is refused unless " + DTLS_INSECURE_TRUST_ALL + " is true.",
                GROUP_SECURITY, ++order, Width.LONG, "Server public key file (PEM)");
        def.define(DTLS_CIPHER_SUITES, Type.LIST, DtlsCipherSuites.DEFAULTS, new DtlsCipherSuites.Validator(),
                Importance.LOW,
                "DTLS 1.2 cipher suites the sink offers, most preferred first. Of this list the sink uses the "
                        + "PSK suites when " + USERNAME + " is set and the certificate (ECDSA/RSA) suites when "
                        + "it can verify a server key (trust store, server public key file or "
                        + DTLS_INSECURE_TRUST_ALL + "). The defaults are the CoAP mandatory suites (RFC 7252 "
                        + "9.1.3) plus AES-GCM and ECDHE-PSK ones; the old connector's "
                        + "TLS_PSK_WITH_AES_128_CBC_SHA256 is allowed when listed explicitly.",
                GROUP_SECURITY, ++order, Width.LONG, "DTLS cipher suites");
        def.define(DTLS_VERIFY_SERVER_HOSTNAME, Type.BOOLEAN, true, Importance.MEDIUM,
                "Check that the server's X.509 certificate names the host of " + URI + ": its DNS name "
                        + "(subject alternative name, or the CN when there is none) for a host name, its IP "
                        + "address subject alternative name for a literal IP address. The host name is also "
                        + "sent as SNI. false checks only the certificate chain.",
                GROUP_SECURITY, ++order, Width.SHORT, "Verify server host name");
        def.define(DTLS_CONNECTION_ID_LENGTH, Type.INT, 0, Range.between(0, 255), Importance.LOW,
                "DTLS connection IDs (RFC 9146), so that a session survives a change of the sink's address or "
                        + "port, e.g. a NAT rebinding, without a new handshake: the sink offers the connection_id "
                        + "extension and asks the server to put a connection ID of this many bytes in the records "
                        + "it sends; the server finds the session by the ID it chose for the sink's records. 0 "
                        + "(default) is off. Servers without support ignore the offer (RFC 9146 code point 54: "
                        + "Californium/Scandium 3.x, libcoap 4.3.2+ with Mbed TLS; not libcoap with OpenSSL or "
                        + "GnuTLS). See docs/dtls.md.",
                GROUP_SECURITY, ++order, Width.SHORT, "DTLS connection ID length");
        def.define(DTLS_INSECURE_TRUST_ALL, Type.BOOLEAN, false, Importance.LOW,
                "INSECURE, for tests only: trust every server certificate and raw public key without any check, "
                        + "so anyone on the path can impersonate the server. Logged at WARN on every start.",
                GROUP_SECURITY, ++order, Width.SHORT, "INSECURE: trust every server key");
    }

    private static void addErrorGroup(ConfigDef def) {
        int order = 0;
        def.define(ERROR_POLICY, Type.STRING, ErrorPolicy.THROW.name(), EnumValidator.of(ErrorPolicy.class),
                Importance.HIGH,
                "What happens when a record cannot be delivered: THROW fails the task; NOOP logs and skips the "
                        + "record; RETRY backs off " + RETRY_INTERVAL + " and sends again, up to " + MAX_RETRIES
                        + " times, for failures that can pass (5.xx, timeouts, DTLS handshakes), then fails the "
                        + "task. With errors.tolerance=all and a dead-letter queue, records that still fail go "
                        + "there instead. (The old manual said the default was RETRY; its code used THROW, "
                        + "which is kept.)",
                GROUP_ERRORS, ++order, Width.SHORT, "Error policy");
        def.define(MAX_RETRIES, Type.INT, 20, Range.atLeast(0), Importance.MEDIUM,
                "How many times a record is sent again under the RETRY policy before the task gives up on it. "
                        + "(The old connector's code used 20; its manual said 10.)",
                GROUP_ERRORS, ++order, Width.SHORT, "Maximum retries");
        def.define(MAX_RETRIES_MISSPELT, Type.INT, null, Importance.LOW,
                "Deprecated: the old connector's misspelling of " + MAX_RETRIES + ", still accepted with a warning.",
                GROUP_ERRORS, ++order, Width.SHORT, "Maximum retries (deprecated spelling)");
        def.define(RETRY_INTERVAL, Type.INT, 60_000, Range.atLeast(0), Importance.MEDIUM,
                "Milliseconds to back off before the first retry under the RETRY policy. Only the failing "
                        + "resource of that partition (its lane) waits: records for other resources keep going, "
                        + "and nothing sleeps inside put(). Each further retry of the same record waits twice as "
                        + "long, up to " + RETRY_BACKOFF_MAX_MS + ", plus up to 25% at random so that lanes spread "
                        + "out, and at least the Max-Age a server sends with 5.03 or 4.29.",
                GROUP_ERRORS, ++order, Width.SHORT, "Retry interval (ms)");
        def.define(RETRY_BACKOFF_MAX_MS, Type.LONG, 600_000L, Range.atLeast(0L), Importance.LOW,
                "The longest back-off between two retries of a record under the RETRY policy (the doubling of "
                        + RETRY_INTERVAL + " stops here). Never shorter than " + RETRY_INTERVAL + ".",
                GROUP_ERRORS, ++order, Width.SHORT, "Longest retry back-off (ms)");
    }

    private static void addProgressGroup(ConfigDef def) {
        int order = 0;
        def.define(PROGRESS_ENABLED, Type.BOOLEAN, false, Importance.MEDIUM,
                "Log, at " + PROGRESS_INTERVAL_MS + ", how many records were delivered, skipped, retried and "
                        + "failed per topic.",
                GROUP_PROGRESS, ++order, Width.SHORT, "Progress logging");
        def.define(PROGRESS_INTERVAL_MS, Type.LONG, 60_000L, Range.atLeast(100L), Importance.LOW,
                "How often the progress log line is written when " + PROGRESS_ENABLED + " is true.",
                GROUP_PROGRESS, ++order, Width.SHORT, "Progress interval (ms)");
    }

    private static void addResponseGroup(ConfigDef def) {
        int order = 0;
        def.define(RESPONSE_TOPIC, Type.STRING, "", Importance.MEDIUM,
                "Off when empty (the default). Set, every record whose request completed (the server answered "
                        + "2.xx or a failure that is not retried, 4.xx; or a NON request was sent) gets one record "
                        + "on this topic with the server's answer: key = the input record's key, value = JSON with "
                        + "the request, the response (code, Content-Format, ETag, Location, Max-Age, the body as "
                        + "text for text formats or base64), the latency and the input's topic, partition, offset "
                        + "and timestamp. A record's offset is committed only after its response record was "
                        + "acknowledged, and a lane sends its next request only then, so a device's answers are "
                        + "written in its order. A response record that cannot be written is a (retriable) "
                        + "failure of its record under " + ERROR_POLICY + ". Needs " + RESPONSE_BOOTSTRAP_SERVERS
                        + ". See the README's 'Responses back to Kafka'.",
                GROUP_RESPONSES, ++order, Width.MEDIUM, "Response topic");
        def.define(RESPONSE_BOOTSTRAP_SERVERS, Type.STRING, "", Importance.MEDIUM,
                "Brokers of the response topic (host:port,...), usually the worker's own bootstrap.servers. Any "
                        + "other producer setting goes under " + RESPONSE_PRODUCER_PREFIX + "*, e.g. "
                        + RESPONSE_PRODUCER_PREFIX + "security.protocol=SASL_SSL; its secrets (listed below) are "
                        + "passwords, never logged. The sink sets acks=all and enable.idempotence=true unless "
                        + "configured otherwise, and always byte-array serializers. acks=0 is refused: an "
                        + "unacknowledged response record could be lost after its offset was committed.",
                GROUP_RESPONSES, ++order, Width.LONG, "Response producer: bootstrap servers");
        def.define(RESPONSE_SCHEMAS_ENABLE, Type.BOOLEAN, false, Importance.LOW,
                "Write each response value as JsonConverter's envelope, {\"schema\": ..., \"payload\": ...}, so "
                        + "that a consumer with JsonConverter and schemas.enable=true reads it as a Struct. false "
                        + "(the default) writes the bare JSON object.",
                GROUP_RESPONSES, ++order, Width.SHORT, "Response schemas");
        def.define(RESPONSE_COPY_HEADERS, Type.LIST, "", Importance.LOW,
                "Headers of the input record copied onto its response record, e.g. correlation-id,reply-to; * "
                        + "copies all. Strings are written as UTF-8, bytes unchanged, other values as JSON.",
                GROUP_RESPONSES, ++order, Width.LONG, "Headers copied to responses");
        def.define(RESPONSE_CODES, Type.LIST, "", ConfigDef.LambdaValidator.with((name, value) -> {
            try {
                CodeFilter.parse(listOf(value));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        }, () -> "codes such as 2.05, classes such as 4.xx, SENT"), Importance.LOW,
                "Which outcomes get a response record: exact codes (2.05), classes (2.xx, 4.xx, 5.xx) and SENT "
                        + "(NON requests, which have no answer), e.g. 4.xx,5.xx for errors only. Empty (the "
                        + "default) writes all. Records filtered out are committed as without a response topic.",
                GROUP_RESPONSES, ++order, Width.MEDIUM, "Response codes written");
        ConfigDef producer = ProducerConfig.configDef();
        for (ConfigDef.ConfigKey key : producer.configKeys().values()) {
            if (key.type == Type.PASSWORD) {
                def.define(RESPONSE_PRODUCER_PREFIX + key.name, Type.PASSWORD, null, Importance.LOW,
                        "Secret of the response producer: Kafka's producer setting " + key.name + ".",
                        GROUP_RESPONSES, ++order, Width.MEDIUM, "Response producer: " + key.name);
            }
        }
    }

    private static List<String> listOf(Object value) {
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).toList();
        }
        return value == null ? List.of() : List.of(value.toString().split(","));
    }

    /** Copies the misspelt retries key onto the right one, with a warning, unless the right one is set. */
    static Map<String, Object> withAliases(Map<String, ?> originals) {
        Map<String, Object> props = new HashMap<>(originals);
        Object misspelt = props.get(MAX_RETRIES_MISSPELT);
        if (misspelt != null) {
            if (props.containsKey(MAX_RETRIES)) {
                if (!String.valueOf(props.get(MAX_RETRIES)).trim().equals(String.valueOf(misspelt).trim())) {
                    throw new ConfigKeyException(MAX_RETRIES_MISSPELT, misspelt, "conflicts with " + MAX_RETRIES + "="
                            + props.get(MAX_RETRIES) + "; remove the deprecated " + MAX_RETRIES_MISSPELT);
                }
            } else {
                log.warn("{} is deprecated (a misspelling kept from the old connector); use {}",
                        MAX_RETRIES_MISSPELT, MAX_RETRIES);
                props.put(MAX_RETRIES, misspelt);
            }
        }
        return props;
    }

    static List<Route> parseRoutes(String kcql) {
        try {
            return KcqlParser.parse(kcql);
        } catch (KcqlException e) {
            throw new ConfigKeyException(KCQL, kcql, e.getMessage());
        }
    }

    public URI uri() {
        return uri;
    }

    public boolean secure() {
        return "coaps".equalsIgnoreCase(uri.getScheme());
    }

    public List<Route> routes() {
        return routes;
    }

    public String bindHost() {
        return getString(HOST).trim();
    }

    public int bindPort() {
        return getInt(PORT);
    }

    /** This task's number among the connector's tasks (0 when started without one). */
    public int taskIndex() {
        Object index = originals().get(TASK_INDEX);
        if (index == null) {
            return 0;
        }
        try {
            return Math.max(0, Integer.parseInt(index.toString().trim()));
        } catch (NumberFormatException e) {
            throw new ConfigKeyException(TASK_INDEX, index, "is set by the connector for its tasks; remove it");
        }
    }

    public RequestMethod method() {
        return EnumValidator.parse(RequestMethod.class, getString(METHOD));
    }

    public boolean confirmable() {
        return getBoolean(CONFIRMABLE);
    }

    public Duration requestTimeout() {
        return Duration.ofMillis(getLong(REQUEST_TIMEOUT_MS));
    }

    public Duration ackTimeout() {
        return Duration.ofMillis(getInt(ACK_TIMEOUT_MS));
    }

    public int maxRetransmit() {
        return getInt(MAX_RETRANSMIT);
    }

    public int maxInFlight() {
        return getInt(MAX_IN_FLIGHT);
    }

    public int batchMaxRecords() {
        return getInt(BATCH_MAX_RECORDS);
    }

    /** The cap of a batch request's body: {@link #BATCH_MAX_BYTES}, never above {@link #MAX_PAYLOAD_BYTES}. */
    public int batchMaxBytes() {
        return Math.min(getInt(BATCH_MAX_BYTES), maxPayloadBytes());
    }

    public Duration batchLinger() {
        return Duration.ofMillis(getLong(BATCH_LINGER_MS));
    }

    public int endpoints() {
        return getInt(ENDPOINTS);
    }

    public int maxPayloadBytes() {
        return getInt(MAX_PAYLOAD_BYTES);
    }

    public CongestionControl congestionControl() {
        return EnumValidator.parse(CongestionControl.class, getString(CONGESTION_CONTROL));
    }

    public Ordering ordering() {
        return EnumValidator.parse(Ordering.class, getString(ORDERING));
    }

    public TombstonePolicy tombstonePolicy() {
        return EnumValidator.parse(TombstonePolicy.class, getString(TOMBSTONE_POLICY));
    }

    public PlainStringPolicy plainStringPolicy() {
        return EnumValidator.parse(PlainStringPolicy.class, getString(PLAIN_STRING_POLICY));
    }

    public PayloadFormat payloadFormat() {
        return EnumValidator.parse(PayloadFormat.class, getString(PAYLOAD_FORMAT));
    }

    public int bytesContentFormat() {
        return getInt(CONTENT_FORMAT);
    }

    public PayloadEncoder.SenmlSettings senml() {
        return new PayloadEncoder.SenmlSettings(Optional.ofNullable(getString(SENML_BASE_NAME)),
                SenmlUnits.parse(SENML_UNITS, getList(SENML_UNITS)));
    }

    public String pskIdentity() {
        return getString(USERNAME);
    }

    public Password pskSecret() {
        return getPassword(PASSWORD);
    }

    public String publicKeyFile() {
        return getString(PUBLIC_KEY_FILE);
    }

    public String privateKeyFile() {
        return getString(PRIVATE_KEY_FILE);
    }

    public String keystorePath() {
        return getString(KEYSTORE_PATH);
    }

    public Password keystorePassword() {
        return getPassword(KEYSTORE_PASS);
    }

    public String truststorePath() {
        return getString(TRUSTSTORE_PATH);
    }

    public Password truststorePassword() {
        return getPassword(TRUSTSTORE_PASS);
    }

    public List<String> trustedCertAliases() {
        return getList(CERTS);
    }

    public String certChainAlias() {
        return getString(CERT_CHAIN_KEY);
    }

    public String serverPublicKeyFile() {
        return getString(SERVER_PUBLIC_KEY_FILE);
    }

    /** The cipher suite names as configured, most preferred first. */
    public List<String> dtlsCipherSuites() {
        return getList(DTLS_CIPHER_SUITES);
    }

    /** Bytes of the sink's DTLS connection ID; 0 = connection IDs off. */
    public int dtlsConnectionIdLength() {
        return getInt(DTLS_CONNECTION_ID_LENGTH);
    }

    public boolean verifyServerHostname() {
        return getBoolean(DTLS_VERIFY_SERVER_HOSTNAME);
    }

    public boolean insecureTrustAll() {
        return getBoolean(DTLS_INSECURE_TRUST_ALL);
    }

    public ErrorPolicy errorPolicy() {
        return EnumValidator.parse(ErrorPolicy.class, getString(ERROR_POLICY));
    }

    public int maxRetries() {
        return getInt(MAX_RETRIES);
    }

    public boolean optionsFromHeaders() {
        return getBoolean(OPTIONS_FROM_HEADERS);
    }

    public Duration retryBackoffMax() {
        return Duration.ofMillis(getLong(RETRY_BACKOFF_MAX_MS));
    }

    public Duration retryInterval() {
        return Duration.ofMillis(getInt(RETRY_INTERVAL));
    }

    public boolean progressEnabled() {
        return getBoolean(PROGRESS_ENABLED);
    }

    public Duration progressInterval() {
        return Duration.ofMillis(getLong(PROGRESS_INTERVAL_MS));
    }

    /**
     * How answers go back to Kafka, when {@link #RESPONSE_TOPIC} is set: the producer's settings are every key
     * under {@link #RESPONSE_PRODUCER_PREFIX}, secrets resolved, over the sink's defaults (acks=all, idempotence),
     * with byte-array serializers.
     */
    public Optional<ResponseSettings> responses() {
        String topic = getString(RESPONSE_TOPIC).trim();
        if (topic.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Object> producer = new HashMap<>();
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        Map<String, ?> parsed = values();
        for (Map.Entry<String, Object> e : originalsWithPrefix(RESPONSE_PRODUCER_PREFIX).entrySet()) {
            Object value = parsed.containsKey(RESPONSE_PRODUCER_PREFIX + e.getKey())
                    ? parsed.get(RESPONSE_PRODUCER_PREFIX + e.getKey()) : e.getValue();
            if (value instanceof Password password) {
                value = password.value();
            }
            if (value != null && !(value instanceof String text && text.isEmpty())) {
                producer.put(e.getKey(), value);
            }
        }
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return Optional.of(new ResponseSettings(topic, getBoolean(RESPONSE_SCHEMAS_ENABLE),
                getList(RESPONSE_COPY_HEADERS).stream().map(String::trim).filter(h -> !h.isEmpty()).toList(),
                CodeFilter.parse(getList(RESPONSE_CODES)), producer));
    }

    /** Prints the configuration reference (Markdown) that the README embeds. */
    public static void main(String[] args) {
        System.out.print(ConfigDocs.markdown(configDef()));
    }
}
