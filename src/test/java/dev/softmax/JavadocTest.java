package dev.softmax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.DocumentationTool;
import javax.tools.JavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public API's Javadoc is complete and well-formed: javadoc's doclint finds nothing to report. */
class JavadocTest {

    @TempDir
    Path out;

    @Test
    void doclintFindsNothing() {
        DocumentationTool javadoc = ToolProvider.getSystemDocumentationTool();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> options = List.of("-Xdoclint:all", "-quiet", "--add-modules", "jdk.incubator.vector",
                "-d", out.toString(), "-cp", classpath, "-sourcepath", "src/main/java", "-subpackages", "dev.softmax");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter log = new StringWriter();
        boolean ok = javadoc.getTask(log, null, diagnostics, null, options, null).call();
        List<String> problems = diagnostics.getDiagnostics().stream()
                .filter(d -> d.getKind() == Diagnostic.Kind.ERROR || d.getKind() == Diagnostic.Kind.WARNING
                        || d.getKind() == Diagnostic.Kind.MANDATORY_WARNING)
                // The one notice about the Vector API, which the kernels use on purpose.
                .filter(d -> !d.getMessage(Locale.ROOT).contains("incubating"))
                .map(d -> (d.getSource() == null ? "" : d.getSource().getName() + ":" + d.getLineNumber() + ": ")
                        + d.getMessage(Locale.ROOT))
                .collect(Collectors.toList());
        assertEquals(List.of(), problems, String.join("\n", problems));
        assertTrue(ok, log.toString());
    }
}
