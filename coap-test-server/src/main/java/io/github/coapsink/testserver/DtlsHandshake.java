package io.github.coapsink.testserver;

import java.net.InetSocketAddress;

/**
 * One DTLS handshake the server completed.
 *
 * @param peer the client's address during the handshake
 * @param resumption whether it was an abbreviated handshake that resumed a session
 * @param connectionId whether the server asked the client to send records with a connection ID (RFC 9146),
 *     so that it finds the session again when the client's address changes
 * @param serverName the host name the client sent as SNI, when the server uses SNI; else null
 */
public record DtlsHandshake(InetSocketAddress peer, boolean resumption, boolean connectionId, String serverName) {
}
