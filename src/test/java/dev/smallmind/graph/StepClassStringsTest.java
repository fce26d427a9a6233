package dev.smallmind.graph;

import dev.smallmind.generate.Session;
import dev.smallmind.kernels.Attention;
import dev.smallmind.kernels.matmul.F32Matmul;
import dev.smallmind.graph.ops.MatmulNode;
import dev.smallmind.model.ForwardPass;
import dev.smallmind.parallel.WorkerPool;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.StringEntry;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The classes that run in every step (every graph node, the graph, the step context, the KV cache, the worker
 * pool, the forward pass, which was a record: a record's class holds its component names, and the session) hold no
 * String constant. HotSpot resolves every String constant of a class, allocating each, on the thread
 * that first asks C2 to compile one of the class's methods; for a class called once per step that can be a decode
 * step thousands of tokens after the warm-up (MatmulNode's ten error messages were 976 bytes in the quick report's
 * measured decode; Graph's and AttentionNode's 168 bytes in the first 2,000-token request, then
 * ForwardPass's 88). Their text lives in
 * {@code GraphText}, {@code NodeText}, {@code MatmulParts}, {@code PoolText} and {@code SessionText} instead.
 */
class StepClassStringsTest {
    @Test
    void stepClassesHoldNoStringConstant() throws IOException, URISyntaxException {
        List<Class<?>> fixed = List.of(Graph.class, StepContext.class, KvCache.class, WorkerPool.class, Node.class,
                ForwardPass.class, Session.class);
        Map<String, List<String>> strings = new TreeMap<>();
        for (Class<?> c : fixed) {
            check(c.getName(), bytes(c), strings);
        }
        URL matmul = MatmulNode.class.getResource("MatmulNode.class");
        assertNotNull(matmul, "the graph.ops classes on the class path");
        assertEquals("file", matmul.getProtocol(), "graph.ops classes in a folder (as the build runs tests): " + matmul);
        int nodes = 0;
        try (Stream<Path> files = Files.list(Path.of(matmul.toURI()).getParent())) {
            for (Path file : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                ClassModel model = ClassFile.of().parse(Files.readAllBytes(file));
                if (model.superclass().isPresent()
                        && model.superclass().get().asInternalName().equals("dev/smallmind/graph/Node")) {
                    nodes++;
                    check(file.getFileName().toString(), Files.readAllBytes(file), strings);
                }
            }
        }
        assertTrue(nodes >= 9, "node classes found in graph.ops: " + nodes);
        assertEquals(Map.of(), strings, "String constants in classes that run every step");
    }

    /**
     * Every kernel class likewise, found by listing the kernels' folders, so that a new kernel is checked without
     * being named here: a first long prompt's step allocated 104 bytes when {@code Attention}'s one message (63
     * characters) was resolved as C2 compiled its multi-row path. Left out: the classes that hold the kernels' text
     * ({@code *Text}, the {@code Operand} labels), enums (their constants' names are resolved as the enum is
     * initialized), and the classes that run only at load ({@code MatmulKernels} picks kernels, {@code VectorHardware}
     * reads the JVM, {@code GroupPacking} and {@code KQuantScales} pack weights).
     */
    @Test
    void kernelClassesHoldNoStringConstant() throws IOException, URISyntaxException {
        Set<String> loadTime = Set.of("MatmulKernels.class", "VectorHardware.class", "GroupPacking.class",
                "KQuantScales.class");
        Map<String, List<String>> strings = new TreeMap<>();
        int kernels = 0;
        for (Class<?> anchor : List.of(Attention.class, F32Matmul.class)) {
            URL url = anchor.getResource(anchor.getSimpleName() + ".class");
            assertNotNull(url, anchor + " on the class path");
            assertEquals("file", url.getProtocol(), "kernel classes in a folder (as the build runs tests): " + url);
            try (Stream<Path> files = Files.list(Path.of(url.toURI()).getParent())) {
                for (Path file : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                    String name = file.getFileName().toString();
                    ClassModel model = ClassFile.of().parse(Files.readAllBytes(file));
                    boolean isEnum = model.superclass().isPresent()
                            && model.superclass().get().asInternalName().equals("java/lang/Enum");
                    if (name.endsWith("Text.class") || isEnum || loadTime.contains(name)) {
                        continue;
                    }
                    kernels++;
                    check(name, Files.readAllBytes(file), strings);
                }
            }
        }
        assertTrue(kernels >= 40, "kernel classes found: " + kernels);
        assertEquals(Map.of(), strings, "String constants in kernel classes");
    }

    private static byte[] bytes(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            assertNotNull(in, c + " on the class path");
            return in.readAllBytes();
        }
    }

    private static void check(String name, byte[] bytes, Map<String, List<String>> found) {
        ClassModel model = ClassFile.of().parse(bytes);
        List<String> strings = new ArrayList<>();
        for (PoolEntry entry : model.constantPool()) {
            if (entry instanceof StringEntry s) {
                strings.add(s.stringValue());
            }
        }
        if (!strings.isEmpty()) {
            found.put(name, strings);
        }
    }
}
