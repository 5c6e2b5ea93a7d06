package dev.softmax.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The softmax's vector exponential: accurate, and the same bits compiled or not. */
class FloatKernelsExpTest {

    /**
     * {@link FloatKernels#exp}'s method one lane at a time in plain Java, whose arithmetic the JIT may not change:
     * equal bits before and after the kernel is compiled show that the JIT does not change the kernel's either.
     */
    private static double reference(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (x < FloatKernels.EXP_MIN) {
            return 0;
        }
        if (x > FloatKernels.EXP_MAX) {
            return Double.POSITIVE_INFINITY;
        }
        double t = Math.fma(x, FloatKernels.LOG2E, FloatKernels.ROUNDER);
        double k = t - FloatKernels.ROUNDER;
        double r = Math.fma(k, -FloatKernels.LN2_HI, x);
        r = Math.fma(k, -FloatKernels.LN2_LO, r);
        double[] c = FloatKernels.EXP_TAYLOR;
        double p = c[c.length - 1];
        for (int n = c.length - 2; n >= 0; n--) {
            p = Math.fma(p, r, c[n]);
        }
        long bits = (Double.doubleToRawLongBits(t) - (FloatKernels.ROUNDER_BITS - 1023)) << 52;
        return p * Double.longBitsToDouble(bits);
    }

    private static double[] arguments(int n, long seed) {
        Random random = new Random(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            // Mostly softmax's range (a few tens below 0), some across the whole range.
            x[i] = i % 4 == 0 ? -720 + 1435 * random.nextDouble() : -40 * random.nextDouble();
        }
        return x;
    }

    @Test
    void theSameBitsBeforeAndAfterTheJitAndWithinOneUlpOfMathExp() {
        double[] x = arguments(1 << 14, 7);
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = reference(x[i]);
            if (x[i] >= FloatKernels.EXP_MIN && x[i] <= FloatKernels.EXP_MAX) {
                double exact = Math.exp(x[i]);
                assertTrue(Math.abs(expected[i] - exact) <= Math.ulp(exact), x[i] + ": " + expected[i] + " against "
                        + exact);
            }
        }
        // The first calls run before the JIT compiles the kernel, the last long after (about 10^8 lanes).
        for (int round = 0; round < 6000; round++) {
            double[] v = x.clone();
            FloatKernels.exp(v, v.length);
            if (round < 3 || round >= 5997) {
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(v[i]),
                            "round " + round + ", exp(" + x[i] + ")");
                }
            }
        }
    }

    @Test
    void specialArguments() {
        double[] x = new double[16]; // a multiple of every vector width
        double[] special = {0, -0.0, 1, -1, Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, -1e-300,
            FloatKernels.EXP_MIN};
        System.arraycopy(special, 0, x, 0, special.length);
        FloatKernels.exp(x, x.length);
        assertEquals(1.0, x[0]);
        assertEquals(1.0, x[1]);
        assertEquals(Math.E, x[2]);
        assertEquals(Math.exp(-1), x[3]);
        assertTrue(Double.isNaN(x[4]));
        assertEquals(0.0, x[5]);
        assertEquals(Double.POSITIVE_INFINITY, x[6]);
        assertEquals(1.0, x[7]);
        assertEquals(Math.exp(FloatKernels.EXP_MIN), x[8], Math.ulp(Math.exp(FloatKernels.EXP_MIN)));
    }
}
