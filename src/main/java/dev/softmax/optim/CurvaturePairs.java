package dev.softmax.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Curvature pairs {@code (s, y = H s)} sampled from one conjugate-gradient solve, which refine the preconditioner of
 * the next solve with limited-memory BFGS updates (Morales and Nocedal, "Automatic Preconditioning by Limited
 * Memory Quasi-Newton Updating", SIAM J. Optim. 10(4), 2000): {@link #refine} returns the inverse of the BFGS update
 * of {@code M} by the pairs, applied with the two-loop recursion, {@code M^{-1}} the objective's own preconditioner.
 * The search directions of CG are {@code H}-conjugate, so each pair adds curvature the others lack; near the optimum
 * the Hessian changes little from one Newton iteration to the next, and the directions that slowed one solve down
 * are preconditioned in the next.
 *
 * <p>A solve offers every CG step's pair ({@link #offer}); the pairs are kept at a regular spacing that doubles
 * whenever {@code 2 m} are held, so that after the solve {@code m} of them, spread evenly over all its steps, are
 * kept ({@link #endSolve}). The paper found even spacing better than the last {@code m}; so did a trial on
 * Fashion-MNIST ({@code lambda = 1e-4}, to within 1e-6 of the optimum, the Kronecker-factored preconditioner): 203
 * Hessian-vector products with 8 evenly spread pairs, 222 with the last 8, 217 with 4, 196 with 16, 267 without.
 * Over three values of {@code lambda} (the README's table) the pairs took fewer products per outer iteration, but
 * not always fewer to a given gap, and on a synthetic problem with the Jacobi preconditioner they took twice as many
 * (366 against 163), which is why {@link NewtonCg} uses none unless asked.
 *
 * <p>All vectors are allocated once, on the first solve, in the gradient's type and shape: {@code 6 m} of them.
 * Not thread-safe; one instance serves one optimisation.
 */
final class CurvaturePairs {

    private final int size;
    /** The pairs the next {@link #refine} uses, and their {@code 1 / (y . s)}. */
    private INDArray[] s;
    private INDArray[] y;
    private final double[] inverseCurvature;
    private int count;
    /** The current solve's samples: {@code 2 m} slots. */
    private INDArray[] sampledS;
    private INDArray[] sampledY;
    private final double[] sampledCurvature;
    private int sampled;
    private int spacing;
    private int step;

    /** @param size pairs kept between solves, {@code >= 1} */
    CurvaturePairs(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be >= 1, got " + size);
        }
        this.size = size;
        inverseCurvature = new double[size];
        sampledCurvature = new double[2 * size];
    }

    /**
     * {@code base} refined by the pairs of the previous solve: the inverse of the BFGS update of {@code base^{-1}}
     * by each pair in turn, symmetric positive definite when {@code base} is (every pair has {@code y . s > 0}).
     * With no pairs yet, {@code base} itself. The returned map holds the pairs by reference: use it before the
     * next {@link #endSolve}.
     */
    Preconditioner refine(Preconditioner base) {
        if (count == 0) {
            return base;
        }
        int pairs = count;
        double[] alpha = new double[pairs];
        return new Preconditioner() {
            /** The two-loop recursion's first vector, kept for the solve as conjugate gradient's own arrays are. */
            private INDArray q;

            @Override
            public INDArray apply(INDArray residual) {
                return apply(residual, residual.ulike());
            }

            @Override
            public INDArray apply(INDArray residual, INDArray out) {
                if (q == null || q.dataType() != residual.dataType() || q.length() != residual.length()) {
                    q = residual.dup();
                } else {
                    q.assign(residual);
                }
                for (int i = pairs - 1; i >= 0; i--) {
                    alpha[i] = inverseCurvature[i] * Vectors.dot(s[i], q);
                    Vectors.axpy(-alpha[i], y[i], q);
                }
                INDArray z = base.apply(q, out);
                for (int i = 0; i < pairs; i++) {
                    double beta = inverseCurvature[i] * Vectors.dot(y[i], z);
                    Vectors.axpy(alpha[i] - beta, s[i], z);
                }
                return z;
            }
        };
    }

    /** Starts sampling a new solve whose vectors are shaped like {@code like}. */
    void startSolve(INDArray like) {
        if (sampledS == null) {
            s = new INDArray[size];
            y = new INDArray[size];
            sampledS = new INDArray[2 * size];
            sampledY = new INDArray[2 * size];
            for (int i = 0; i < size; i++) {
                s[i] = like.ulike();
                y[i] = like.ulike();
            }
            for (int i = 0; i < 2 * size; i++) {
                sampledS[i] = like.ulike();
                sampledY[i] = like.ulike();
            }
        }
        sampled = 0;
        spacing = 1;
        step = 0;
    }

    /**
     * Offers one CG step's direction {@code d} and product {@code hd = H d} with {@code curvature = d . hd}; both are
     * copied if kept. Pairs without positive finite curvature are skipped.
     */
    void offer(INDArray d, INDArray hd, double curvature) {
        if (step++ % spacing != 0 || !(curvature > 0) || Double.isInfinite(curvature)) {
            return;
        }
        if (sampled == 2 * size) {
            // Keep every other sample and double the spacing; the dropped slots are reused.
            for (int i = 0; i < size; i++) {
                swap(sampledS, i, 2 * i);
                swap(sampledY, i, 2 * i);
                sampledCurvature[i] = sampledCurvature[2 * i];
            }
            sampled = size;
            spacing *= 2;
            if ((step - 1) % spacing != 0) {
                return;
            }
        }
        sampledS[sampled].assign(d);
        sampledY[sampled].assign(hd);
        sampledCurvature[sampled] = curvature;
        sampled++;
    }

    /** Ends the solve: up to {@code m} of its samples, evenly spread, become the pairs of the next {@link #refine}. */
    void endSolve() {
        count = Math.min(size, sampled);
        for (int i = 0; i < count; i++) {
            int from = (int) ((long) i * sampled / count);
            s[i].assign(sampledS[from]);
            y[i].assign(sampledY[from]);
            inverseCurvature[i] = 1.0 / sampledCurvature[from];
        }
    }

    /** Pairs the next {@link #refine} uses. */
    int count() {
        return count;
    }

    private static void swap(INDArray[] slots, int i, int j) {
        INDArray kept = slots[j];
        slots[j] = slots[i];
        slots[i] = kept;
    }
}
