package dev.softmax.cli;

import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.optim.LearningRateSchedule;
import dev.softmax.optim.StoppingCriteria;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** Optimizer and stopping options shared by the commands that train. */
public final class OptimizerOptions {

    /** Options that picocli fills in, for the command that mixes them in. */
    public OptimizerOptions() {
    }

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** {@code --optimizer}'s default (also read by {@link Main} before the command line is parsed). */
    static final String DEFAULT_OPTIMIZER = "auto";
    /** {@code --hessian-budget}'s default (also read by {@link Main} before the command line is parsed). */
    static final String DEFAULT_HESSIAN_BUDGET = "2GiB";

    @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = DEFAULT_OPTIMIZER,
            converter = OptimizerKindConverter.class, completionCandidates = OptimizerKindCandidates.class,
            description = "Optimizer: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    OptimizerKind optimizer;

    @Option(names = "--l2", paramLabel = "LAMBDA", defaultValue = "1e-4",
            description = "L2 strength lambda on the weights, bias not penalised (default: ${DEFAULT-VALUE}).")
    double l2;

    @Option(names = {"--max-iter", "--epochs"}, paramLabel = "N", defaultValue = "1000",
            description = "Maximum iterations; for sgd and adam, epochs (default: ${DEFAULT-VALUE}).")
    int maxIterations;

    @Option(names = "--tol", paramLabel = "TOL", defaultValue = "1e-6",
            description = "Stop when the gradient norm is below TOL times max(1, initial norm) (default: ${DEFAULT-VALUE}).")
    double gradientTolerance;

    @Option(names = "--ftol", paramLabel = "TOL", defaultValue = "1e-12",
            description = "Stop when the objective's relative decrease is below TOL; 0 stops only when it no longer changes (default: ${DEFAULT-VALUE}).")
    double functionTolerance;

    @Option(names = "--time-limit", paramLabel = "SECONDS",
            description = "Stop after this many seconds of optimisation (default: none).")
    Double timeLimitSeconds;

    @Option(names = "--learning-rate", paramLabel = "LR",
            description = "sgd, adam: base learning rate (default: " + DEFAULT_SGD_RATE + " for sgd, "
                    + DEFAULT_ADAM_RATE + " for adam).")
    Double learningRate;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32",
            description = "sgd, adam: rows per mini-batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--momentum", paramLabel = "MU", defaultValue = "0.0",
            description = "sgd: momentum in [0,1) (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--nesterov", description = "sgd: use Nesterov momentum; needs --momentum > 0.")
    boolean nesterov;

    @Option(names = "--schedule", paramLabel = "NAME", defaultValue = "constant", converter = ScheduleConverter.class,
            description = "sgd, adam: learning-rate schedule: constant, invscaling (lr / (1 + decay*t)^power, t ="
                    + " mini-batch updates) or step (lr * drop-factor^(epoch / drop-every)) (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--decay", paramLabel = "D", defaultValue = "0.01",
            description = "invscaling: decay per mini-batch update (default: ${DEFAULT-VALUE}).")
    double decay;

    @Option(names = "--power", paramLabel = "P", defaultValue = "0.5",
            description = "invscaling: exponent (default: ${DEFAULT-VALUE}).")
    double power;

    @Option(names = "--drop-factor", paramLabel = "F", defaultValue = "0.5",
            description = "step: factor applied to the rate every --drop-every epochs (default: ${DEFAULT-VALUE}).")
    double dropFactor;

    @Option(names = "--drop-every", paramLabel = "EPOCHS", defaultValue = "10",
            description = "step: epochs between drops (default: ${DEFAULT-VALUE}).")
    int dropEvery;

    @Option(names = "--beta1", paramLabel = "B", defaultValue = "0.9",
            description = "adam: first-moment decay (default: ${DEFAULT-VALUE}).")
    double beta1;

    @Option(names = "--beta2", paramLabel = "B", defaultValue = "0.999",
            description = "adam: second-moment decay (default: ${DEFAULT-VALUE}).")
    double beta2;

    @Option(names = "--adam-epsilon", paramLabel = "EPS", defaultValue = "1e-8",
            description = "adam: denominator offset (default: ${DEFAULT-VALUE}).")
    double adamEpsilon;

    @Option(names = "--history-size", paramLabel = "M", defaultValue = "10",
            description = "lbfgs: curvature pairs kept (default: ${DEFAULT-VALUE}).")
    int historySize;

    @Option(names = "--cg-max-iter", paramLabel = "N", defaultValue = "100",
            description = "newton-cg: conjugate-gradient steps per iteration at most (default: ${DEFAULT-VALUE}).")
    int cgMaxIterations;

    @Option(names = "--cg-pairs", paramLabel = "M", defaultValue = "0",
            description = "newton-cg: curvature pairs from each conjugate-gradient solve that refine the next solve's"
                    + " preconditioner, 0 for none (default: ${DEFAULT-VALUE}).")
    int cgPairs;

    /** {@code --cg-pairs}, validated. */
    int curvaturePairs() {
        if (cgPairs < 0) {
            throw new IllegalArgumentException("--cg-pairs must be >= 0, got " + cgPairs);
        }
        return cgPairs;
    }

    @Option(names = "--newton-damping", paramLabel = "C", defaultValue = "0",
            description = "newton: Levenberg-Marquardt damping mu = C * ||gradient|| added to the Hessian's"
                    + " diagonal; the directions along which the Hessian is singular (the bias shift, and with"
                    + " --l2 0 each feature's row of W) get their own curvature without it (default:"
                    + " ${DEFAULT-VALUE}).")
    double newtonDamping;

    @Option(names = "--hessian-budget", paramLabel = "SIZE", defaultValue = DEFAULT_HESSIAN_BUDGET,
            converter = ByteSizeConverter.class,
            description = "newton, auto: largest dense Hessian allowed, in bytes or with KiB, MiB, GiB"
                    + " (default: ${DEFAULT-VALUE}).")
    long hessianBudgetBytes;

    /** Default {@code --learning-rate} of {@code sgd}. */
    static final double DEFAULT_SGD_RATE = 0.1;
    /** Default {@code --learning-rate} of {@code adam}. */
    static final double DEFAULT_ADAM_RATE = 0.01;

    /** {@code --learning-rate}, or the default of the named optimizer ({@code sgd} or {@code adam}). */
    double learningRateFor(String optimizerName) {
        if (learningRate != null) {
            if (!(learningRate > 0) || learningRate.isInfinite()) {
                throw new IllegalArgumentException("--learning-rate must be finite and > 0, got " + learningRate);
            }
            return learningRate;
        }
        return "adam".equals(optimizerName) ? DEFAULT_ADAM_RATE : DEFAULT_SGD_RATE;
    }

    /**
     * The learning-rate schedule {@code --schedule} and its parameters describe (their values are checked first, by
     * {@link #stoppingCriteria}).
     */
    LearningRateSchedule schedule() {
        return switch (schedule) {
            case "constant" -> LearningRateSchedule.constant();
            case "invscaling" -> new LearningRateSchedule.InverseScaling(decay, power);
            case "step" -> new LearningRateSchedule.StepDecay(dropFactor, dropEvery);
            default -> throw new IllegalArgumentException("unknown --schedule " + schedule);
        };
    }

    /**
     * The settings of the options that {@code kind} reads, by their report keys (the flags' names with
     * underscores), so that two runs' reports tell apart what their command lines did: a learning rate, a batch size,
     * a history size. Empty for {@code gd}, which has none.
     *
     * @param kind a concrete optimizer
     * @return the settings, in the flags' order
     */
    Map<String, Object> settingsFor(OptimizerKind kind) {
        Map<String, Object> settings = new java.util.LinkedHashMap<>();
        switch (kind) {
            case SGD, ADAM -> {
                settings.put("learning_rate", learningRateFor(kind.toString()));
                settings.put("batch_size", batchSize);
                if (kind == OptimizerKind.SGD) {
                    settings.put("momentum", momentum);
                    settings.put("nesterov", nesterov);
                } else {
                    settings.put("beta1", beta1);
                    settings.put("beta2", beta2);
                    settings.put("adam_epsilon", adamEpsilon);
                }
                settings.put("schedule", schedule);
                if (schedule.equals("invscaling")) {
                    settings.put("decay", decay);
                    settings.put("power", power);
                } else if (schedule.equals("step")) {
                    settings.put("drop_factor", dropFactor);
                    settings.put("drop_every", dropEvery);
                }
            }
            case NEWTON -> settings.put("newton_damping", newtonDamping);
            case NEWTON_CG -> {
                settings.put("cg_max_iter", cgMaxIterations);
                settings.put("cg_pairs", cgPairs);
            }
            case LBFGS -> settings.put("history_size", historySize);
            case GD -> { }
            case AUTO -> throw new IllegalStateException("auto must be resolved first");
        }
        return settings;
    }

    /**
     * The dense-Hessian budget in bytes.
     *
     * @return the {@code --hessian-budget} value in bytes
     */
    public long hessianBudgetBytes() {
        return hessianBudgetBytes;
    }

    /**
     * The stopping criteria these options describe. Validates every option first, whichever optimizer runs, so that a
     * bad value stops the command before it reads any data, with a message that names the flag.
     *
     * @return the stopping criteria
     * @throws IllegalArgumentException for an invalid option, naming its flag
     */
    public StoppingCriteria stoppingCriteria() {
        try {
            if (!(l2 >= 0) || Double.isInfinite(l2)) {
                throw new IllegalArgumentException("l2 must be finite and >= 0, got " + l2);
            }
            for (OptimizerKind kind : OptimizerKind.values()) {
                if (kind != OptimizerKind.AUTO) {
                    kind.create(this);
                }
            }
            if (nesterov && momentum == 0) {
                throw new IllegalArgumentException("--nesterov needs --momentum > 0: without momentum it changes"
                        + " nothing");
            }
            new LearningRateSchedule.InverseScaling(decay, power);
            new LearningRateSchedule.StepDecay(dropFactor, dropEvery);
            StoppingCriteria stop = new StoppingCriteria(maxIterations, gradientTolerance, functionTolerance, null);
            if (timeLimitSeconds != null) {
                if (!(timeLimitSeconds > 0)) {
                    throw new IllegalArgumentException("--time-limit must be > 0, got " + timeLimitSeconds);
                }
                if (timeLimitSeconds * 1e9 >= Long.MAX_VALUE) {
                    // It was clamped to 9.2e9 s without a word, and reported so.
                    throw new IllegalArgumentException("--time-limit " + Numbers.setting(timeLimitSeconds)
                            + " is beyond the longest limit, about 9.2e9 s (292 years); leave it out for none");
                }
                // At least a nanosecond: 1e-10 s became a zero Duration, refused with the record's own name for it.
                stop = stop.withTimeLimit(java.time.Duration.ofNanos(Math.max(1, (long) (timeLimitSeconds * 1e9))));
            }
            return stop;
        } catch (IllegalArgumentException e) {
            throw namingTheFlag(e);
        }
    }

    /**
     * The options that only some optimizers read, with those optimizers ({@link #settingsFor} reports each under
     * the flag's name); {@code --hessian-budget} is also read by {@code auto}, to choose.
     */
    static final Map<String, Set<OptimizerKind>> READ_BY = Map.ofEntries(
            Map.entry("--learning-rate", EnumSet.of(OptimizerKind.SGD, OptimizerKind.ADAM)),
            Map.entry("--batch-size", EnumSet.of(OptimizerKind.SGD, OptimizerKind.ADAM)),
            Map.entry("--momentum", EnumSet.of(OptimizerKind.SGD)),
            Map.entry("--nesterov", EnumSet.of(OptimizerKind.SGD)),
            Map.entry("--schedule", EnumSet.of(OptimizerKind.SGD, OptimizerKind.ADAM)),
            Map.entry("--decay", EnumSet.of(OptimizerKind.SGD, OptimizerKind.ADAM)),
            Map.entry("--power", EnumSet.of(OptimizerKind.SGD, OptimizerKind.ADAM)),
            Map.entry("--drop-factor", EnumSet.of(OptimizerKind.SGD, OptimizerKind.ADAM)),
            Map.entry("--drop-every", EnumSet.of(OptimizerKind.SGD, OptimizerKind.ADAM)),
            Map.entry("--beta1", EnumSet.of(OptimizerKind.ADAM)),
            Map.entry("--beta2", EnumSet.of(OptimizerKind.ADAM)),
            Map.entry("--adam-epsilon", EnumSet.of(OptimizerKind.ADAM)),
            Map.entry("--history-size", EnumSet.of(OptimizerKind.LBFGS)),
            Map.entry("--cg-max-iter", EnumSet.of(OptimizerKind.NEWTON_CG)),
            Map.entry("--cg-pairs", EnumSet.of(OptimizerKind.NEWTON_CG)),
            Map.entry("--newton-damping", EnumSet.of(OptimizerKind.NEWTON)),
            Map.entry("--hessian-budget", EnumSet.of(OptimizerKind.NEWTON, OptimizerKind.AUTO)));

    /** The schedule options, with the {@code --schedule} that reads them. */
    static final Map<String, String> READ_WITH_SCHEDULE = Map.of("--decay", "invscaling", "--power", "invscaling",
            "--drop-factor", "step", "--drop-every", "step");

    /** What {@code auto} may choose. */
    static final Set<OptimizerKind> AUTO_CHOICES = EnumSet.of(OptimizerKind.NEWTON, OptimizerKind.NEWTON_CG,
            OptimizerKind.LBFGS);

    /** How refusals name {@link #AUTO_CHOICES} before the data say which one: "auto (which chooses ...)". */
    static final String AUTO_CHOOSES = "chooses newton, newton-cg or lbfgs";

    /**
     * The optimizers that read options when {@code kinds} run: {@code AUTO} adds those it may choose.
     *
     * @param kinds the optimizers asked for
     * @return them, with {@link #AUTO_CHOICES} when {@code auto} is one
     */
    static Set<OptimizerKind> readers(Collection<OptimizerKind> kinds) {
        Set<OptimizerKind> readers = EnumSet.copyOf(kinds);
        if (kinds.contains(OptimizerKind.AUTO)) {
            readers.addAll(AUTO_CHOICES);
        }
        return readers;
    }

    /**
     * Refuses an option given on the command line that none of {@code readers} reads ({@code --optimizer gd
     * --learning-rate 0.5} ran with the rate ignored), or a schedule option another {@code --schedule} reads.
     *
     * @param readers the optimizers that run (see {@link #readers}), and {@code AUTO} when it chooses
     * @param running how the message names them, after "not" ({@code --optimizer newton})
     * @throws IllegalArgumentException naming the first such option, in the order of the command line
     */
    void refuseOptionsNotRead(Set<OptimizerKind> readers, String running) {
        if (command == null) {
            return;
        }
        for (OptionSpec given : command.commandLine().getParseResult().matchedOptions()) {
            String flag = given.longestName();
            Set<OptimizerKind> readBy = READ_BY.get(flag);
            if (readBy == null) {
                continue;
            }
            if (Collections.disjoint(readBy, readers)) {
                String names = readBy.stream().map(OptimizerKind::toString)
                        .collect(Collectors.joining(" and "));
                throw new IllegalArgumentException(flag + " is for " + names + ", not " + running
                        + ": it would change nothing");
            }
            String scheduleReading = READ_WITH_SCHEDULE.get(flag);
            if (scheduleReading != null && !scheduleReading.equals(schedule)) {
                throw new IllegalArgumentException(flag + " is for --schedule " + scheduleReading + ", not --schedule "
                        + schedule + ": it would change nothing");
            }
        }
    }

    /** The optimizers' and stopping criteria's parameter names, and the flags that set them. */
    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("l2", "--l2"),
            Map.entry("maxIterations", "--max-iter"),
            Map.entry("gradientTolerance", "--tol"),
            Map.entry("relativeFunctionTolerance", "--ftol"),
            Map.entry("learningRate", "--learning-rate"),
            Map.entry("batchSize", "--batch-size"),
            Map.entry("momentum", "--momentum"),
            Map.entry("decay", "--decay"),
            Map.entry("power", "--power"),
            Map.entry("factor", "--drop-factor"),
            Map.entry("everyEpochs", "--drop-every"),
            Map.entry("beta1", "--beta1"),
            Map.entry("beta2", "--beta2"),
            Map.entry("epsilon", "--adam-epsilon"),
            Map.entry("historySize", "--history-size"),
            Map.entry("maxCgIterations", "--cg-max-iter"),
            Map.entry("curvaturePairs", "--cg-pairs"),
            Map.entry("dampingFactor", "--newton-damping"));

    /** {@code e} with a leading parameter name (as the library's checks word them) replaced by its flag. */
    private static IllegalArgumentException namingTheFlag(IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage());
        int space = message.indexOf(' ');
        String flag = space > 0 ? FLAGS.get(message.substring(0, space)) : null;
        return flag == null ? e : new IllegalArgumentException(flag + message.substring(space), e);
    }

    /**
     * The chosen optimizer kind.
     *
     * @return the {@code --optimizer} value
     */
    public OptimizerKind kind() {
        return optimizer;
    }

    /**
     * The L2 strength.
     *
     * @return the {@code --l2} value
     */
    public double l2() {
        return l2;
    }

    /** Accepts the schedule names, case-insensitively. */
    static final class ScheduleConverter implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String name = value.trim().toLowerCase(Locale.ROOT);
            if (!name.equals("constant") && !name.equals("invscaling") && !name.equals("step")) {
                throw new TypeConversionException("expected constant, invscaling or step, got '" + value + "'");
            }
            return name;
        }
    }

    /** Parses sizes such as {@code 2GiB}, {@code 512m}, {@code 1.5G} or a plain byte count. */
    static final class ByteSizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String text = value.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
            long unit = 1;
            if (!text.isEmpty()) {
                char last = text.charAt(text.length() - 1);
                int power = "kmgt".indexOf(last) + 1;
                if (power > 0) {
                    unit = 1L << (10 * power);
                    text = text.substring(0, text.length() - 1);
                }
            }
            try {
                double bytes = Double.parseDouble(text.trim()) * unit;
                if (!(bytes >= 1) || bytes > Long.MAX_VALUE) {
                    throw new NumberFormatException();
                }
                return (long) bytes;
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected a positive size such as 2GiB, 512MiB or 1000000, got '"
                        + value + "'");
            }
        }
    }

    /** Converts {@code --optimizer} values. */
    static final class OptimizerKindConverter implements picocli.CommandLine.ITypeConverter<OptimizerKind> {
        @Override
        public OptimizerKind convert(String value) {
            try {
                return OptimizerKind.fromName(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Lists {@code --optimizer} values by their command-line names. */
    static final class OptimizerKindCandidates extends java.util.ArrayList<String> {
        private static final long serialVersionUID = 1L;

        OptimizerKindCandidates() {
            for (OptimizerKind kind : OptimizerKind.values()) {
                add(kind.toString());
            }
        }
    }
}
