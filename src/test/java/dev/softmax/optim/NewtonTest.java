package dev.softmax.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.data.Dataset;
import dev.softmax.data.FeatureScaler;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.testutil.ForwardingObjective;
import dev.softmax.testutil.TestProblems;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class NewtonTest {

    @Test
    void convergesQuadraticallyOnIrisWithinFifteenIterations() {
        SoftmaxCrossEntropy iris = TestProblems.iris(1e-2);
        OptimizationResult result = new Newton().minimize(iris, iris.layout().zeros(DataType.DOUBLE),
                new StoppingCriteria(100, 1e-10, 0, null), IterationListener.NONE);
        assertEquals(TerminationReason.GRADIENT_TOLERANCE, result.reason());
        assertTrue(result.iterations() <= 15, "iterations: " + result.iterations());
        // Near the optimum the gradient norm roughly squares: g_{k+1} <= C g_k^2 with a moderate C (about 20 here),
        // i.e. log g_{k+1} / log g_k approaches 2. Count the steps that show it, above the rounding floor.
        List<IterationRecord> history = result.history();
        int quadraticSteps = 0;
        for (int k = 1; k + 1 < history.size(); k++) {
            double g = history.get(k).gradientNorm();
            double next = history.get(k + 1).gradientNorm();
            if (g < 1e-2) {
                assertTrue(next <= 100 * g * g, "step " + k + ": " + g + " -> " + next);
                if (g < 1e-3 && next > 1e-14) {
                    assertTrue(Math.log(next) / Math.log(g) > 1.5, "step " + k + ": " + g + " -> " + next);
                }
                quadraticSteps++;
            }
        }
        assertTrue(quadraticSteps >= 2, "quadratic phase too short: " + history);
        // Full steps throughout, one Hessian and one value-and-gradient per iteration.
        for (IterationRecord row : history.subList(1, history.size())) {
            assertEquals(1.0, row.stepSize());
            assertEquals(1, row.innerIterations());
        }
        assertEquals(result.iterations(), result.last().hessianVectorProducts());
    }

    @Test
    void reachesTheOptimumOnFeaturesOfVeryDifferentScales() {
        // Columns scaled by 1e6, 1e-3, 1 and 1e3, the first offset by 5e6, left unscaled. Until 2026-12-03 Newton damped
        // every direction by 1e-3 ||g|| (floored at 1e-12 of the largest curvature, here about 6 against lambda's
        // 0.01), and stopped 15% above the optimum after 327 iterations, calling it converged.
        Dataset data = TestProblems.randomData(400, 4, 3, 5);
        INDArray x = data.features().dup();
        double[] scale = {1e6, 1e-3, 1, 1e3};
        double[] offset = {5e6, 0, 0, -2e3};
        for (int j = 0; j < 4; j++) {
            x.getColumn(j).muli(scale[j]).addi(offset[j]);
        }
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(x, data.labels(), 3, 1e-2);
        OptimizationResult newton = new Newton().minimize(f, f.layout().zeros(DataType.DOUBLE),
                new StoppingCriteria(100, 1e-12, 0, null), IterationListener.NONE);
        OptimizationResult reference = new NewtonCg().minimize(f, f.layout().zeros(DataType.DOUBLE),
                new StoppingCriteria(2000, 1e-13, 0, null), IterationListener.NONE);
        assertTrue(newton.iterations() <= 15, "iterations: " + newton.iterations());
        assertEquals(reference.value(), newton.value(), 1e-12 * reference.value(),
                "newton " + newton.reason() + " against newton-cg " + reference.reason());
        // Tiny and no regularisation, in float too: each row of W's shift got curvature of 10^13 next to its own
        // 10^-8 (or none), and float32's rounding noise along it was multiplied by 1/lambda (QA: 5% and 69% above
        // the optimum, 'converged').
        for (double lambda : new double[] {1e-8, 0}) {
            SoftmaxCrossEntropy doubles = new SoftmaxCrossEntropy(x, data.labels(), 3, lambda);
            SoftmaxCrossEntropy floats = new SoftmaxCrossEntropy(x.castTo(DataType.FLOAT), data.labels(), 3, lambda);
            OptimizationResult d = new Newton().minimize(doubles, doubles.layout().zeros(DataType.DOUBLE),
                    StoppingCriteria.of(100), IterationListener.NONE);
            OptimizationResult f32 = new Newton().minimize(floats, floats.layout().zeros(DataType.FLOAT),
                    StoppingCriteria.of(100), IterationListener.NONE);
            OptimizationResult cg = new NewtonCg().minimize(doubles, doubles.layout().zeros(DataType.DOUBLE),
                    new StoppingCriteria(5000, 1e-12, 0, null), IterationListener.NONE);
            assertTrue(d.iterations() <= 15 && f32.iterations() <= 15, d.iterations() + ", " + f32.iterations());
            assertEquals(cg.value(), d.value(), 1e-6 * cg.value(), "lambda " + lambda + ": " + cg.reason());
            assertEquals(d.value(), doubles.value(f32.solution().castTo(DataType.DOUBLE)), 1e-6 * d.value(),
                    "float32's weights, evaluated in double, lambda " + lambda);
        }
    }

    @Test
    void eachStepIsTheExactNewtonStepWithNothingAlongTheBiasShift() {
        // Independent of how the solve treats the singular direction: -(H + u u^T)^-1 g by a general inverse, with
        // u the normalised bias shift (g is orthogonal to it, so the step has no component along it).
        SoftmaxCrossEntropy f = TestProblems.random(300, 5, 4, 1e-2, 31);
        INDArray start = TestProblems.randomVector(f.dimension(), 0.3, 37, DataType.DOUBLE);
        INDArray hessian = f.hessian(start);
        INDArray u = org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, f.dimension(), 1);
        for (int c = 0; c < 4; c++) {
            u.putScalar(5L * 4 + c, 0, 0.5);
        }
        INDArray completed = hessian.add(u.mmul(u.transpose()));
        INDArray gradient = f.valueAndGradient(start).gradient().reshape(f.dimension(), 1);
        INDArray exact = org.nd4j.linalg.factory.Nd4j.createFromArray(gaussianSolve(completed.toDoubleMatrix(),
                gradient.reshape(f.dimension()).toDoubleVector())).neg();
        OptimizationResult one = new Newton().minimize(f, start, new StoppingCriteria(1, 0, 0, null), null);
        assertEquals(1.0, one.last().stepSize(), "a full step");
        INDArray step = one.solution().sub(start);
        assertTrue(step.sub(exact).norm2Number().doubleValue() < 1e-9 * exact.norm2Number().doubleValue(),
                step + " against " + exact);
    }

    /** {@code a^-1 b} by Gaussian elimination with partial pivoting: plain Java, no LAPACK. */
    private static double[] gaussianSolve(double[][] a, double[] b) {
        int n = b.length;
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            double[] row = a[col];
            a[col] = a[pivot];
            a[pivot] = row;
            double value = b[col];
            b[col] = b[pivot];
            b[pivot] = value;
            for (int r = col + 1; r < n; r++) {
                double factor = a[r][col] / a[col][col];
                for (int c = col; c < n; c++) {
                    a[r][c] -= factor * a[col][c];
                }
                b[r] -= factor * b[col];
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double sum = b[r];
            for (int c = r + 1; c < n; c++) {
                sum -= a[r][c] * x[c];
            }
            x[r] = sum / a[r][r];
        }
        return x;
    }

    @Test
    void convergesFastWithAHessianOfHundredsOfRows() {
        // 31 x 8 = 248 parameters: OpenBLAS 0.3.19's dpotrf wrongly refused such Hessians on an Intel AVX-512 core,
        // and Newton then damped its steps into a crawl (the Java Cholesky fallback takes over there).
        SoftmaxCrossEntropy f = TestProblems.random(2000, 30, 8, 1e-2, 17);
        OptimizationResult result = new Newton().minimize(f, f.layout().zeros(DataType.DOUBLE),
                new StoppingCriteria(100, 1e-10, 0, null), IterationListener.NONE);
        assertEquals(TerminationReason.GRADIENT_TOLERANCE, result.reason());
        assertTrue(result.iterations() <= 15, "iterations: " + result.iterations());
    }

    @Test
    void theJavaCholeskySolvesAndRefusesAnIndefiniteMatrix() {
        int m = 150;
        INDArray r = TestProblems.randomFeatures(m + 10, m, 1.0, 3, DataType.DOUBLE);
        INDArray a = r.transpose().mmul(r).dup('f');
        INDArray rhs = TestProblems.randomVector(m, 1.0, 4, DataType.DOUBLE);
        INDArray p = Newton.javaCholeskySolve(a, rhs);
        assertTrue(Newton.solves(a, p, rhs));
        assertTrue(!Newton.solves(a, p.mul(1.01), rhs), "the residual check notices a wrong solution");
        a.putScalar(7, 7, -1.0);
        assertEquals(null, Newton.javaCholeskySolve(a, rhs));
    }

    @Test
    void nativeRefusalsAreBelievedExactlyWhereLargeMatricesAreFactoredRight() {
        // The probe's verdict against an independent check on another matrix: believed where the native factorisation
        // solves with a positive definite matrix of 300 rows correctly (LAPACK's did not on an Intel AVX-512 core).
        int m = 300;
        INDArray r = TestProblems.randomFeatures(2 * m, m, 1.0, 5, DataType.DOUBLE);
        INDArray a = r.transpose().mmul(r).dup('f');
        INDArray rhs = TestProblems.randomVector(m, 1.0, 6, DataType.DOUBLE);
        INDArray p = Newton.nativeCholeskySolve(a, rhs);
        boolean correct = p != null && Newton.solves(a, p, rhs);
        assertEquals(correct, Newton.nativeRefusalsAreGenuine());
    }

    @Test
    void releasesEachHessianOnceItsSystemIsSolved() {
        // A dense Hessian is 8 m^2 bytes of native memory behind a small Java object; left to the garbage collector,
        // Fashion-MNIST-sized ones piled up to 10 GB resident.
        SoftmaxCrossEntropy f = TestProblems.random(200, 4, 3, 1e-3, 22);
        List<INDArray> hessians = new java.util.ArrayList<>();
        TwiceDifferentiableObjective recording = new ForwardingObjective(f) {
            @Override
            public INDArray hessian(INDArray theta) {
                INDArray h = f.hessian(theta);
                hessians.add(h);
                return h;
            }
        };
        OptimizationResult result = new Newton().minimize(recording, f.layout().zeros(DataType.DOUBLE),
                new StoppingCriteria(50, 1e-9, 0, null), IterationListener.NONE);
        assertTrue(result.converged(), result.reason().toString());
        assertEquals(result.iterations(), hessians.size());
        for (INDArray h : hessians) {
            assertTrue(h.wasClosed(), "a Hessian was left open");
        }
    }

    @Test
    void handlesTheSingularHessianWithoutRegularisation() {
        // lambda = 0: the Hessian is singular along W and b (adding a vector to every class column, d + 1
        // directions); each solve gives them curvature of their own (H + s N N^T) and Newton still converges to the
        // (non-unique) minimiser's objective.
        SoftmaxCrossEntropy f = TestProblems.random(200, 4, 3, 0.0, 21);
        INDArray start = f.layout().zeros(DataType.DOUBLE);
        StoppingCriteria stop = new StoppingCriteria(100, 1e-9, 0, null);
        int[] flatAdded = {0};
        ForwardingObjective counted = new ForwardingObjective(f) {
            @Override
            public NewtonStepCorrection addFlatCurvature(INDArray hessian) {
                flatAdded[0]++;
                return super.addFlatCurvature(hessian);
            }
        };
        OptimizationResult newton = new Newton().minimize(counted, start, stop, null);
        assertEquals(newton.iterations(), flatAdded[0], "every solve");
        // With lambda > 0, through the same wrapper, from a start whose rows of W do not sum to zero: a wrapper
        // that forwarded only one of the two hooks this one replaced crawled for 100 iterations.
        SoftmaxCrossEntropy penalised = TestProblems.random(200, 4, 3, 1e-2, 21);
        INDArray shifted = TestProblems.randomVector(penalised.dimension(), 0.3, 41, DataType.DOUBLE).addi(3);
        OptimizationResult wrapped = new Newton().minimize(new ForwardingObjective(penalised), shifted, stop, null);
        OptimizationResult bare = new Newton().minimize(penalised, shifted, stop, null);
        assertTrue(wrapped.converged() && wrapped.iterations() <= 15, wrapped.reason() + " " + wrapped.iterations());
        assertEquals(bare.value(), wrapped.value(), 1e-12 * bare.value());
        OptimizationResult lbfgs = new Lbfgs().minimize(f, start, stop.withGradientTolerance(1e-8), null);
        assertTrue(newton.converged(), newton.reason().toString());
        assertTrue(newton.iterations() <= 15, "iterations " + newton.iterations());
        assertEquals(lbfgs.value(), newton.value(), 1e-9 * newton.value());
    }

    @Test
    void theDefaultFlatCurvatureHookHandlesNamedFlatDirections() {
        // An objective that names its flat directions but keeps the interface's own hook: one curvature s for all
        // of them, and a correction that removes the step along them. On lambda = 0 (d + 1 flat directions) Newton
        // reaches the optimum the specialised hook reaches; without the correction the solve's made-up step along
        // them would be taken.
        SoftmaxCrossEntropy f = TestProblems.random(200, 4, 3, 0.0, 21);
        TwiceDifferentiableObjective defaults = new TwiceDifferentiableObjective() {
            @Override public long dimension() { return f.dimension(); }
            @Override public double value(INDArray theta) { return f.value(theta); }
            @Override public ValueAndGradient valueAndGradient(INDArray theta) { return f.valueAndGradient(theta); }
            @Override public HessianOperator hessianAt(INDArray theta) { return f.hessianAt(theta); }
            @Override public INDArray hessian(INDArray theta) { return f.hessian(theta); }
            @Override public INDArray flatDirections() { return f.flatDirections(); }
        };
        INDArray hessian = f.hessian(f.layout().zeros(DataType.DOUBLE));
        INDArray step = TestProblems.randomVector(f.dimension(), 1.0, 7, DataType.DOUBLE);
        INDArray flat = f.flatDirections();
        defaults.addFlatCurvature(hessian).correct(f.layout().zeros(DataType.DOUBLE), step);
        assertTrue(flat.transpose().mmul(step.reshape(step.length(), 1)).norm2Number().doubleValue() < 1e-14,
                "the step has no component along the flat directions");
        StoppingCriteria stop = new StoppingCriteria(100, 1e-9, 0, null);
        OptimizationResult viaDefault = new Newton().minimize(defaults, f.layout().zeros(DataType.DOUBLE), stop, null);
        OptimizationResult specialised = new Newton().minimize(f, f.layout().zeros(DataType.DOUBLE), stop, null);
        assertTrue(viaDefault.converged() && viaDefault.iterations() <= 15,
                viaDefault.reason() + " " + viaDefault.iterations());
        assertEquals(specialised.value(), viaDefault.value(), 1e-10 * specialised.value());
    }

    @Test
    void worksInFloat() {
        Dataset data = TestProblems.irisDataset(DataType.FLOAT);
        INDArray x = FeatureScaler.standard(data.features()).transform(data.features());
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(x, data.labels(), 3, 1e-2);
        OptimizationResult result = new Newton().minimize(f, f.layout().zeros(DataType.FLOAT),
                StoppingCriteria.of(50), null);
        assertEquals(DataType.FLOAT, result.solution().dataType());
        double optimum = new Newton().minimize(TestProblems.iris(1e-2), TestProblems.iris(1e-2).layout()
                .zeros(DataType.DOUBLE), new StoppingCriteria(50, 1e-10, 0, null), null).value();
        assertEquals(optimum, result.value(), 1e-5 * optimum);
    }

    @Test
    void refusesTheDenseHessianAboveTheBudget() {
        SoftmaxCrossEntropy f = TestProblems.iris(1e-2).withHessianBudget(1024);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new Newton().minimize(f, f.layout().zeros(DataType.DOUBLE), StoppingCriteria.of(10), null));
        assertTrue(e.getMessage().contains("newton-cg") && e.getMessage().contains("15 x 15"), e.getMessage());
    }

    @Test
    void everyOptimizerStopsAtANonFiniteStart() {
        SoftmaxCrossEntropy f = TestProblems.iris(1e-2);
        INDArray start = f.layout().zeros(DataType.DOUBLE);
        start.putScalar(0, Double.NaN);
        StoppingCriteria stop = StoppingCriteria.of(10);
        List<OptimizationResult> results = List.of(new GradientDescent().minimize(f, start, stop, null),
                new Newton().minimize(f, start, stop, null), new NewtonCg().minimize(f, start, stop, null),
                new Lbfgs().minimize(f, start, stop, null), new MiniBatchSgd(0.1, 16, 0).minimize(f, start, stop, null),
                new Adam(0.1, 16, 0).minimize(f, start, stop, null));
        for (OptimizationResult result : results) {
            assertEquals(TerminationReason.NON_FINITE_VALUE, result.reason());
            assertEquals(0, result.iterations());
        }
    }

    @Test
    void dampingFactorIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> new Newton(-1, 10));
        assertThrows(IllegalArgumentException.class, () -> new Newton(1e-3, 0));
        assertEquals("newton", new Newton().name());
    }
}
