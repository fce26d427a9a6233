package dev.smallmind.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BigramQueueTest {
    @Test
    void popsByPriorityThenLeftIndex() {
        BigramQueue q = new BigramQueue();
        q.push(5, 3, 4, 2);
        q.push(2, 7, 8, 3);
        q.push(2, 1, 2, 4);
        q.push(9, 0, 1, 5);
        List<String> order = new ArrayList<>();
        while (!q.isEmpty()) {
            order.add(q.topLeft() + ":" + q.topRight() + ":" + q.topSize());
            q.pop();
        }
        assertEquals(List.of("1:2:4", "7:8:3", "3:4:2", "0:1:5"), order);
    }

    @Test
    void manyRandomEntriesComeOutSorted() {
        BigramQueue q = new BigramQueue();
        Random r = new Random(7);
        int n = 1000;
        int[] priority = new int[n];
        int[] left = new int[n];
        for (int i = 0; i < n; i++) {
            priority[i] = r.nextInt(50) - 25;
            left[i] = r.nextInt(1000);
            q.push(priority[i], left[i], i, 0);
        }
        long previous = Long.MIN_VALUE;
        int popped = 0;
        while (!q.isEmpty()) {
            int i = q.topRight();
            assertEquals(left[i], q.topLeft());
            long key = ((long) priority[i] << 32) | left[i];
            assertTrue(key >= previous, "entry " + i + " out of order");
            previous = key;
            q.pop();
            popped++;
        }
        assertEquals(n, popped);
    }

    @Test
    void descendingScoreOrdersHigherScoresFirst() {
        float[] scores = {-1000f, -3.5f, -1f, -0f, 0f, 0.25f, 7f, Float.MAX_VALUE};
        for (int i = 1; i < scores.length; i++) {
            assertTrue(BigramQueue.descendingScore(scores[i]) <= BigramQueue.descendingScore(scores[i - 1]),
                    scores[i] + " vs " + scores[i - 1]);
        }
        assertTrue(BigramQueue.descendingScore(-2f) > BigramQueue.descendingScore(-1f));
    }
}
