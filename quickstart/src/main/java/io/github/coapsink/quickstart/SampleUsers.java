package io.github.coapsink.quickstart;

import java.util.List;

/** The seed QuickStart's {@code User} record (John Smith) and three friends, as JSON values. */
final class SampleUsers {
    static final List<String> RECORDS = List.of(
            "{\"firstName\": \"John\", \"lastName\": \"Smith\", \"age\":30, \"salary\": 4830}",
            "{\"firstName\": \"Jane\", \"lastName\": \"Doe\", \"age\":28, \"salary\": 5120}",
            "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", \"age\":36, \"salary\": 6200.5}",
            "{\"firstName\": \"Alan\", \"lastName\": \"Turing\", \"age\":41, \"salary\": 5990}");

    private SampleUsers() {
    }
}
