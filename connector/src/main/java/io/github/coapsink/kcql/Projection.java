package io.github.coapsink.kcql;

import java.util.List;

/**
 * What a route keeps of a record value.
 *
 * <ul>
 *   <li>{@code selectAll}: every top-level field is kept under its own name ({@code SELECT *});</li>
 *   <li>{@code fields}: fields named in the SELECT list. With {@code selectAll}, a top-level field
 *       listed here is renamed in place and a nested one is added under its output name;
 *       without it, only these fields are kept, in this order;</li>
 *   <li>{@code ignored}: paths removed from the result ({@code IGNORE a, b.c}), applied last.</li>
 * </ul>
 */
public record Projection(boolean selectAll, List<SelectedField> fields, List<FieldPath> ignored) {

    private static final Projection ALL = new Projection(true, List.of(), List.of());

    public Projection {
        fields = List.copyOf(fields);
        ignored = List.copyOf(ignored);
        if (!selectAll && fields.isEmpty()) {
            throw new IllegalArgumentException("a projection selects * or at least one field");
        }
    }

    public static Projection all() {
        return ALL;
    }

    /** True when the value passes through unchanged ({@code SELECT *} with no renames and no IGNORE). */
    public boolean isIdentity() {
        return selectAll && fields.isEmpty() && ignored.isEmpty();
    }
}
