package io.github.coapsink.address;

/** A piece of a path segment or query option: literal text, or a placeholder filled per record. */
sealed interface Part permits Part.Literal, Placeholder {

    record Literal(String text) implements Part {
    }
}
