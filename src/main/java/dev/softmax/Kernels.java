package dev.softmax;

import java.util.Locale;

/**
 * Which code multiplies the data by the parameters in the float32 passes over the data: OpenBLAS (through
 * {@link Blas}) or the library's own loops written with the JDK's Vector API.
 *
 * <p>The Vector API is an incubator module in JDK 17, so it is there only when the JVM is started with
 * {@code --add-modules jdk.incubator.vector} (the JVM then prints a one-line warning that an incubator module is
 * in use). With it, float32 value-and-gradient passes and Hessian-vector products fuse both products and the
 * softmax per block of rows held in the core's cache, and run 2 to 3 times faster than with OpenBLAS, whose
 * kernels handle products with about 10 columns poorly. Without it, or for float64 data, OpenBLAS is used.
 *
 * <p>The choice is {@link Kind#AUTO} unless {@link #set} or the system property {@code softmax.kernel}
 * ({@code auto}, {@code blas} or {@code vector}) says otherwise.
 *
 * <p>On request ({@link #setByteFeatures} or the system property {@code softmax.byteFeatures=true}) the Vector API
 * passes keep a float32 matrix whose values are all the integers 0 to 255 (raw 8-bit pixels, as the command line
 * trains on image data) as one byte per value, and multiply the bytes in place or expand each block of rows to
 * floats as they copy it into the core's cache: the same results bit for bit, a quarter of the bytes read per pass,
 * and {@code n d} bytes more heap. For the library it is off unless asked for: the bytes cost about a second once
 * and pay back only over many passes over large data. The command line turns it on for large data by itself.
 */
public final class Kernels {

    /** The choices. */
    public enum Kind {
        /** The Vector API loops when the module is present and multiply-adds are done in hardware, else OpenBLAS. */
        AUTO,
        /** Always OpenBLAS. */
        BLAS,
        /** The Vector API loops; {@link #set} refuses it when the module is absent. */
        VECTOR
    }

    private static volatile Kind kind = fromProperty();
    private static volatile boolean byteFeatures =
            "true".equalsIgnoreCase(System.getProperty("softmax.byteFeatures", "false").trim());

    private Kernels() {
    }

    private static Kind fromProperty() {
        String value = System.getProperty("softmax.kernel", "auto");
        try {
            Kind parsed = Kind.valueOf(value.trim().toUpperCase(Locale.ROOT));
            return parsed == Kind.VECTOR && !vectorModulePresent() ? Kind.AUTO : parsed;
        } catch (IllegalArgumentException e) {
            return Kind.AUTO;
        }
    }

    /**
     * Whether the JVM was started with {@code jdk.incubator.vector} (and its vectors are at least 256 bits).
     *
     * @return whether the Vector API loops can run
     */
    public static boolean vectorModulePresent() {
        return VectorProbe.PRESENT;
    }

    /**
     * Sets the choice for passes that start after this call.
     *
     * @param choice the kernels to use
     * @throws IllegalStateException for {@link Kind#VECTOR} when the module is absent
     */
    public static void set(Kind choice) {
        java.util.Objects.requireNonNull(choice, "choice");
        if (choice == Kind.VECTOR && !vectorModulePresent()) {
            throw new IllegalStateException("the vector kernels need the JVM option --add-modules jdk.incubator.vector");
        }
        kind = choice;
    }

    /**
     * The choice in force.
     *
     * @return the choice
     */
    public static Kind choice() {
        return kind;
    }

    /**
     * Whether float32 passes use the Vector API loops now.
     *
     * @return {@code true} when the module is present and the choice is VECTOR, or AUTO on a JVM that multiplies and
     *         adds with the CPU's FMA instructions ({@link #hardwareFma()})
     */
    public static boolean useVector() {
        return vectorModulePresent() && (kind == Kind.VECTOR || kind == Kind.AUTO && hardwareFma());
    }

    /**
     * Whether the JIT compiles the loops' multiply-adds to the CPU's fused multiply-add instructions (HotSpot's
     * {@code UseFMA}, on by itself on x86 since Haswell and on AArch64). Without them each multiply-add is computed
     * exactly in software, and the Vector API loops run thousands of times slower than OpenBLAS, so {@link Kind#AUTO}
     * then takes OpenBLAS. On a JVM without that option (not HotSpot) this says {@code true}.
     *
     * @return whether multiply-adds are done in hardware
     */
    public static boolean hardwareFma() {
        return FmaProbe.PRESENT;
    }

    /**
     * Whether the Vector API passes keep 8-bit data as bytes (see the class comment); false unless turned on.
     *
     * @return whether byte features are on
     */
    public static boolean byteFeatures() {
        return byteFeatures;
    }

    /**
     * Sets {@link #byteFeatures()} for objectives made after this call (their batches and copies follow them).
     *
     * @param enabled whether to keep 8-bit data as bytes
     */
    public static void setByteFeatures(boolean enabled) {
        byteFeatures = enabled;
    }

    /**
     * {@code "vector"} or {@code "blas"}: what float32 passes use now (float64 passes always use BLAS).
     *
     * @return {@code "vector"} or {@code "blas"}
     */
    public static String active() {
        return useVector() ? "vector" : "blas";
    }

    /** Reads HotSpot's {@code UseFMA} once. */
    private static final class FmaProbe {
        static final boolean PRESENT = probe();

        private static boolean probe() {
            try {
                var hotspot = java.lang.management.ManagementFactory.getPlatformMXBean(
                        com.sun.management.HotSpotDiagnosticMXBean.class);
                return hotspot == null || !"false".equals(hotspot.getVMOption("UseFMA").getValue());
            } catch (IllegalArgumentException | LinkageError e) {
                return true; // no such option on this JVM: nothing known against the loops
            }
        }
    }

    /** Looks the module up once, without loading any class of it unless it is present. */
    private static final class VectorProbe {
        static final boolean PRESENT = probe();

        private static boolean probe() {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                return false;
            }
            try {
                Object preferred = Class.forName("jdk.incubator.vector.FloatVector").getField("SPECIES_PREFERRED")
                        .get(null);
                int lanes = (int) Class.forName("jdk.incubator.vector.VectorSpecies").getMethod("length")
                        .invoke(preferred);
                return lanes >= 8;
            } catch (ReflectiveOperationException | LinkageError e) {
                return false;
            }
        }
    }
}
