package dev.softmax.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Seeded train/test splits. */
public final class Splits {

    private Splits() {
    }

    /**
     * Row indices of a train and a test part.
     *
     * @param train rows for training, ascending
     * @param test  rows for testing, ascending
     */
    public record Split(int[] train, int[] test) {
    }

    /**
     * Stratified split: {@code round(testFraction * n)} rows chosen at random go to the test part, spread over the
     * classes in proportion to their counts, so both parts keep the class proportions. Each class gives
     * {@code floor(testFraction * count)} rows; the rows left to reach the total come from the classes with the
     * largest fractional parts, first from those that keep a training row (a class of one row is not given to the
     * test part while another class can give one), then from the larger classes, then in class order. Rounding each
     * class on its own put every class of one row in the test part at 0.5, and more than asked for in it. The same
     * seed gives the same split.
     *
     * @param labels       {@code int[n]} class labels
     * @param numClasses   {@code K}
     * @param testFraction in {@code [0, 1)}
     * @param seed         random seed
     * @return the train and test rows
     */
    public static Split stratified(int[] labels, int numClasses, double testFraction, long seed) {
        if (!(testFraction >= 0 && testFraction < 1)) {
            throw new IllegalArgumentException("test fraction must be in [0,1), got " + testFraction);
        }
        List<List<Integer>> byClass = new ArrayList<>();
        for (int k = 0; k < numClasses; k++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < labels.length; i++) {
            byClass.get(labels[i]).add(i);
        }
        int[] take = new int[numClasses];
        long remaining = Math.round(testFraction * labels.length);
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < numClasses; k++) {
            int count = byClass.get(k).size();
            take[k] = (int) Math.floor(testFraction * count);
            remaining -= take[k];
            order.add(k);
        }
        order.sort(java.util.Comparator.<Integer>comparingInt(k -> take[k] + 1 < byClass.get(k).size() ? 0 : 1)
                .thenComparing(k -> -(testFraction * byClass.get(k).size() - take[k]))
                .thenComparing(k -> -byClass.get(k).size())
                .thenComparing(k -> k));
        for (int k : order) {
            if (remaining <= 0) {
                break;
            }
            if (take[k] < byClass.get(k).size() && testFraction * byClass.get(k).size() > take[k]) {
                take[k]++;
                remaining--;
            }
        }
        Random random = new Random(seed);
        boolean[] inTest = new boolean[labels.length];
        for (int k = 0; k < numClasses; k++) {
            List<Integer> rows = byClass.get(k);
            Collections.shuffle(rows, random);
            for (int j = 0; j < take[k]; j++) {
                inTest[rows.get(j)] = true;
            }
        }
        int testCount = 0;
        for (boolean t : inTest) {
            testCount += t ? 1 : 0;
        }
        int[] train = new int[labels.length - testCount];
        int[] test = new int[testCount];
        int a = 0;
        int b = 0;
        for (int i = 0; i < labels.length; i++) {
            if (inTest[i]) {
                test[b++] = i;
            } else {
                train[a++] = i;
            }
        }
        return new Split(train, test);
    }
}
