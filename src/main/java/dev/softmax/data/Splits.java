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
     * Stratified split: in every class, {@code round(testFraction * count)} rows chosen at random go to the test
     * part, so both parts keep the class proportions. The same seed gives the same split.
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
        Random random = new Random(seed);
        boolean[] inTest = new boolean[labels.length];
        for (List<Integer> rows : byClass) {
            Collections.shuffle(rows, random);
            long take = Math.round(testFraction * rows.size());
            for (int j = 0; j < take; j++) {
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
