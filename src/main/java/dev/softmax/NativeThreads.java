package dev.softmax;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The number of threads the data passes run on, and the pool that runs them.
 *
 * <p>The passes over the rows of {@code X} (value and gradient, Hessian-vector products, probabilities,
 * predictions) are split into chunks of rows, and {@link #parallelFor} hands the chunks to {@link #current()}
 * threads, each calling single-threaded BLAS and ND4J on its own rows. ND4J's own OpenMP threads and OpenBLAS's
 * threads are set to 1 for that reason:
 * <ul>
 *   <li>OpenBLAS splits a GEMM with 10 output columns badly: with 2 threads a CIFAR-10-sized product got slower
 *       than with 1, while two threads each multiplying half of the rows ran twice as fast as one.</li>
 *   <li>OpenMP threads spin while they wait, and collapse when another process holds one of their cores (an SGD
 *       epoch went from 2.4 s to 44 s on 2 cores). These threads spin for at most {@link #SPIN_NANOS} and then
 *       block, and take chunks one at a time from a shared counter, so a thread on a busy core simply takes fewer
 *       chunks.</li>
 * </ul>
 * Which thread runs a chunk does not change the result: every chunk writes its own partial sums, and they are
 * added in chunk order, so results are the same bit for bit for any thread count.
 *
 * <p>Until {@link #set} is called, the first use applies {@link #defaultCount()}.
 */
public final class NativeThreads {

    private static int threads;
    /** The helpers: {@code threads - 1} of them. */
    private static Worker[] workers = new Worker[0];
    private static final ThreadLocal<Boolean> IN_WORKER = ThreadLocal.withInitial(() -> false);

    private NativeThreads() {
    }

    /**
     * Every core: the worker threads block rather than spin, so sharing a core with other work costs little.
     *
     * @return the number of available processors
     */
    public static int defaultCount() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Sets the number of threads for the data passes, and ND4J's OpenMP and BLAS threads to 1 (see the class
     * comment).
     *
     * @param count {@code >= 1}
     */
    public static synchronized void set(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + count);
        }
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
        for (Worker worker : workers) {
            worker.retire();
        }
        workers = new Worker[count - 1];
        for (int h = 0; h < workers.length; h++) {
            workers[h] = new Worker(h + 1);
            workers[h].start();
        }
        threads = count;
    }

    /**
     * The thread count in force (applying the default if none was set).
     *
     * @return the thread count
     */
    public static synchronized int current() {
        if (threads == 0) {
            set(defaultCount());
        }
        return threads;
    }

    /**
     * Runs {@code task.accept(i)} for every {@code i} in {@code [0, tasks)}, on up to {@link #current()} threads
     * (the calling thread is one of them), and returns when all have finished. Tasks must be independent; which
     * thread runs which task is not fixed. A call from inside a task runs its tasks on the calling thread. The
     * first exception thrown by a task is rethrown here, after the running tasks finish (no new ones start).
     *
     * @param tasks the number of tasks
     * @param task  runs task {@code i}
     */
    public static void parallelFor(int tasks, IntConsumer task) {
        int count;
        Worker[] helpers;
        synchronized (NativeThreads.class) {
            count = Math.min(current(), tasks);
            helpers = workers;
        }
        if (count <= 1 || IN_WORKER.get()) {
            for (int i = 0; i < tasks; i++) {
                task.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> error = new AtomicReference<>();
        Runnable work = () -> {
            boolean nested = IN_WORKER.get();
            IN_WORKER.set(true);
            try {
                for (int i = next.getAndIncrement(); i < tasks && error.get() == null; i = next.getAndIncrement()) {
                    task.accept(i);
                }
            } catch (RuntimeException | Error e) {
                error.compareAndSet(null, e);
            } finally {
                IN_WORKER.set(nested);
            }
        };
        // Helper states: 0 handed over, 1 running, 2 finished, 3 skipped (the caller got there first, or the
        // helper was busy with another caller's tasks).
        Thread caller = Thread.currentThread();
        AtomicInteger[] states = new AtomicInteger[Math.min(count - 1, helpers.length)];
        Runnable[] handedOver = new Runnable[states.length];
        for (int h = 0; h < states.length; h++) {
            AtomicInteger state = states[h] = new AtomicInteger();
            Runnable helperWork = handedOver[h] = () -> {
                if (!state.compareAndSet(0, 1)) {
                    return;
                }
                try {
                    work.run();
                } finally {
                    state.set(2);
                    LockSupport.unpark(caller);
                }
            };
            if (!helpers[h].offer(helperWork)) {
                state.set(3);
            }
        }
        work.run();
        // A helper that has not started has nothing left to do (every task is taken): skip it rather than wait
        // for it; wait only for helpers that are running a task.
        for (int h = 0; h < states.length; h++) {
            AtomicInteger state = states[h];
            if (state.compareAndSet(0, 3)) {
                // Empty the mailbox too, so that the next call finds the helper free.
                helpers[h].withdraw(handedOver[h]);
                continue;
            }
            if (state.get() == 3) {
                continue;
            }
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (state.get() != 2) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(NativeThreads.class);
                }
            }
        }
        Throwable failure = error.get();
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error fatal) {
            throw fatal;
        }
    }

    /**
     * How long a thread that runs out of work checks for more before it blocks: 100 us. Waking a blocked thread
     * took tens of microseconds here, once when a pass hands out its chunks and once when the caller waits for the
     * last one; an SGD step on CIFAR-10-sized data (two chunks of 64 rows, about 0.3 ms) lost a fifth of its time
     * to that. Spinning is bounded, so a thread on a core that another process holds costs at most this much per
     * pass, unlike OpenMP's spinning barriers.
     */
    static final long SPIN_NANOS = 100_000;

    /**
     * A helper thread with a mailbox of one task: the caller puts a task in with one compare-and-set and wakes the
     * helper only if it has blocked. Not a {@code ThreadPoolExecutor}, whose queue takes a lock on both sides: a
     * task reached a spinning helper after 1 to 10 us, never under 1 us, where the mailbox takes under 1 us about a
     * third of the time; SGD epochs on CIFAR-10's shape (two chunks of 64 rows a step) took 0.108 to 0.119 s with 2
     * threads, against 0.113 to 0.134 s (four alternating runs each, 2026-12-03). A caller whose helper is busy
     * with another caller's tasks runs its tasks alone.
     */
    private static final class Worker extends Thread {
        private final AtomicReference<Runnable> mailbox = new AtomicReference<>();
        private volatile boolean blocked;
        private volatile boolean stopped;

        Worker(int number) {
            super("softmax-worker-" + number);
            setDaemon(true);
        }

        /** Hands {@code task} over unless the mailbox is full; returns whether it did. */
        boolean offer(Runnable task) {
            if (!mailbox.compareAndSet(null, task)) {
                return false;
            }
            if (blocked) {
                LockSupport.unpark(this);
            }
            return true;
        }

        /** Takes {@code task} back out of the mailbox if the worker has not taken it yet. */
        void withdraw(Runnable task) {
            mailbox.compareAndSet(task, null);
        }

        void retire() {
            stopped = true;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            while (!stopped) {
                Runnable task = mailbox.getAndSet(null);
                if (task == null) {
                    await();
                    continue;
                }
                try {
                    task.run();
                } catch (Throwable e) {
                    // parallelFor's tasks keep their failures for the caller; nothing else reaches a worker.
                }
            }
        }

        /** Returns once the mailbox has a task or the worker is stopped: spins, then blocks. */
        private void await() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (mailbox.get() == null && !stopped) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                // offer() sets the mailbox and then reads blocked; this sets blocked and then reads the mailbox.
                blocked = true;
                if (mailbox.get() == null && !stopped) {
                    LockSupport.park(this);
                }
                blocked = false;
            }
        }
    }

    /**
     * Fewest rows per chunk: each block of a chunk costs a few ND4J calls (about 50 µs) besides its GEMMs, and a
     * hand-over to another thread costs about as much, so small inputs (an SGD batch of 128) stay in one chunk.
     */
    public static final int MIN_CHUNK_ROWS = 256;

    /** Most chunks per pass: bounds per-chunk memory such as partial gradients. */
    public static final int MAX_CHUNKS = 64;

    /**
     * The number of chunks a pass over {@code rows} rows is split into: {@code rows / 256}, between 1 and 64. It
     * depends on the rows only, never on the thread count, so every thread count computes the same partial sums.
     *
     * @param rows the rows of the pass
     * @return the number of chunks
     */
    public static int chunkCount(long rows) {
        return (int) Math.max(1, Math.min(MAX_CHUNKS, rows / MIN_CHUNK_ROWS));
    }

    /**
     * First row of chunk {@code chunk} of {@code chunks} over {@code rows} rows (chunk {@code chunks} gives
     * {@code rows}).
     *
     * @param rows   the rows of the pass
     * @param chunks the number of chunks
     * @param chunk  the chunk, in {@code [0, chunks]}
     * @return the chunk's first row
     */
    public static int chunkStart(int rows, int chunks, int chunk) {
        return (int) ((long) rows * chunk / chunks);
    }
}
