package dev.smallmind.kernels.matmul;

import dev.smallmind.profile.ChildJvm;
import dev.smallmind.kernels.MatmulKernels;
import dev.smallmind.tensor.DType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every weight type's one-token product reaches zero heap allocation once compiled, on rows that take each
 * kernel's odd paths ({@link OneTokenProductAllocation}). Until C2 has compiled a kernel its Vector API code
 * allocates; a vector helper that C2 does not inline (a cold call site, or a helper it compiled on its own first)
 * boxes its vectors on every call and never gets there: the odd-block tails of the Q4_0 and Q5_0 products and the
 * remainder loop of F16's did exactly that (147-432 bytes per row).
 *
 * <p>Each type runs in a JVM of its own with this JVM's flags, as in an engine that serves one model: when all
 * eleven kernels ran in one JVM, the profiles they share inside the Vector API occasionally led C2 to compile a
 * later kernel with a conversion left as a boxing call, for good (Q5_1 in one CI run, 110,592 bytes per product;
 * Q6_K about one run in three with {@code -XX:Tier3DelayOn=0}); docs/architecture.md has the details.
 */
class ZeroGcMatmulTest {
    private static final long CHILD_TIMEOUT_SECONDS = OneTokenProductAllocation.DEADLINE_NANOS / 1_000_000_000L + 60;

    @Test
    void oneTokenProductsAllocateNothingOnceCompiled() throws IOException, InterruptedException {
        List<String> failures = new ArrayList<>();
        for (DType type : MatmulKernels.supported()) {
            check(List.of(type.name()), failures);
            if (MatmulKernels.forProjection(type) != MatmulKernels.forType(type)) {
                check(List.of(type.name(), "interleaved"), failures);
            }
        }
        assertTrue(failures.isEmpty(), "one-token products still allocating: " + failures);
    }

    /**
     * A kernel still allocating at its deadline gets one more JVM: in some JVMs in tens, C2 compiles one vector
     * operation near the end of a large kernel method as a call into the allocating fallback, for good (the same
     * lottery as the prompt steps', {@code ZeroGcDecodeTest}); code that allocates by design fails in both.
     */
    private static void check(List<String> args, List<String> failures)
            throws IOException, InterruptedException {
        String kernel = String.join(" ", args);
        String[] fields = products(args);
        if (fields.length == 2 && Long.parseLong(fields[0]) >= OneTokenProductAllocation.LIMIT) {
            System.out.printf("%s: %s heap bytes per product after %s calls; again in a new JVM%n", kernel,
                    fields[0], fields[1]);
            fields = products(args);
        }
        if (fields.length != 2) {
            failures.add(kernel + " (its JVM printed: " + String.join(" ", fields) + ")");
            return;
        }
        long bytes = Long.parseLong(fields[0]);
        System.out.printf("%s: %d heap bytes per product after %s calls%n", kernel, bytes, fields[1]);
        if (bytes >= OneTokenProductAllocation.LIMIT) {
            failures.add(kernel + " (" + bytes + " bytes per product after " + fields[1] + " calls)");
        }
    }

    /** @return the last line of a {@link OneTokenProductAllocation} JVM, split at spaces */
    private static String[] products(List<String> args) throws IOException, InterruptedException {
        String text = ChildJvm.run(OneTokenProductAllocation.class, List.of(), args, CHILD_TIMEOUT_SECONDS);
        return text.substring(text.lastIndexOf('\n') + 1).split(" ");
    }
}
