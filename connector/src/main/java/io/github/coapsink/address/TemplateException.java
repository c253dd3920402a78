package io.github.coapsink.address;

/**
 * A resource template that cannot be parsed. {@link #index()} is the 0-based char index into the
 * template text; {@link #problem()} and {@link #fix()} let a caller that knows where the template
 * sits in a larger text (the KCQL parser) say "where" in its own terms.
 */
public final class TemplateException extends RuntimeException {

    private final int index;
    private final String problem;
    private final String fix;

    TemplateException(String problem, int index, String template, String fix) {
        super(problem + " at index " + index + " of the resource '" + template + "'; " + fix);
        this.index = index;
        this.problem = problem;
        this.fix = fix;
    }

    /** 0-based char index into the template text where the problem is. */
    public int index() {
        return index;
    }

    /** What is wrong, without the location, e.g. "unknown placeholder '{{kee}}'". */
    public String problem() {
        return problem;
    }

    /** How to fix it, e.g. "write one of {{key}}, ...". */
    public String fix() {
        return fix;
    }
}
