package dev.smallmind.parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine's one fixed pool of worker threads. {@link #run} splits an index range into one contiguous chunk per
 * thread; {@link #runClaimed} splits it into chunks of a given size that a thread done with its own share takes
 * from the others'. The calling thread takes part itself and waits for the rest. Workers spin briefly between jobs
 * (the gap between two ops of a decode step is microseconds) and then park, so an idle engine costs no CPU.
 *
 * <p>No allocation per call: no task objects, futures or lambdas are created; the job is published through
 * fields and a generation counter. Calls are serialized: one job runs at a time.
 */
public final class WorkerPool implements AutoCloseable {
    /** Upper bound on threads; more than this is a configuration mistake, not a request. */
    public static final int MAX_THREADS = 256;
    private static final long SPIN_NANOS = 200_000;
    /** Longs between two workers' entries in {@link #shares}: one cache line, so owners do not share one. */
    private static final int SHARE_STRIDE = 8;

    private final int threads;
    private final Thread[] workers;
    private final long[] threadIds;
    private final AtomicInteger pending = new AtomicInteger();
    private final Object jobLock = new Object();
    private volatile long generation;
    private volatile boolean closed;
    private final ParkFlags parked;
    /**
     * Per worker, at {@code (worker + 1) * SHARE_STRIDE}, the chunks of a claimed job it has not yet handed out, as
     * {@code first << 32 | end}: its owner takes from the front, the others from the back once theirs are gone.
     */
    private final AtomicLongArray shares;

    private RangeTask task;
    private int total;
    /** The job's grain ({@link #run}) or chunk ({@link #runClaimed}). */
    private int unit;
    private boolean claimed;
    private volatile Throwable failure;

    /**
     * @param threads number of threads including the caller's, 1 to {@link #MAX_THREADS}
     */
    public WorkerPool(int threads) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw PoolText.threadCount(threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        this.threadIds = new long[threads - 1];
        this.parked = new ParkFlags(threads);
        this.shares = new AtomicLongArray((threads + 2) * SHARE_STRIDE);
        for (int w = 1; w < threads; w++) {
            int index = w;
            Thread t = new Thread(() -> workerLoop(index), PoolText.workerName(w));
            t.setDaemon(true);
            workers[w - 1] = t;
            t.start();
            threadIds[w - 1] = t.threadId();
        }
    }

    /** @return the default thread count: the number of available processors */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** @return threads used by {@link #run}, the caller's included */
    public int threads() {
        return threads;
    }

    /** @return ids of the background worker threads (not the caller's), for allocation accounting */
    public long[] workerThreadIds() {
        return threadIds.clone();
    }

    /**
     * Runs {@code task} over {@code [0, n)} split across the threads, and returns when every part is done.
     *
     * @param task work to run
     * @param n    number of indices
     */
    public void run(RangeTask task, int n) {
        run(task, n, 1);
    }

    /**
     * Like {@link #run(RangeTask, int)}, with every chunk boundary a multiple of {@code grain} (for kernels that
     * process rows in groups).
     *
     * @param task  work to run
     * @param n     number of indices
     * @param grain chunk boundaries are multiples of this, >= 1
     */
    public void run(RangeTask task, int n, int grain) {
        if (grain < 1) {
            throw PoolText.grain(grain);
        }
        start(task, n, grain, false);
    }

    /**
     * Runs {@code task} over {@code [0, n)} in chunks of {@code chunk} indices (the last may be shorter), and returns
     * when every chunk is done. Each thread gets an equal share of the chunks, as {@link #run} would split them, and
     * takes them from the front; a thread that runs out takes the others' remaining chunks from the back. So a
     * thread that runs slower than the others (its vCPU shared with another tenant's work, say) does less instead of
     * making them wait for its share, and with threads of equal speed each runs one contiguous range, as with
     * {@link #run}. Each take is a compare-and-set, on a line of the thread's own until others take from it: this
     * suits ops whose chunks take far longer than that, the matrix products of prompt steps, not those of one token.
     *
     * @param task  work to run; it gets whole chunks, each on one thread
     * @param n     number of indices
     * @param chunk indices per claim, >= 1
     */
    public void runClaimed(RangeTask task, int n, int chunk) {
        if (chunk < 1) {
            throw PoolText.chunk(chunk);
        }
        start(task, n, chunk, true);
    }

    private void start(RangeTask task, int n, int unit, boolean claimed) {
        if (n <= 0) {
            return;
        }
        if (threads == 1 || n <= unit) {
            task.run(0, n, 0);
            return;
        }
        synchronized (jobLock) {
            if (claimed) {
                long chunks = units(n, unit);
                for (int w = 0; w < threads; w++) {
                    shares.set(shareIndex(w), shareStart(chunks, w) << 32 | shareStart(chunks, w + 1));
                }
            }
            dispatch(task, n, unit, claimed);
        }
    }

    /** @return units of {@code unit} indices that cover {@code n}; long, as near Integer.MAX_VALUE an int overflows */
    private static long units(long n, long unit) {
        return (n + unit - 1) / unit;
    }

    /** @return the first of {@code units} that {@code worker} gets in an equal split, or their count for threads */
    private long shareStart(long units, int worker) {
        return worker * (units / threads) + Math.min(worker, units % threads);
    }

    /** Publishes a job to the workers, runs the caller's part and waits for theirs; holds {@link #jobLock}. */
    private void dispatch(RangeTask task, int n, int unit, boolean claimed) {
        if (closed) {
            throw PoolText.closed();
        }
        this.task = task;
        this.total = n;
        this.unit = unit;
        this.claimed = claimed;
        pending.set(threads - 1);
        generation = generation + 1;
        for (int w = 1; w < threads; w++) {
            if (parked.get(w)) {
                LockSupport.unpark(workers[w - 1]);
            }
        }
        Throwable own = null;
        try {
            runChunk(task, 0);
        } catch (Throwable t) {
            own = t;
        }
        while (pending.get() != 0) {
            Thread.onSpinWait();
        }
        this.task = null;
        Throwable other = failure;
        failure = null;
        if (own != null) {
            rethrow(own);
        }
        if (other != null) {
            rethrow(other);
        }
    }

    private static void rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    private void runChunk(RangeTask job, int worker) {
        if (claimed) {
            runClaims(job, worker);
            return;
        }
        long groups = units(total, unit);
        long from = shareStart(groups, worker) * unit;
        long to = Math.min(total, shareStart(groups, worker + 1) * unit);
        if (from < to) {
            job.run((int) from, (int) to, worker);
        }
    }

    private void runClaims(RangeTask job, int worker) {
        for (long c = take(worker, true); c >= 0; c = take(worker, true)) {
            runClaimedChunk(job, c, worker);
        }
        for (int v = 1; v < threads; v++) {
            int victim = (worker + v) % threads;
            for (long c = take(victim, false); c >= 0; c = take(victim, false)) {
                runClaimedChunk(job, c, worker);
            }
        }
    }

    private void runClaimedChunk(RangeTask job, long c, int worker) {
        long from = c * unit;
        job.run((int) from, (int) Math.min(total, from + unit), worker);
    }

    /**
     * @param fromFront whether to take the share's first chunk (its owner does) or its last (the others do)
     * @return that chunk of {@code owner}'s share, now taken, or -1 when none is left
     */
    private long take(int owner, boolean fromFront) {
        int i = shareIndex(owner);
        while (true) {
            long share = shares.get(i);
            long first = share >>> 32;
            long end = share & 0xFFFF_FFFFL;
            if (first >= end) {
                return -1;
            }
            long rest = fromFront ? (first + 1) << 32 | end : first << 32 | (end - 1);
            if (shares.compareAndSet(i, share, rest)) {
                return fromFront ? first : end - 1;
            }
        }
    }

    private static int shareIndex(int worker) {
        return (worker + 1) * SHARE_STRIDE;
    }

    private void workerLoop(int worker) {
        long seen = 0;
        while (true) {
            long g = waitForJob(worker, seen);
            if (g < 0) {
                return;
            }
            seen = g;
            try {
                runChunk(task, worker);
            } catch (Throwable t) {
                failure = t;
            }
            pending.decrementAndGet();
        }
    }

    private long waitForJob(int worker, long seen) {
        long spinStart = System.nanoTime();
        int spins = 0;
        while (true) {
            long g = generation;
            if (g != seen) {
                return g;
            }
            if (closed) {
                return -1;
            }
            if ((++spins & 63) != 0 || System.nanoTime() - spinStart < SPIN_NANOS) {
                Thread.onSpinWait();
                continue;
            }
            parked.set(worker, true);
            if (generation == seen && !closed) {
                LockSupport.park(this);
            }
            parked.set(worker, false);
            spinStart = System.nanoTime();
        }
    }

    /** Stops the workers; further {@link #run} calls with more than one thread fail. */
    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
        for (Thread t : workers) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Per-worker "is parked" flags with volatile semantics, padded so workers do not share a cache line. */
    private static final class ParkFlags {
        private static final int PAD = 16;
        private final java.util.concurrent.atomic.AtomicIntegerArray flags;

        ParkFlags(int threads) {
            flags = new java.util.concurrent.atomic.AtomicIntegerArray(threads * PAD);
        }

        boolean get(int worker) {
            return flags.get(worker * PAD) != 0;
        }

        void set(int worker, boolean value) {
            flags.set(worker * PAD, value ? 1 : 0);
        }
    }
}
