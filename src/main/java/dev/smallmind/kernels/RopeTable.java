package dev.smallmind.kernels;

import dev.smallmind.memory.Region;

import java.lang.foreign.MemorySegment;

/**
 * Precomputed RoPE rotations for positions {@code [0, maxPos)}, built once per model in a {@link Region}.
 *
 * <p>The angles follow ggml's float arithmetic so the rotation matches llama.cpp: {@code thetaScale =
 * powf(freqBase, -2/ropeDim)}, {@code theta_0 = pos}, {@code theta_{i+1} = theta_i * thetaScale} (repeated float
 * multiplication, not a power), {@code cosf}/{@code sinf} of the float angle. Frequency factors, YaRN and
 * frequency scaling are not supported (ggml's ext_factor 0, freq_scale 1, attn_factor 1).
 *
 * <p>Layout, chosen so one formula rotates both pairings with plain vector loads: each position has a row of
 * {@code ropeDim} cosines followed by {@code ropeDim} signed sines, with {@code out[j] = x[j] * cos[j] +
 * x[partner(j)] * sin[j]}. For a pair (a, b) rotated by angle t: {@code cos[a] = cos[b] = cos t},
 * {@code sin[a] = -sin t}, {@code sin[b] = sin t}; {@link RopePairing} decides which (a, b) are pairs. Memory:
 * {@code maxPos * ropeDim * 8} bytes (4 MiB for 4096 positions of 128 dimensions).
 */
public final class RopeTable {
    private final MemorySegment table;
    private final int maxPos;
    private final int ropeDim;
    private final float freqBase;
    private final RopePairing pairing;

    /**
     * Computes the table for every position; costs {@code maxPos * ropeDim / 2} sines and cosines.
     *
     * @param region   memory the table lives in (model or session lifetime)
     * @param maxPos   number of positions covered, >= 1
     * @param ropeDim  rotated dimensions per head, even, >= 2
     * @param freqBase RoPE base frequency (GGUF {@code rope.freq_base}, 10000 for Llama 2), > 0
     * @param pairing  which dimensions rotate together
     */
    public RopeTable(Region region, int maxPos, int ropeDim, float freqBase, RopePairing pairing) {
        if (maxPos < 1) {
            throw KernelText.ropeTableLength(maxPos);
        }
        if (ropeDim < 2 || ropeDim % 2 != 0) {
            throw KernelText.ropeTableDimensions(ropeDim);
        }
        if (!(freqBase > 0) || Float.isInfinite(freqBase)) {
            throw KernelText.ropeTableBase(freqBase);
        }
        if (pairing == null) {
            throw KernelText.ropeTablePairing();
        }
        this.maxPos = maxPos;
        this.ropeDim = ropeDim;
        this.freqBase = freqBase;
        this.pairing = pairing;
        this.table = region.allocate(Math.multiplyExact((long) maxPos, 2L * ropeDim * Float.BYTES));
        fill();
    }

    private void fill() {
        float thetaScale = (float) Math.pow(freqBase, -2.0f / ropeDim);
        int half = ropeDim / 2;
        for (int pos = 0; pos < maxPos; pos++) {
            long cos = cosOffset(pos);
            long sin = sinOffset(pos);
            float theta = pos;
            for (int i = 0; i < half; i++) {
                float c = (float) Math.cos(theta);
                float s = (float) Math.sin(theta);
                long a = 4L * (pairing == RopePairing.NORMAL ? 2 * i : i);
                long b = 4L * (pairing == RopePairing.NORMAL ? 2 * i + 1 : i + half);
                table.set(F32.LAYOUT, cos + a, c);
                table.set(F32.LAYOUT, cos + b, c);
                table.set(F32.LAYOUT, sin + a, -s);
                table.set(F32.LAYOUT, sin + b, s);
                theta *= thetaScale;
            }
        }
    }

    /** @return the table memory: per position, ropeDim cosines then ropeDim signed sines */
    public MemorySegment segment() {
        return table;
    }

    /**
     * Where a position's cosines start in {@link #segment()}.
     *
     * @param pos position, in {@code [0, maxPos)}
     * @return byte offset of that position's cosines
     */
    public long cosOffset(int pos) {
        return (long) pos * 2 * ropeDim * Float.BYTES;
    }

    /**
     * Where a position's signed sines start in {@link #segment()}.
     *
     * @param pos position, in {@code [0, maxPos)}
     * @return byte offset of that position's signed sines
     */
    public long sinOffset(int pos) {
        return cosOffset(pos) + (long) ropeDim * Float.BYTES;
    }

    /** @return positions covered: {@code [0, maxPos)} */
    public int maxPos() {
        return maxPos;
    }

    /** @return rotated dimensions per head */
    public int ropeDim() {
        return ropeDim;
    }

    /** @return base frequency */
    public float freqBase() {
        return freqBase;
    }

    /** @return which dimensions rotate together */
    public RopePairing pairing() {
        return pairing;
    }
}
