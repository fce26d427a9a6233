package dev.smallmind.generate;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {
    private static final int VOCAB = 1000;

    private static MemorySegment logits(Arena arena, long seed) {
        MemorySegment s = arena.allocate(4L * VOCAB, 64);
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < VOCAB; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (r.nextGaussian() * 3));
        }
        return s;
    }

    private static int argmax(MemorySegment s) {
        int best = 0;
        for (int i = 1; i < VOCAB; i++) {
            if (s.getAtIndex(ValueLayout.JAVA_FLOAT, i) > s.getAtIndex(ValueLayout.JAVA_FLOAT, best)) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void greedyIsArgmax() {
        try (Arena arena = Arena.ofConfined()) {
            for (int seed = 0; seed < 20; seed++) {
                MemorySegment l = logits(arena, seed);
                assertEquals(argmax(l), new Sampler(SamplerSettings.GREEDY, VOCAB).sample(l, 0));
            }
        }
    }

    @Test
    void topKOfOneIsArgmaxAtAnyTemperature() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment l = logits(arena, 3);
            Sampler s = new Sampler(new SamplerSettings(5f, 1, 1f, 0f, 1f, 0f, 0f, 64, 9), VOCAB);
            for (int i = 0; i < 50; i++) {
                assertEquals(argmax(l), s.sample(l, 0));
            }
        }
    }

    @Test
    void sameSeedSameTokensDifferentSeedDiffers() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment l = logits(arena, 4);
            int[] a = draws(l, 42);
            int[] b = draws(l, 42);
            int[] c = draws(l, 43);
            assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
            assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
        }
    }

    @Test
    void aResetSamplerDrawsWhatANewOneDraws() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment l = logits(arena, 6);
            SamplerSettings penalized = new SamplerSettings(1.2f, 20, 0.9f, 0.02f, 1.3f, 0.2f, 0.1f, 8, 11);
            Sampler used = new Sampler(new SamplerSettings(0.7f, 0, 1f, 0f, 1.1f, 0f, 0f, 32, 5), VOCAB);
            for (int i = 0; i < 100; i++) {
                used.accept(used.sample(l, 0));
            }
            used.reset(penalized);
            Sampler fresh = new Sampler(penalized, VOCAB);
            assertEquals(penalized, used.settings());
            for (int i = 0; i < 200; i++) {
                int expected = fresh.sample(l, 0);
                assertEquals(expected, used.sample(l, 0), "draw " + i);
                fresh.accept(expected);
                used.accept(expected);
            }
        }
    }

    private static int[] draws(MemorySegment l, long seed) {
        Sampler s = new Sampler(new SamplerSettings(1.5f, 0, 1f, 0f, 1f, 0f, 0f, 64, seed), VOCAB);
        int[] out = new int[64];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.sample(l, 0);
        }
        return out;
    }

    @Test
    void topKRestrictsSupportToTheKLargest() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment l = logits(arena, 5);
            float[] sorted = new float[VOCAB];
            for (int i = 0; i < VOCAB; i++) {
                sorted[i] = l.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            }
            java.util.Arrays.sort(sorted);
            float fifth = sorted[VOCAB - 5];
            Sampler s = new Sampler(new SamplerSettings(100f, 5, 1f, 0f, 1f, 0f, 0f, 64, 1), VOCAB);
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 2000; i++) {
                int t = s.sample(l, 0);
                assertTrue(l.getAtIndex(ValueLayout.JAVA_FLOAT, t) >= fifth, "token outside top-5");
                seen.add(t);
            }
            assertEquals(5, seen.size(), "a high temperature reaches all five");
        }
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment l = arena.allocate(4L * VOCAB, 64);
            for (int i = 0; i < VOCAB; i++) {
                l.setAtIndex(ValueLayout.JAVA_FLOAT, i, -100f);
            }
            l.setAtIndex(ValueLayout.JAVA_FLOAT, 10, (float) Math.log(0.6));
            l.setAtIndex(ValueLayout.JAVA_FLOAT, 20, (float) Math.log(0.3));
            l.setAtIndex(ValueLayout.JAVA_FLOAT, 30, (float) Math.log(0.1));
            Sampler s = new Sampler(new SamplerSettings(1f, 0, 0.8f, 0f, 1f, 0f, 0f, 64, 2), VOCAB);
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 500; i++) {
                seen.add(s.sample(l, 0));
            }
            assertEquals(Set.of(10, 20), seen, "0.6 + 0.3 reaches 0.8; 30 is cut");
        }
    }

    @Test
    void minPDropsUnlikelyTokens() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment l = arena.allocate(4L * VOCAB, 64);
            for (int i = 0; i < VOCAB; i++) {
                l.setAtIndex(ValueLayout.JAVA_FLOAT, i, -100f);
            }
            l.setAtIndex(ValueLayout.JAVA_FLOAT, 1, 0f);
            l.setAtIndex(ValueLayout.JAVA_FLOAT, 2, (float) Math.log(0.5));
            l.setAtIndex(ValueLayout.JAVA_FLOAT, 3, (float) Math.log(0.05));
            Sampler s = new Sampler(new SamplerSettings(1f, 0, 1f, 0.1f, 1f, 0f, 0f, 64, 3), VOCAB);
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 500; i++) {
                seen.add(s.sample(l, 0));
            }
            assertEquals(Set.of(1, 2), seen);
        }
    }

    @Test
    void repetitionPenaltyChangesGreedyChoice() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment l = arena.allocate(4L * VOCAB, 64);
            l.setAtIndex(ValueLayout.JAVA_FLOAT, 7, 2.0f);
            l.setAtIndex(ValueLayout.JAVA_FLOAT, 8, 1.5f);
            Sampler s = new Sampler(new SamplerSettings(0f, 0, 1f, 0f, 1.5f, 0f, 0f, 64, 0), VOCAB);
            assertEquals(7, s.sample(l, 0));
            s.accept(7);
            assertEquals(8, s.sample(l, 0), "2.0 / 1.5 < 1.5");
            Sampler f = new Sampler(new SamplerSettings(0f, 0, 1f, 0f, 1f, 0.3f, 0f, 64, 0), VOCAB);
            f.accept(7);
            f.accept(7);
            assertEquals(8, f.sample(l, 0), "2.0 - 2 * 0.3 < 1.5");
            Sampler p = new Sampler(new SamplerSettings(0f, 0, 1f, 0f, 1f, 0f, 0.4f, 64, 0), VOCAB);
            p.accept(7);
            assertEquals(7, p.sample(l, 0), "2.0 - 0.4 > 1.5");
        }
    }

    @Test
    void invalidSettingsAreRejectedWithTheirName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SamplerSettings(-1f, 0, 1f, 0f, 1f, 0f, 0f, 64, 0));
        assertTrue(e.getMessage().contains("temperature"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new SamplerSettings(1f, 0, 1.5f, 0f, 1f, 0f, 0f, 64, 0)).getMessage().contains("top-p"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new SamplerSettings(1f, -2, 1f, 0f, 1f, 0f, 0f, 64, 0)).getMessage().contains("top-k"));
    }
}
