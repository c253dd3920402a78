package io.github.coapsink.address;

/**
 * One Uri-Path segment or one Uri-Query option of a template, precompiled: the option value is the
 * concatenation of its parts.
 *
 * @param written the piece as written in the template, for messages
 * @param parts literal text and placeholders, in order; adjacent literals are merged
 * @param literal the option value when there is no placeholder; else null
 * @param pathSegment a Uri-Path segment (cannot resolve to "", "." or "..") or a query option
 */
record Piece(String written, Part[] parts, String literal, boolean pathSegment) {
}
