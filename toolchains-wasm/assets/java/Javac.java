// The Java compile step (jailed, on the host's JDK 17): `java -cp /toolchain/javac Javac
// Main.java /box` in the box (build/java.sh compiles this file with itself).
//
// Contestants name their class as they like (Codeforces-style): the source is compiled whatever
// its public class is called, its classes are written into the box (the class path of the JVM in
// the sandbox, which sees the box at /src), and the class with `public static void
// main(String[])` (the public one first) is named in the file `main-class`, which the
// snapshotted JVM reads to start the program.

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.util.ElementFilter;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;

import com.sun.source.util.JavacTask;
import com.sun.source.util.TaskEvent;
import com.sun.source.util.TaskListener;

public class Javac {
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Javac <source> <output directory>");
            System.exit(2);
        }
        Path source = Path.of(args[0]);
        String text = Files.readString(source, StandardCharsets.UTF_8);
        Path classes = Path.of(args[1]);

        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        StandardJavaFileManager files = compiler.getStandardFileManager(null, null, StandardCharsets.UTF_8);
        files.setLocation(StandardLocation.CLASS_OUTPUT, List.of(classes.toFile()));
        // Any public class name compiles: the file's name is not checked against it.
        String name = source.getFileName().toString();
        JavaFileObject unit = new SimpleJavaFileObject(URI.create("string:///" + name), JavaFileObject.Kind.SOURCE) {
            @Override
            public String getName() {
                return name;
            }

            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return text;
            }

            @Override
            public boolean isNameCompatible(String simpleName, JavaFileObject.Kind kind) {
                return true;
            }
        };
        List<String> options = List.of("-encoding", "UTF-8", "-proc:none", "-Xlint:none", "-Xmaxerrs", "50");
        PrintWriter err = new PrintWriter(System.err, true);
        JavacTask task = (JavacTask) compiler.getTask(err, files, null, options, null, List.of(unit));
        List<TypeElement> mains = new ArrayList<>();
        task.addTaskListener(new TaskListener() {
            @Override
            public void finished(TaskEvent event) {
                if (event.getKind() != TaskEvent.Kind.ANALYZE || event.getTypeElement() == null) {
                    return;
                }
                TypeElement type = event.getTypeElement();
                if (type.getNestingKind().isNested() || !hasMain(type)) {
                    return;
                }
                if (type.getModifiers().contains(Modifier.PUBLIC)) {
                    mains.add(0, type);
                } else {
                    mains.add(type);
                }
            }
        });
        boolean ok = task.call();
        err.flush();
        if (!ok) {
            System.exit(1);
        }
        if (mains.isEmpty()) {
            System.err.println(source.getFileName() + ": error: no class has a method `public static void main(String[] args)` to start the program with");
            System.exit(1);
        }
        String mainClass = mains.get(0).getQualifiedName().toString();
        Files.writeString(classes.resolve("main-class"), mainClass + "\n");
    }

    static boolean hasMain(TypeElement type) {
        if (type.getKind() != ElementKind.CLASS && type.getKind() != ElementKind.ENUM && type.getKind() != ElementKind.INTERFACE && type.getKind() != ElementKind.RECORD) {
            return false;
        }
        for (ExecutableElement method : ElementFilter.methodsIn(type.getEnclosedElements())) {
            if (!method.getSimpleName().contentEquals("main")
                    || !method.getModifiers().contains(Modifier.STATIC)
                    || !method.getModifiers().contains(Modifier.PUBLIC)
                    || method.getReturnType().getKind() != TypeKind.VOID
                    || method.getParameters().size() != 1) {
                continue;
            }
            var parameter = method.getParameters().get(0).asType();
            if (parameter.getKind() == TypeKind.ARRAY
                    && ((ArrayType) parameter).getComponentType().toString().equals("java.lang.String")) {
                return true;
            }
        }
        return false;
    }
}
