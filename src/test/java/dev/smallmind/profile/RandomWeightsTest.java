package dev.smallmind.profile;

import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomWeightsTest {
    @Test
    void everyBlockScaleIsASmallPositiveFiniteHalf() {
        for (DType type : new DType[] {DType.Q8_0, DType.Q4_0, DType.Q4_1, DType.Q5_0, DType.Q5_1, DType.Q4_K,
                DType.Q5_K, DType.Q6_K}) {
            int blocks = 37;
            long bytes = (long) blocks * type.blockBytes();
            try (Arena arena = Arena.ofShared()) {
                MemorySegment s = arena.allocate(bytes, 64);
                RandomWeights.fill(type, s, bytes, 11);
                for (int b = 0; b < blocks; b++) {
                    for (int off : RandomWeights.halfScaleOffsets(type)) {
                        float scale = Float.float16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED,
                                (long) b * type.blockBytes() + off));
                        assertTrue(scale > 0 && scale < 0.1f, type + " block " + b + " scale " + scale);
                    }
                }
            }
        }
    }

    @Test
    void largeMatricesRepeatAValidChunkOfWholeBlocks() {
        DType type = DType.Q8_0;
        long blocks = RandomWeights.CHUNK / type.blockBytes() * 3 + 5;
        long bytes = blocks * type.blockBytes();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment s = arena.allocate(bytes, 64);
            RandomWeights.fill(type, s, bytes, 3);
            long chunk = RandomWeights.CHUNK / type.blockBytes() * type.blockBytes();
            for (long b = 0; b < blocks; b++) {
                long at = b * type.blockBytes();
                float scale = Float.float16ToFloat(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
                assertTrue(scale > 0 && scale < 0.1f, "block " + b + " scale " + scale);
                assertEquals(s.get(ValueLayout.JAVA_LONG_UNALIGNED, at % chunk + 2),
                        s.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 2), "block " + b + " repeats the chunk");
            }
        }
    }

    @Test
    void scaleOffsetsMatchTheLastOrFirstFieldOfGgmlBlocks() {
        assertEquals(208, RandomWeights.halfScaleOffsets(DType.Q6_K)[0], "Q6_K keeps d after ql, qh, scales");
        assertEquals(DType.Q6_K.blockBytes() - 2, RandomWeights.halfScaleOffsets(DType.Q6_K)[0]);
        assertEquals(2, RandomWeights.halfScaleOffsets(DType.Q4_K).length, "d and dmin");
    }

    @Test
    void plainTypesGetSmallFiniteValuesThatVary() {
        int n = 1000;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment f32 = arena.allocate(4L * n, 64);
            MemorySegment f16 = arena.allocate(2L * n, 64);
            RandomWeights.fill(DType.F32, f32, 4L * n, 1);
            RandomWeights.fill(DType.F16, f16, 2L * n, 1);
            for (int i = 0; i < n; i++) {
                float a = f32.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
                float b = Float.float16ToFloat(f16.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i));
                assertTrue(Math.abs(a) <= 0.02f && Math.abs(b) <= 0.02f, "element " + i + ": " + a + ", " + b);
            }
            assertNotEquals(f32.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 0),
                    f32.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 1));
        }
    }

    @Test
    void rejectsPartialBlocksAndUnknownLayouts() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment s = arena.allocate(64, 64);
            assertThrows(IllegalArgumentException.class, () -> RandomWeights.fill(DType.Q8_0, s, 35, 1));
            assertThrows(IllegalArgumentException.class, () -> RandomWeights.halfScaleOffsets(DType.Q8_K));
        }
    }
}
