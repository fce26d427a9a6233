package dev.smallmind.profile;

/**
 * One measured or derived number of the report, with its unit.
 *
 * @param id     stable identifier ({@code gemm.f32.512.t1}); comparisons and the history match figures by it
 * @param label  human-readable name
 * @param value  the number (finite)
 * @param unit   its unit ({@code GFLOPS}, {@code GB/s}, {@code tok/s}, {@code ms}, {@code B}, {@code %},
 *               {@code ratio}, {@code count}, ...)
 * @param better which direction is an improvement
 */
public record Figure(String id, String label, double value, String unit, Better better) {
    /**
     * @throws IllegalArgumentException for an empty id or unit, or a value that is not finite
     */
    public Figure {
        if (id == null || id.isEmpty() || unit == null || unit.isEmpty() || label == null || better == null) {
            throw new IllegalArgumentException("figure needs an id, label, unit and direction: " + id);
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("figure " + id + " is not finite: " + value);
        }
    }
}
