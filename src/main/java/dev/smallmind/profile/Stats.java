package dev.smallmind.profile;

import java.util.Arrays;

/**
 * Summary of repeated measurements of one quantity. Reports quote the median (robust against the odd slow run on
 * a shared machine); llama-bench-style tables quote the mean and the sample standard deviation.
 *
 * @param count  number of samples
 * @param median middle sample (mean of the two middle ones for an even count)
 * @param mean   arithmetic mean
 * @param stddev sample standard deviation (n - 1 in the denominator; 0 for a single sample)
 * @param min    smallest sample
 * @param max    largest sample
 */
public record Stats(int count, double median, double mean, double stddev, double min, double max) {
    /**
     * @param samples measured values (at least one, all finite)
     * @return their summary
     * @throws IllegalArgumentException when there are no samples or one is NaN or infinite
     */
    public static Stats of(double[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples to summarize");
        }
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (double x : sorted) {
            if (!Double.isFinite(x)) {
                throw new IllegalArgumentException("sample " + x + " is not finite");
            }
            sum += x;
        }
        int n = sorted.length;
        double mean = sum / n;
        double squares = 0;
        for (double x : sorted) {
            squares += (x - mean) * (x - mean);
        }
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        double stddev = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
        return new Stats(n, median, mean, stddev, sorted[0], sorted[n - 1]);
    }

    /**
     * @param work    amount of work done by one call (FLOPs, bytes, tokens)
     * @param seconds seconds per call, one per sample (all positive)
     * @return the summary of the rates {@code work / seconds} (rates are summarized per sample, not derived from
     *         the summary of the times, so the median rate is a rate that was really observed)
     */
    public static Stats rates(double work, double[] seconds) {
        double[] r = new double[seconds.length];
        for (int i = 0; i < r.length; i++) {
            if (!(seconds[i] > 0)) {
                throw new IllegalArgumentException("sample time " + seconds[i] + " s is not positive");
            }
            r[i] = work / seconds[i];
        }
        return of(r);
    }
}
