package io.switchboard.build;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jetbrains.kotlin.abi.tools.AbiFilters;
import org.jetbrains.kotlin.abi.tools.AbiTools;
import org.objectweb.asm.AnnotationVisitor;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Writes or checks the committed public-ABI dump of one module, {@code MODULE/api/MODULE.api}: the classes and members
 * that Java and Kotlin callers of its compiled classes can use, in the text format of Kotlin's
 * binary-compatibility-validator (BCV).
 *
 * <p>The ABI is read by {@code org.jetbrains.kotlin:abi-tools}, the Kotlin toolchain's successor of BCV: it reads the
 * class files together with their Kotlin metadata, so {@code internal} and synthetic members are left out while
 * {@code @PublishedApi internal} ones stay in. On top of that, declarations annotated with one of the non-public markers
 * (BCV's {@code nonPublicMarkers}), the classes nested in such a class, and classes whose name matches one of the
 * ignored patterns are left out.
 *
 * <p>Arguments, in order:
 *
 * <ol>
 *   <li>{@code check} or {@code dump};
 *   <li>the module's name, for messages;
 *   <li>its classes directory ({@code target/classes}); the current dump is also written beside it, to {@code
 *       target/api/MODULE.api};
 *   <li>the committed dump file;
 *   <li>the non-public markers: annotation class names, comma-separated (exact names, no patterns);
 *   <li>the ignored classes: name patterns, comma-separated, where {@code **} is any characters and {@code *} any but a
 *       dot ({@code **.internal.**} is every class in a package named {@code internal}).
 * </ol>
 *
 * <p>{@code check} prints a unified diff and the update command, then fails, when the compiled API differs from the
 * committed dump; {@code dump} overwrites the committed dump. The parent pom runs this at {@code verify} in the public
 * modules, in Maven's JVM ({@code exec:java}), where an exception thrown by {@code main} fails the build with its
 * message.
 */
public final class ApiDump {
    /** What a developer runs, from the root, to accept an API change. */
    static final String UPDATE_COMMAND = "mvn -B -q -DskipTests -Dapi.dump verify";

    private ApiDump() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 6 || !(args[0].equals("check") || args[0].equals("dump"))) {
            throw new Failure("usage: ApiDump check|dump MODULE CLASSES_DIR DUMP_FILE MARKERS IGNORED_CLASSES");
        }
        boolean dump = args[0].equals("dump");
        String module = args[1];
        Path classesDir = Path.of(args[2]);
        Path committed = shown(Path.of(args[3]));
        Set<String> markers = names(args[4]);
        List<File> classFiles = classFiles(classesDir);
        Set<String> excludedClasses = new TreeSet<>(names(args[5]));
        excludedClasses.addAll(nestedInMarked(classFiles, markers));
        AbiFilters filters = new AbiFilters(Set.of(), excludedClasses, Set.of(), markers);

        StringBuilder api = new StringBuilder();
        AbiTools tools = AbiTools.Companion.getInstance(ApiDump.class.getClassLoader());
        tools.printJvmDump(api, classFiles, filters);

        if (dump) {
            boolean unchanged = Files.isRegularFile(committed)
                    && Files.readString(committed).contentEquals(api);
            Files.createDirectories(committed.toAbsolutePath().getParent());
            Files.writeString(committed, api);
            System.out.println(module + ": " + committed + (unchanged ? " unchanged" : " written"));
            return;
        }

        if (!Files.isRegularFile(committed)) {
            throw new Failure("API check failed for " + module + ": there is no API dump at " + committed
                    + ". Write it from the project's root with `" + UPDATE_COMMAND + "` and commit it.");
        }
        Path current = shown(classesDir.toAbsolutePath().resolveSibling("api").resolve(module + ".api"));
        Files.createDirectories(current.toAbsolutePath().getParent());
        Files.writeString(current, api);
        // a unified diff, line by line (so line endings don't count), or null when the two are the same
        String diff = tools.filesDiff(committed.toFile(), current.toFile());
        if (diff != null) {
            System.err.println("API check failed for " + module + ": the compiled public API (" + current
                    + ") differs from the committed dump (" + committed + "):");
            System.err.println(diff);
            throw new Failure("API check failed for " + module + ": see the diff above. If the change is intended,"
                    + " update the dumps from the project's root with `" + UPDATE_COMMAND + "` and commit them.");
        }
    }

    /** A failure that Maven shows as its message alone: it has no stack trace, which would only be noise. */
    static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /** Every class file under {@code dir}, in a stable order; none when it doesn't exist (a module without classes). */
    private static List<File> classFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".class"))
                    .sorted()
                    .map(Path::toFile)
                    .toList();
        }
    }

    /**
     * Name patterns for the classes nested, at any depth, in a class that carries one of the {@code markers}: abi-tools,
     * like BCV, leaves out only what carries a marker itself, while Kotlin's opt-in also covers what is nested in a
     * marked class, its companion say (KT-78126, BCV issue 91).
     */
    private static Set<String> nestedInMarked(List<File> classFiles, Set<String> markers) throws IOException {
        Set<String> descriptors =
                markers.stream().map(m -> "L" + m.replace('.', '/') + ";").collect(Collectors.toSet());
        Set<String> patterns = new TreeSet<>();
        for (File file : classFiles) {
            ClassReader reader = new ClassReader(Files.readAllBytes(file.toPath()));
            reader.accept(
                    new ClassVisitor(Opcodes.ASM9) {
                        @Override
                        public AnnotationVisitor visitAnnotation(String descriptor, boolean visible) {
                            if (descriptors.contains(descriptor)) {
                                // abi-tools' qualified names: dots between packages and between nested classes
                                patterns.add(
                                        reader.getClassName().replace('/', '.').replace('$', '.') + ".**");
                            }
                            return null;
                        }
                    },
                    ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        }
        return patterns;
    }

    private static Set<String> names(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
    }

    /** {@code path} relative to the working directory (where mvn was started) when it lies below it, for shorter messages. */
    private static Path shown(Path path) {
        Path cwd = Path.of("").toAbsolutePath();
        Path absolute = path.toAbsolutePath().normalize();
        return absolute.startsWith(cwd) ? cwd.relativize(absolute) : absolute;
    }
}
