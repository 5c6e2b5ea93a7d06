package dev.softmax.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.testutil.ForwardingObjective;
import dev.softmax.testutil.GradientCheck;
import dev.softmax.testutil.LeastSquares;
import dev.softmax.testutil.TestProblems;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.inverse.InvertMatrix;

class NewtonCgTest {

    @Test
    void worksAtCifarSizeWhereTheDenseHessianIsRefused() {
        // d = 3072, K = 10 as CIFAR-10, with few random float rows to keep the test fast: the dimension, not n,
        // is what rules out the dense Hessian (30,730^2 doubles = 7.0 GiB).
        int n = 200;
        int d = 3072;
        Random random = new Random(4);
        float[] pixels = new float[n * d];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        int[] labels = random.ints(n, 0, 10).toArray();
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(Nd4j.create(pixels, new long[] {n, d}), labels, 10, 1e-1);
        INDArray start = f.layout().zeros(DataType.FLOAT);
        assertThrows(IllegalStateException.class, () -> new Newton().minimize(f, start, StoppingCriteria.of(3), null));

        OptimizationResult result = new NewtonCg(20, true, 30).minimize(f, start,
                new StoppingCriteria(3, 0, 0, null), null);
        assertEquals(TerminationReason.MAX_ITERATIONS, result.reason());
        assertEquals(DataType.FLOAT, result.solution().dataType());
        for (int k = 1; k < result.history().size(); k++) {
            IterationRecord row = result.history().get(k);
            assertTrue(row.value() < result.history().get(k - 1).value(), "objective decreases");
            assertTrue(row.innerIterations() >= 1 && row.innerIterations() <= 20, "CG steps within the cap");
        }
        assertTrue(result.last().gradientNorm() < 0.2 * result.history().get(0).gradientNorm());
        assertTrue(result.last().hessianVectorProducts() >= 3);
    }

    @Test
    void theTimeLimitCutsAConjugateGradientSolveShort() {
        SoftmaxCrossEntropy f = TestProblems.random(300, 20, 5, 1e-6, 3);
        // Two iterations in, the solve is asked for a tighter residual (eta = sqrt(||g||)) and takes several steps.
        INDArray start = new NewtonCg(100, false, 50).minimize(f, f.layout().zeros(DataType.DOUBLE),
                StoppingCriteria.of(2), null).solution();
        OptimizationResult unlimited = new NewtonCg(100, false, 50).minimize(f, start, StoppingCriteria.of(1), null);
        int fullSolve = unlimited.history().get(1).innerIterations();
        assertTrue(fullSolve > 1, "the first solve takes " + fullSolve + " steps without a limit");

        // Every product takes longer than the whole limit: the solve stops after its first step.
        ForwardingObjective slow = new ForwardingObjective(f) {
            @Override
            public HessianOperator hessianAt(INDArray theta) {
                HessianOperator hessian = f.hessianAt(theta);
                return new HessianOperator() {
                    @Override
                    public INDArray apply(INDArray v) {
                        try {
                            Thread.sleep(300);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        return hessian.apply(v);
                    }

                    @Override
                    public INDArray diagonal() {
                        return hessian.diagonal();
                    }
                };
            }
        };
        OptimizationResult limited = new NewtonCg(100, false, 50).minimize(slow, start,
                new StoppingCriteria(100, 0, 0, java.time.Duration.ofMillis(200)), null);
        assertEquals(TerminationReason.TIME_LIMIT, limited.reason());
        assertEquals(2, limited.history().size(), "the start and one iteration");
        assertEquals(1, limited.history().get(1).innerIterations());
        assertTrue(limited.value() < limited.history().get(0).value(), "the short solve still descends");
    }

    /**
     * Each CG step writes its product and its preconditioned residual into arrays of the solve (the new-array forms
     * would leave native memory for the collector at every step: Fashion-MNIST's default run grew by hundreds of MB).
     */
    @Test
    void conjugateGradientStepsMultiplyAndPreconditionInPlace() {
        SoftmaxCrossEntropy f = TestProblems.random(200, 12, 4, 1e-3, 5);
        ForwardingObjective inPlaceOnly = new ForwardingObjective(f) {
            @Override
            public HessianOperator hessianAt(INDArray theta) {
                HessianOperator hessian = f.hessianAt(theta);
                Preconditioner preconditioner = hessian.preconditioner();
                return new HessianOperator() {
                    @Override
                    public INDArray apply(INDArray v) {
                        throw new AssertionError("a new array for H v");
                    }

                    @Override
                    public INDArray apply(INDArray v, INDArray out) {
                        return hessian.apply(v, out);
                    }

                    @Override
                    public INDArray diagonal() {
                        return hessian.diagonal();
                    }

                    @Override
                    public Preconditioner preconditioner() {
                        return new Preconditioner() {
                            @Override
                            public INDArray apply(INDArray residual) {
                                throw new AssertionError("a new array for M^-1 r");
                            }

                            @Override
                            public INDArray apply(INDArray residual, INDArray out) {
                                return preconditioner.apply(residual, out);
                            }
                        };
                    }
                };
            }
        };
        StoppingCriteria stop = new StoppingCriteria(50, 1e-10, 0, null);
        OptimizationResult inPlace = new NewtonCg().minimize(inPlaceOnly, f.layout().zeros(DataType.DOUBLE), stop,
                null);
        OptimizationResult plain = new NewtonCg().minimize(f, f.layout().zeros(DataType.DOUBLE), stop, null);
        assertTrue(inPlace.converged(), inPlace.reason().toString());
        assertEquals(plain.solution(), inPlace.solution(), "the same iterates");
        assertEquals(plain.last().hessianVectorProducts(), inPlace.last().hessianVectorProducts());
    }

    /**
     * When CG's direction is no descent (QA: float32 with lambda near 0 on iris, where rounding did it, the run ended
     * LINE_SEARCH_FAILED 9% above the optimum), the iteration tries the gradient before the run gives up. Here an
     * operator and a preconditioner of the wrong sign make CG's first step, which it returns on negative curvature,
     * an ascent.
     */
    @Test
    void aDirectionThatIsNoDescentGetsAGradientStepBeforeTheRunGivesUp() {
        SoftmaxCrossEntropy f = TestProblems.iris(1e-2);
        ForwardingObjective wrongSign = new ForwardingObjective(f) {
            @Override
            public HessianOperator hessianAt(INDArray theta) {
                HessianOperator hessian = f.hessianAt(theta);
                return new HessianOperator() {
                    @Override
                    public INDArray apply(INDArray v) {
                        return hessian.apply(v).neg();
                    }

                    @Override
                    public INDArray diagonal() {
                        return hessian.diagonal().neg();
                    }

                    @Override
                    public Preconditioner preconditioner() {
                        return residual -> residual.neg();
                    }
                };
            }
        };
        OptimizationResult result = new NewtonCg(1, true, 50).minimize(wrongSign, f.layout().zeros(DataType.DOUBLE),
                StoppingCriteria.of(5), null);
        assertEquals(TerminationReason.MAX_ITERATIONS, result.reason());
        for (int k = 1; k < result.history().size(); k++) {
            assertTrue(result.history().get(k).value() < result.history().get(k - 1).value(), "descends at " + k);
        }
    }

    @Test
    void respectsTheCgCapAndStillConverges() {
        SoftmaxCrossEntropy iris = TestProblems.iris(1e-2);
        OptimizationResult result = new NewtonCg(2, false, 50).minimize(iris, iris.layout().zeros(DataType.DOUBLE),
                new StoppingCriteria(500, 1e-8, 0, null), null);
        assertTrue(result.converged(), result.reason().toString());
        for (IterationRecord row : result.history()) {
            assertTrue(row.innerIterations() <= 2);
        }
        assertEquals(result.history().stream().mapToLong(IterationRecord::innerIterations).sum(),
                result.last().hessianVectorProducts(), "every CG step is one Hessian-vector product");
    }

    @Test
    void preconditioningDoesNotChangeTheAnswer() {
        SoftmaxCrossEntropy f = TestProblems.random(300, 6, 4, 5e-3, 11);
        INDArray start = f.layout().zeros(DataType.DOUBLE);
        StoppingCriteria stop = new StoppingCriteria(100, 1e-9, 0, null);
        OptimizationResult plain = new NewtonCg(100, false, 50).minimize(f, start, stop, null);
        // Softmax with d = 6 preconditions with the Kronecker-factored eigenbasis.
        OptimizationResult kronecker = new NewtonCg(100, true, 50).minimize(f, start, stop, null);
        assertTrue(plain.converged() && kronecker.converged());
        assertEquals(plain.value(), kronecker.value(), 1e-12);
        assertTrue(kronecker.last().hessianVectorProducts() < plain.last().hessianVectorProducts(),
                kronecker.last().hessianVectorProducts() + " products with it, " + plain.last().hessianVectorProducts()
                        + " without");
        assertThrows(IllegalArgumentException.class, () -> new NewtonCg(0, true, 5));
    }

    @Test
    void jacobiDividesByTheFlooredDiagonal() {
        INDArray diagonal = Nd4j.createFromArray(4.0, 0.0, 1e-12, 0.5, -3.0);
        INDArray diagonalBefore = diagonal.dup();
        Preconditioner jacobi = Preconditioner.jacobi(diagonal);
        assertEquals(diagonalBefore, diagonal, "diagonal not mutated");
        INDArray r = Nd4j.createFromArray(1.0, 2.0, -3.0, 4.0, 5.0);
        INDArray rBefore = r.dup();
        double floor = 1e-10 * 4.0;
        double[] expected = {1.0 / 4.0, 2.0 / floor, -3.0 / floor, 4.0 / 0.5, 5.0 / floor};
        INDArray z = jacobi.apply(r);
        assertEquals(rBefore, r, "residual not mutated");
        assertEquals(DataType.DOUBLE, z.dataType());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], z.getDouble(i), 1e-15 * Math.abs(expected[i]));
        }
        INDArray zFloat = jacobi.apply(r.castTo(DataType.FLOAT));
        assertEquals(DataType.FLOAT, zFloat.dataType(), "answers in the residual's type");
        assertEquals(expected[3], zFloat.getDouble(3), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> jacobi.apply(Nd4j.zeros(DataType.DOUBLE, 4)));

        // The default HessianOperator.preconditioner() is Jacobi on diagonal(), floor included.
        INDArray operatorDiagonal = Nd4j.createFromArray(2.0, 0.0, 4.0, 1e-14);
        HessianOperator operator = new HessianOperator() {
            @Override
            public INDArray apply(INDArray v) {
                return v.mul(operatorDiagonal);
            }

            @Override
            public INDArray diagonal() {
                return operatorDiagonal.dup();
            }
        };
        INDArray ones = Nd4j.ones(DataType.DOUBLE, 4);
        assertEquals(Preconditioner.jacobi(operatorDiagonal).apply(ones), operator.preconditioner().apply(ones));
    }

    @Test
    void softmaxUsesTheKroneckerPreconditionerUpToItsFeatureLimitAndJacobiAbove() {
        for (int d : new int[] {3, SoftmaxCrossEntropy.KRONECKER_MAX_FEATURES}) {
            SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(TestProblems.randomFeatures(20, d, 1.0, 5, DataType.DOUBLE),
                    TestProblems.randomLabels(20, 3, 6), 3, 0.1);
            HessianOperator h = f.hessianAt(TestProblems.randomPoint(f, 0.5, 7));
            Preconditioner preconditioner = h.preconditioner();
            INDArray v = TestProblems.randomPoint(f, 1.0, 8);
            if (d + 1 <= SoftmaxCrossEntropy.KRONECKER_MAX_FEATURES) {
                assertTrue(preconditioner instanceof dev.softmax.loss.KroneckerPreconditioner, "d = " + d);
            } else {
                assertEquals(Preconditioner.jacobi(h.diagonal()).apply(v), preconditioner.apply(v), "d = " + d);
            }
        }
    }

    /** A strongly correlated ridge regression: its Hessian is far from diagonal, so Jacobi is far from exact. */
    private static LeastSquares correlatedQuadratic() {
        Random random = new Random(9);
        int n = 100;
        int m = 6;
        double[] a = new double[n * m];
        for (int i = 0; i < n; i++) {
            double common = random.nextGaussian();
            for (int j = 0; j < m; j++) {
                a[i * m + j] = (j + 1) * (common + 0.3 * random.nextGaussian());
            }
        }
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = random.nextGaussian();
        }
        return new LeastSquares(Nd4j.create(a, new long[] {n, m}, DataType.DOUBLE),
                Nd4j.create(b, new long[] {n, 1}, DataType.DOUBLE), 1e-3);
    }

    /** The quadratic with {@code preconditioner()} replaced by {@code factory(H)}, counting the calls. */
    private static TwiceDifferentiableObjective withPreconditioner(LeastSquares q,
                                                                   Function<INDArray, Preconditioner> factory,
                                                                   AtomicInteger calls) {
        return new ForwardingObjective(q) {
            @Override
            public HessianOperator hessianAt(INDArray theta) {
                HessianOperator h = q.hessianAt(theta);
                INDArray dense = q.hessian(theta);
                return new HessianOperator() {
                    @Override
                    public INDArray apply(INDArray v) {
                        return h.apply(v);
                    }

                    @Override
                    public INDArray diagonal() {
                        return h.diagonal();
                    }

                    @Override
                    public Preconditioner preconditioner() {
                        calls.incrementAndGet();
                        return factory.apply(dense);
                    }
                };
            }
        };
    }

    @Test
    void anExactPreconditionerSolvesEachNewtonSystemInOneCgStep() {
        LeastSquares q = correlatedQuadratic();
        INDArray start = Nd4j.zeros(DataType.DOUBLE, q.dimension());
        StoppingCriteria stop = new StoppingCriteria(20, 1e-10, 0, null);
        AtomicInteger calls = new AtomicInteger();
        TwiceDifferentiableObjective exact = withPreconditioner(q, h -> {
            INDArray inverse = InvertMatrix.invert(h, false);
            return r -> inverse.mmul(r.reshape(r.length(), 1)).reshape(r.length());
        }, calls);
        OptimizationResult result = new NewtonCg().minimize(exact, start, stop, null);
        assertTrue(result.converged(), result.reason().toString());
        assertTrue(GradientCheck.maxRelativeError(result.solution(), q.minimiser(), 1e-6) < 1e-8);
        for (IterationRecord row : result.history().subList(1, result.history().size())) {
            assertEquals(1, row.innerIterations(), "one CG step with H^{-1} as the preconditioner");
        }
        assertEquals(result.iterations(), calls.get(), "preconditioner() once per outer iteration");

        // The same problem with the default (Jacobi) and without preconditioning needs more CG steps, so the
        // one step above is the preconditioner's doing.
        OptimizationResult jacobi = new NewtonCg().minimize(q, start, stop, null);
        assertTrue(jacobi.history().get(1).innerIterations() > 1, "Jacobi: " + jacobi.history().get(1));
        AtomicInteger unused = new AtomicInteger();
        OptimizationResult plain = new NewtonCg(100, false, 50).minimize(withPreconditioner(q, h -> {
            throw new AssertionError("precondition = false must not build a preconditioner");
        }, unused), start, stop, null);
        assertTrue(plain.converged() && plain.history().get(1).innerIterations() > 1);
        assertEquals(0, unused.get());
    }
}
