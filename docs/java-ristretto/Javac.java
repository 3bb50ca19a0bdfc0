// The Java compile step (jailed, on the host's JDK 17): `java -cp /toolchain/lib/launcher Javac
// Main.java main.jar`.
//
// Contestants name their class as they like (Codeforces-style): the source is compiled whatever
// its public class is called, the class with `public static void main(String[])` is found (the
// public one first), and main.jar holds every class with that one as `Main-Class`. The JVM in
// the sandbox runs `java -jar /src/main.jar`.

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.CRC32;
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
            System.err.println("usage: Javac <source> <jar>");
            System.exit(2);
        }
        Path source = Path.of(args[0]);
        String text = Files.readString(source, StandardCharsets.UTF_8);
        Path classes = Files.createTempDirectory("classes");

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
        writeJar(classes, Path.of(args[1]), mainClass);
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

    /** Stored (uncompressed) entries: the sandbox's JVM reads them without inflating. */
    static void writeJar(Path classes, Path jar, String mainClass) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        List<Path> all;
        try (Stream<Path> walk = Files.walk(classes)) {
            all = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out, manifest)) {
            for (Path file : all) {
                byte[] bytes = Files.readAllBytes(file);
                String name = classes.relativize(file).toString().replace(File.separatorChar, '/');
                JarEntry entry = new JarEntry(name);
                CRC32 crc = new CRC32();
                crc.update(bytes);
                entry.setMethod(JarEntry.STORED);
                entry.setSize(bytes.length);
                entry.setCompressedSize(bytes.length);
                entry.setCrc(crc.getValue());
                entry.setTime(0);
                zip.putNextEntry(entry);
                zip.write(bytes);
                zip.closeEntry();
            }
        }
    }
}
