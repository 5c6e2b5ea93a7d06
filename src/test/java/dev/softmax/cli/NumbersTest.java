package dev.softmax.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NumbersTest {

    @Test
    void settingsReadAsTheyAreTyped() {
        assertEquals("1e-4", Numbers.setting(1e-4));
        assertEquals("1e-12", Numbers.setting(1e-12));
        assertEquals("2.5e-5", Numbers.setting(2.5e-5));
        assertEquals("1e7", Numbers.setting(1e7));
        assertEquals("0.01", Numbers.setting(0.01));
        assertEquals("0.5", Numbers.setting(0.5));
        assertEquals("100", Numbers.setting(100.0));
        assertEquals("0", Numbers.setting(0.0));
        assertEquals("-3", Numbers.setting(-3.0));
    }

    @Test
    void metricsKeepFourDecimalsAndHugeOnesAnExponent() {
        assertEquals("0.1991", Numbers.metric(0.19912));
        assertEquals("999999.0000", Numbers.metric(999999));
        assertEquals("1.6524e+36", Numbers.metric(1.652395179104020e36));
        assertEquals("Infinity", Numbers.metric(Double.POSITIVE_INFINITY));
        assertEquals("NaN", Numbers.metric(Double.NaN));
    }

    @Test
    void countsAgreeWithTheirNoun() {
        assertEquals("1 thread", Numbers.count(1, "thread"));
        assertEquals("2 threads", Numbers.count(2, "thread"));
        assertEquals("0 threads", Numbers.count(0, "thread"));
    }

    @Test
    void everyValueReadsBackExactly() {
        Random random = new Random(7);
        for (int i = 0; i < 10000; i++) {
            double value = Math.scalb(random.nextDouble(), random.nextInt(200) - 100);
            assertEquals(value, Double.parseDouble(Numbers.setting(value)), Numbers.setting(value));
        }
    }
}
