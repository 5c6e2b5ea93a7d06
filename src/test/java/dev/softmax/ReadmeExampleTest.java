package dev.softmax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.io.ModelIO;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library example in the documentation is compiled and run, so it cannot rot. The example is the
 * {@code ```java} block between {@code <!-- example:start -->} and {@code <!-- example:end -->}; every such
 * block in {@code README.md} is compiled against the test classpath and its
 * {@code main} run with a model path, and at least one block must exist.
 */
class ReadmeExampleTest {

    private static final List<Path> DOCUMENTS = List.of(Path.of("README.md"));
    private static final Pattern BLOCK = Pattern.compile(
            "<!-- example:start -->\\s*```java\\n(.*?)```\\s*<!-- example:end -->", Pattern.DOTALL);
    private static final Pattern CLASS_NAME = Pattern.compile("public\\s+(?:final\\s+)?class\\s+(\\w+)");

    @TempDir
    Path dir;

    @Test
    void documentedExamplesCompileAndRun() throws Exception {
        int found = 0;
        for (Path document : DOCUMENTS) {
            if (!Files.exists(document)) {
                continue;
            }
            Matcher block = BLOCK.matcher(Files.readString(document, StandardCharsets.UTF_8));
            while (block.find()) {
                found++;
                compileAndRun(document + " example " + found, block.group(1), dir.resolve("example-" + found));
            }
        }
        assertTrue(found > 0, "no example between <!-- example:start --> and <!-- example:end --> in " + DOCUMENTS);
    }

    private static void compileAndRun(String what, String code, Path work) throws Exception {
        Matcher name = CLASS_NAME.matcher(code);
        assertTrue(name.find(), what + ": no public class");
        Path source = work.resolve("src").resolve(name.group(1) + ".java");
        Path classes = work.resolve("classes");
        Files.createDirectories(source.getParent());
        Files.createDirectories(classes);
        Files.writeString(source, code, StandardCharsets.UTF_8);

        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertNotNull(compiler, "no system Java compiler (running on a JRE?)");
        StringWriter diagnostics = new StringWriter();
        // Surefire may put the real classpath here and only a manifest jar on java.class.path.
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        boolean compiled = compiler.getTask(diagnostics, null, null,
                List.of("-classpath", classpath, "-d", classes.toString(), "-Xlint:all", "-Werror"), null,
                compiler.getStandardFileManager(null, null, StandardCharsets.UTF_8).getJavaFileObjects(source.toFile()))
                .call();
        assertTrue(compiled, what + " does not compile:\n" + diagnostics);

        Path modelFile = work.resolve("iris.model");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                ReadmeExampleTest.class.getClassLoader())) {
            Method main = loader.loadClass(name.group(1)).getMethod("main", String[].class);
            main.invoke(null, (Object) new String[] {modelFile.toString()});
        }
        // The example's own claims: it saved a model that predicts iris species.
        var model = ModelIO.load(modelFile);
        assertEquals(List.of("setosa", "versicolor", "virginica"), model.classNames());
        assertArrayEquals(new String[] {"setosa", "virginica"},
                model.predictNames(new double[][] {{5.1, 3.5, 1.4, 0.2}, {6.3, 3.3, 6.0, 2.5}}));
        assertFalse(model.trainingSummary().isEmpty());
    }
}
