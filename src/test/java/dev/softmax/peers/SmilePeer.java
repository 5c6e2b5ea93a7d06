package dev.softmax.peers;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;

/**
 * Smile's multinomial logistic regression and its L-BFGS, driven by reflection.
 *
 * <p>Why reflection: Smile is a test dependency of the {@code peers} Maven profile only (it is GPL-3.0, and
 * the default build should not download it), so this class must compile without it. It supports Smile 3.x,
 * whose {@code LogisticRegression.multinomial(double[][], int[], double lambda, double tol, int maxIter)} runs
 * {@code BFGS.minimize(objective, 5, w, tol, maxIter)} (L-BFGS with 5 pairs) on the package-private
 * {@code LogisticRegression$MultinomialObjective}.
 *
 * <p>Smile's objective is {@code F(w) = sum_i -log p_i(y_i) + lambda_smile/2 ||W'||^2} over {@code K-1} weight
 * rows (the last class is the reference, logit 0), bias not penalised. Its {@code F/n} equals our mean objective
 * restricted to a zero last column ({@link ReferenceClassObjective}) when {@code lambda_smile = n lambda}.
 *
 * <p>Threads: Smile parallelises the objective with parallel streams over blocks of 1000 rows. Run from a task
 * of a dedicated {@link ForkJoinPool}, those streams use that pool, which fixes Smile's thread count without
 * touching the common pool.
 */
final class SmilePeer {

    private static final String BFGS = "smile.math.BFGS";
    private static final String FUNCTION = "smile.math.DifferentiableMultivariateFunction";
    private static final String LOGISTIC = "smile.classification.LogisticRegression";
    private static final String OBJECTIVE = "smile.classification.LogisticRegression$MultinomialObjective";

    /** L-BFGS memory that {@code LogisticRegression.multinomial} uses. */
    static final int HISTORY = 5;

    private SmilePeer() {
    }

    /** Whether Smile 3.x is on the class path (the {@code peers} profile puts it there). */
    static boolean available() {
        try {
            Class.forName(BFGS);
            Class.forName(OBJECTIVE);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** Smile's version from its jar manifest, or "unknown". */
    static String version() {
        try {
            String version = Class.forName(LOGISTIC).getPackage().getImplementationVersion();
            return version == null ? "unknown" : version;
        } catch (ClassNotFoundException e) {
            return "absent";
        }
    }

    /** Result of {@link #fitIterations}: wall time and Smile's final {@code F / n}. */
    record Fit(double seconds, double meanObjective) {
    }

    /**
     * Times the public API, {@code LogisticRegression.multinomial(x, y, lambdaSmile, tol, iterations)}, as a user
     * calls it; with a tiny {@code tol} it runs all {@code iterations} unless L-BFGS stalls first.
     */
    static Fit fitIterations(double[][] x, int[] y, double lambdaSmile, int iterations, int threads)
            throws Exception {
        Method multinomial = Class.forName(LOGISTIC).getMethod("multinomial", double[][].class, int[].class,
                double.class, double.class, int.class);
        return inPool(threads, () -> {
            long start = System.nanoTime();
            Object model = invoke(multinomial, null, x, y, lambdaSmile, 1e-300, iterations);
            double seconds = (System.nanoTime() - start) / 1e9;
            double logLikelihood = (double) model.getClass().getMethod("loglikelihood").invoke(model);
            // loglikelihood() is -F at the solution (penalty included), see LogisticRegression.multinomial.
            return new Fit(seconds, -logLikelihood / x.length);
        });
    }

    /** Result of {@link #timeToTarget}. */
    record Trace(boolean reached, double secondsToTarget, long evaluationsToTarget, long evaluations,
                 double bestMeanObjective, double seconds) {
    }

    /**
     * Runs Smile's L-BFGS exactly as {@code multinomial} does (zero start, 5 pairs) until an evaluation of
     * {@code F/n} is at or below {@code target}, or {@code maxSeconds} pass. Every call of the objective's
     * {@code f} and {@code g} is recorded through a proxy that only reads the value Smile computed anyway; the run
     * is ended by an exception from the proxy.
     *
     * @param x           rows of features, as Smile takes them
     * @param y           labels in {@code [0,K)}
     * @param classes     {@code K}
     * @param lambdaSmile Smile's penalty, {@code n lambda}
     * @param target      the mean objective to reach
     * @param maxSeconds  the time limit
     * @param threads     the size of the pool Smile's parallel streams run in
     */
    static Trace timeToTarget(double[][] x, int[] y, int classes, double lambdaSmile, double target,
                              double maxSeconds, int threads) throws Exception {
        Class<?> functionType = Class.forName(FUNCTION);
        Constructor<?> constructor = Class.forName(OBJECTIVE)
                .getDeclaredConstructor(double[][].class, int[].class, int.class, double.class);
        constructor.setAccessible(true);
        Method minimize = Class.forName(BFGS).getMethod("minimize", functionType, int.class, double[].class,
                double.class, int.class);
        int n = x.length;
        return inPool(threads, () -> {
            Object objective = constructor.newInstance(x, y, classes, lambdaSmile);
            Recorder recorder = new Recorder(objective, n, target, maxSeconds);
            Object proxy = Proxy.newProxyInstance(functionType.getClassLoader(), new Class<?>[] {functionType},
                    recorder);
            double[] w = new double[(classes - 1) * (x[0].length + 1)];
            recorder.start = System.nanoTime();
            try {
                invoke(minimize, null, proxy, HISTORY, w, 1e-300, 1_000_000);
            } catch (Stop stop) {
                // the target was reached or the time ran out
            }
            double seconds = (System.nanoTime() - recorder.start) / 1e9;
            return new Trace(recorder.reachedAt >= 0, recorder.reachedAt / 1e9, recorder.reachedEvaluations,
                    recorder.evaluations, recorder.best, seconds);
        });
    }

    /** Ends a Smile run from inside its objective. */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
        }
    }

    /** Delegates {@code f} and {@code g} to Smile's objective and records each value. */
    private static final class Recorder implements InvocationHandler {
        private final Object objective;
        private final int n;
        private final double target;
        private final double maxSeconds;
        long start;
        long evaluations;
        long reachedAt = -1;
        long reachedEvaluations = -1;
        double best = Double.POSITIVE_INFINITY;

        Recorder(Object objective, int n, double target, double maxSeconds) {
            this.objective = objective;
            this.n = n;
            this.target = target;
            this.maxSeconds = maxSeconds;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            boolean evaluation = (name.equals("f") && args.length == 1) || (name.equals("g") && args.length == 2);
            if (!evaluation) {
                // apply, applyAsDouble and friends: the interface's defaults, which call f.
                return method.isDefault() ? InvocationHandler.invokeDefault(proxy, method, args)
                        : SmilePeer.invoke(method, objective, args);
            }
            double value = (double) SmilePeer.invoke(method, objective, args);
            long now = System.nanoTime() - start;
            evaluations++;
            double mean = value / n;
            best = Math.min(best, mean);
            if (mean <= target) {
                reachedAt = now;
                reachedEvaluations = evaluations;
                throw new Stop();
            }
            if (now / 1e9 > maxSeconds) {
                throw new Stop();
            }
            return value;
        }
    }

    /** {@link Method#invoke} that rethrows what the method threw, unwrapped. */
    private static Object invoke(Method method, Object target, Object... args) throws Exception {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        }
    }

    /** Runs {@code task} in a fresh pool of {@code threads} workers, so Smile's parallel streams use that pool. */
    private static <T> T inPool(int threads, Callable<T> task) throws Exception {
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            return pool.submit(task).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        } finally {
            pool.shutdown();
        }
    }
}
