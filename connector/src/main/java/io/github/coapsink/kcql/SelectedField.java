package io.github.coapsink.kcql;

/**
 * One entry of a SELECT list: the field to read and the name it gets in the payload
 * (the alias, or the last segment of the path when there is no alias).
 */
public record SelectedField(FieldPath path, String outputName) {

    public SelectedField {
        if (path == null || outputName == null || outputName.isEmpty()) {
            throw new IllegalArgumentException("path and output name are required");
        }
    }

    public boolean isRenamed() {
        return !outputName.equals(path.last()) || path.isNested();
    }
}
