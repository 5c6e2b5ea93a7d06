package dev.softmax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NativeThreadsTest {

    @AfterEach
    void restoreDefault() {
        NativeThreads.set(NativeThreads.defaultCount());
    }

    @Test
    void runsEveryTaskExactlyOnceForEveryThreadCount() {
        for (int threads : new int[] {1, 2, 3}) {
            NativeThreads.set(threads);
            AtomicIntegerArray runs = new AtomicIntegerArray(100);
            NativeThreads.parallelFor(100, i -> runs.incrementAndGet(i));
            for (int i = 0; i < 100; i++) {
                assertEquals(1, runs.get(i), "task " + i + " with " + threads + " threads");
            }
        }
    }

    @Test
    void nestedCallsRunAllTheirTasks() {
        NativeThreads.set(2);
        AtomicIntegerArray runs = new AtomicIntegerArray(12);
        NativeThreads.parallelFor(3, outer -> NativeThreads.parallelFor(4, inner -> runs.incrementAndGet(outer * 4 + inner)));
        for (int i = 0; i < 12; i++) {
            assertEquals(1, runs.get(i));
        }
    }

    @Test
    void aFailingTaskIsRethrownAndThePoolStaysUsable() {
        NativeThreads.set(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NativeThreads.parallelFor(50, i -> {
            if (i == 17) {
                throw new IllegalStateException("task 17");
            }
        }));
        assertEquals("task 17", e.getMessage());
        AtomicIntegerArray runs = new AtomicIntegerArray(10);
        NativeThreads.parallelFor(10, runs::incrementAndGet);
        for (int i = 0; i < 10; i++) {
            assertEquals(1, runs.get(i));
        }
    }

    @Test
    void callersOnSeveralThreadsAtOnceEachRunAllTheirTasks() throws Exception {
        NativeThreads.set(2);
        int callers = 4;
        int calls = 300;
        int tasks = 7;
        AtomicIntegerArray runs = new AtomicIntegerArray(callers * calls * tasks);
        Thread[] threads = new Thread[callers];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < callers; t++) {
            int caller = t;
            threads[t] = new Thread(() -> {
                for (int call = 0; call < calls; call++) {
                    int base = (caller * calls + call) * tasks;
                    NativeThreads.parallelFor(tasks, i -> runs.incrementAndGet(base + i));
                }
            });
            threads[t].setUncaughtExceptionHandler((thread, e) -> failure.set(e));
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join(60_000);
            assertFalse(thread.isAlive(), "a caller did not finish");
        }
        assertNull(failure.get());
        for (int i = 0; i < runs.length(); i++) {
            assertEquals(1, runs.get(i), "task " + i);
        }
    }

    @Test
    void aCallAfterTheHelperHasBlockedStillUsesIt() throws Exception {
        NativeThreads.set(2);
        Thread.sleep(5);  // well past the helper's spinning: it has blocked
        java.util.Set<Thread> ran = java.util.concurrent.ConcurrentHashMap.newKeySet();
        CountDownLatch both = new CountDownLatch(2);
        NativeThreads.parallelFor(2, i -> {
            ran.add(Thread.currentThread());
            both.countDown();
            try {
                // Each task waits for the other, so the call finishes only if two threads run them.
                assertTrue(both.await(10, TimeUnit.SECONDS), "the helper never took a task");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(2, ran.size());
    }

    @Test
    void chunksCoverTheRowsAndDependOnTheRowsOnly() {
        assertEquals(1, NativeThreads.chunkCount(1));
        assertEquals(1, NativeThreads.chunkCount(2 * NativeThreads.MIN_CHUNK_ROWS - 1));
        assertEquals(2, NativeThreads.chunkCount(2 * NativeThreads.MIN_CHUNK_ROWS));
        assertEquals(NativeThreads.MAX_CHUNKS, NativeThreads.chunkCount(1_000_000));
        int rows = 10_000;
        int chunks = NativeThreads.chunkCount(rows);
        assertEquals(0, NativeThreads.chunkStart(rows, chunks, 0));
        assertEquals(rows, NativeThreads.chunkStart(rows, chunks, chunks));
        for (int c = 0; c < chunks; c++) {
            int size = NativeThreads.chunkStart(rows, chunks, c + 1) - NativeThreads.chunkStart(rows, chunks, c);
            assertTrue(size >= NativeThreads.MIN_CHUNK_ROWS, "chunk " + c + " has " + size + " rows");
        }
        assertThrows(IllegalArgumentException.class, () -> NativeThreads.set(0));
    }
}
