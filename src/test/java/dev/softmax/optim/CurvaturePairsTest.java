package dev.softmax.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.testutil.TestProblems;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CurvaturePairsTest {

    private static INDArray unit(int n, int j) {
        INDArray e = Nd4j.zeros(DataType.DOUBLE, n);
        e.putScalar(j, 1.0);
        return e;
    }

    /**
     * Pairs {@code (e_j, a_j e_j)} of {@code A = diag(a)} are {@code A}-conjugate, so the BFGS updates of the
     * identity by the kept ones give {@code 1/a_j} on those axes and leave the others alone: which axes are kept
     * shows the sampling. 32 steps with room for 4 keep steps 0, 8, 16 and 24.
     */
    @Test
    void keepsEvenlySpreadPairsAndInvertsTheCurvatureAlongThem() {
        int n = 40;
        double[] a = new double[n];
        for (int j = 0; j < n; j++) {
            a[j] = 2.0 + j;
        }
        CurvaturePairs pairs = new CurvaturePairs(4);
        Preconditioner identity = INDArray::dup;
        assertSame(identity, pairs.refine(identity), "no pairs before the first solve");
        pairs.startSolve(Nd4j.zeros(DataType.DOUBLE, n));
        for (int step = 0; step < 32; step++) {
            pairs.offer(unit(n, step), unit(n, step).muli(a[step]), a[step]);
        }
        pairs.endSolve();
        assertEquals(4, pairs.count());
        Preconditioner refined = pairs.refine(identity);
        Set<Integer> kept = Set.of(0, 8, 16, 24);
        for (int j = 0; j < n; j++) {
            INDArray expected = unit(n, j).muli(kept.contains(j) ? 1.0 / a[j] : 1.0);
            INDArray got = refined.apply(unit(n, j));
            assertEquals(0.0, got.sub(expected).norm2Number().doubleValue(), 1e-14, "axis " + j);
        }
    }

    /** A short solve keeps all its pairs; a new solve replaces them, and a step without curvature is skipped. */
    @Test
    void aShortSolveKeepsEveryPairAndTheNextReplacesThem() {
        int n = 6;
        CurvaturePairs pairs = new CurvaturePairs(8);
        pairs.startSolve(Nd4j.zeros(DataType.DOUBLE, n));
        pairs.offer(unit(n, 0), unit(n, 0).muli(4), 4);
        pairs.offer(unit(n, 1), unit(n, 1).muli(-1), -1);
        pairs.offer(unit(n, 2), unit(n, 2).muli(5), 5);
        pairs.endSolve();
        assertEquals(2, pairs.count());
        Preconditioner refined = pairs.refine(INDArray::dup);
        assertEquals(0.25, refined.apply(unit(n, 0)).getDouble(0), 1e-15);
        assertEquals(1.0, refined.apply(unit(n, 1)).getDouble(1), 1e-15);
        assertEquals(0.2, refined.apply(unit(n, 2)).getDouble(2), 1e-15);

        pairs.startSolve(Nd4j.zeros(DataType.DOUBLE, n));
        pairs.offer(unit(n, 3), unit(n, 3).muli(10), 10);
        pairs.endSolve();
        assertEquals(1, pairs.count());
        refined = pairs.refine(INDArray::dup);
        assertEquals(1.0, refined.apply(unit(n, 0)).getDouble(0), 1e-15, "the earlier solve's pairs are gone");
        assertEquals(0.1, refined.apply(unit(n, 3)).getDouble(3), 1e-15);
    }

    /**
     * With a symmetric positive definite base and pairs of a dense SPD matrix, the refined map is symmetric,
     * positive definite and meets the secant condition {@code M y = s} for the last pair.
     */
    @Test
    void theRefinedPreconditionerIsSymmetricPositiveDefiniteAndSecant() {
        int n = 12;
        Nd4j.getRandom().setSeed(5);
        INDArray b = Nd4j.rand(DataType.DOUBLE, n, n).subi(0.5);
        INDArray spd = b.mmul(b.transpose()).addi(Nd4j.eye(n).muli(0.5));
        INDArray baseDiagonal = Nd4j.rand(DataType.DOUBLE, n).addi(0.5);
        Preconditioner base = r -> r.mul(baseDiagonal);
        CurvaturePairs pairs = new CurvaturePairs(5);
        pairs.startSolve(Nd4j.zeros(DataType.DOUBLE, n));
        INDArray last = null;
        for (int i = 0; i < 5; i++) {
            INDArray s = Nd4j.rand(DataType.DOUBLE, n).subi(0.5);
            INDArray y = spd.mmul(s.reshape(n, 1)).reshape(n);
            pairs.offer(s, y, s.mul(y).sumNumber().doubleValue());
            last = s;
        }
        pairs.endSolve();
        Preconditioner m = pairs.refine(base);
        INDArray dense = Nd4j.zeros(DataType.DOUBLE, n, n);
        for (int j = 0; j < n; j++) {
            dense.putColumn(j, m.apply(unit(n, j)).reshape(n, 1));
        }
        assertEquals(0.0, dense.sub(dense.transpose()).norm2Number().doubleValue(), 1e-10, "symmetric");
        for (int t = 0; t < 20; t++) {
            INDArray v = Nd4j.rand(DataType.DOUBLE, n).subi(0.5);
            assertTrue(v.mul(m.apply(v)).sumNumber().doubleValue() > 0, "positive definite");
        }
        INDArray secant = m.apply(spd.mmul(last.reshape(n, 1)).reshape(n));
        assertEquals(0.0, secant.sub(last).norm2Number().doubleValue(), 1e-10 * last.norm2Number().doubleValue());

        // Conjugate gradient's in-place form: the same values into its array, call after call, the input kept.
        INDArray out = Nd4j.zeros(DataType.DOUBLE, n);
        for (int j = 0; j < 3; j++) {
            INDArray r = unit(n, j).addi(0.25);
            assertTrue(out == m.apply(r, out));
            assertEquals(dense.getColumn(j).add(dense.sum(1).muli(0.25)), out);
            assertEquals(unit(n, j).addi(0.25), r, "the residual is not mutated");
        }
    }

    @Test
    void newtonCgWithAndWithoutPairsReachesTheSameOptimum() {
        SoftmaxCrossEntropy f = TestProblems.random(400, 8, 5, 1e-3, 21);
        INDArray start = f.layout().zeros(DataType.DOUBLE);
        StoppingCriteria stop = new StoppingCriteria(100, 1e-10, 0, null);
        OptimizationResult without = new NewtonCg(100, true, 50, 0).minimize(f, start, stop, null);
        OptimizationResult with = new NewtonCg(100, true, 50, 8).minimize(f, start, stop, null);
        assertTrue(without.converged() && with.converged());
        assertEquals(without.value(), with.value(), 1e-12);
        assertEquals(0.0, without.solution().sub(with.solution()).norm2Number().doubleValue(), 1e-6);
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new CurvaturePairs(0));
        assertThrows(IllegalArgumentException.class, () -> new NewtonCg(100, true, 50, -1));
        assertThrows(IllegalArgumentException.class, () -> new NewtonCg(100, false, 50, 4));
        new NewtonCg(100, false, 50, 0);
    }
}
