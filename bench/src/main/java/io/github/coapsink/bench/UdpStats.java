package io.github.coapsink.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Linux's UDP counters ({@code /proc/net/snmp}): host-wide, so other processes' drops count too. */
final class UdpStats {
    private UdpStats() {
    }

    /** {@code Udp: RcvbufErrors}, or -1 where unavailable. */
    static long receiveBufferErrors() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/net/snmp"));
            for (int i = 0; i + 1 < lines.size(); i++) {
                if (lines.get(i).startsWith("Udp: ") && lines.get(i + 1).startsWith("Udp: ")) {
                    String[] names = lines.get(i).split("\\s+");
                    String[] values = lines.get(i + 1).split("\\s+");
                    for (int k = 0; k < names.length; k++) {
                        if (names[k].equals("RcvbufErrors")) {
                            return Long.parseLong(values[k]);
                        }
                    }
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }
}
