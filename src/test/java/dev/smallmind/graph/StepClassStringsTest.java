package dev.smallmind.graph;

import dev.smallmind.generate.Session;
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
