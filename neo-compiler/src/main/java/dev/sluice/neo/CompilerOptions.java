package dev.sluice.neo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * SageMaker's {@code CompilerOptions} as Sluice reads them, checked against the target.
 *
 * <ul>
 *   <li>{@code dtype}: {@code float32}, {@code int8} (CPU targets) or {@code float16} (GPU targets); absent: the
 *       target's default, and a default int8 that fails the accuracy gate falls back to float32;</li>
 *   <li>{@code mcpu}: a CPU model ({@code cascadelake}, {@code neoverse-n1}, ...) whose features the artifact then
 *       requires;</li>
 *   <li>{@code mattr}: LLVM-style feature names ({@code +avx512f,+avx512vnni}, {@code ["+dotprod"]}): {@code +x} adds
 *       a required feature, {@code -x} drops one of the target's defaults.</li>
 * </ul>
 *
 * @param dtype          the precision to compile to
 * @param dtypeExplicit  whether the user chose it (then a gate failure is an error, not a fallback)
 * @param cpuFeatures    the CPU flags the artifact will require ({@code /proc/cpuinfo} spelling)
 */
public record CompilerOptions(String dtype, boolean dtypeExplicit, List<String> cpuFeatures) {
    public static final List<String> KEYS = List.of("dtype", "mcpu", "mattr");

    private static final Map<String, List<String>> X86_CPUS = new LinkedHashMap<>();
    private static final Map<String, List<String>> ARM_CPUS = new LinkedHashMap<>();
    private static final Map<String, String> X86_ATTRS = new LinkedHashMap<>();
    private static final Map<String, String> ARM_ATTRS = new LinkedHashMap<>();

    static {
        List<String> avx2 = List.of("avx2", "fma");
        List<String> avx512 = List.of("avx2", "fma", "avx512f");
        List<String> vnni = List.of("avx2", "fma", "avx512f", "avx512_vnni");
        for (String cpu : List.of("x86-64-v3", "haswell", "broadwell", "skylake", "znver1", "znver2", "znver3")) {
            X86_CPUS.put(cpu, avx2);
        }
        for (String cpu : List.of("x86-64-v4", "skylake-avx512")) {
            X86_CPUS.put(cpu, avx512);
        }
        for (String cpu : List.of("cascadelake", "icelake-server", "sapphirerapids", "znver4")) {
            X86_CPUS.put(cpu, vnni);
        }
        ARM_CPUS.put("cortex-a72", List.of());
        ARM_CPUS.put("cortex-a76", List.of("asimddp"));
        ARM_CPUS.put("neoverse-n1", List.of("asimddp"));
        ARM_CPUS.put("neoverse-v1", List.of("asimddp", "sve"));
        ARM_CPUS.put("neoverse-v2", List.of("asimddp", "sve2"));
        X86_ATTRS.putAll(Map.of("avx2", "avx2", "fma", "fma", "f16c", "f16c", "avx512f", "avx512f", "avx512bw",
                "avx512bw", "avx512vl", "avx512vl", "avx512dq", "avx512dq", "avx512vnni", "avx512_vnni", "avxvnni",
                "avx_vnni"));
        X86_ATTRS.put("avx512bf16", "avx512_bf16");
        X86_ATTRS.put("amx-int8", "amx_int8");
        ARM_ATTRS.putAll(Map.of("neon", "asimd", "dotprod", "asimddp", "sve", "sve", "sve2", "sve2", "i8mm", "i8mm",
                "bf16", "bf16", "fullfp16", "asimdhp"));
    }

    public CompilerOptions {
        cpuFeatures = List.copyOf(cpuFeatures);
    }

    /**
     * Checks {@code options} (keys case-insensitive) against {@code target}.
     *
     * @throws IllegalArgumentException naming the option and what it accepts
     */
    public static CompilerOptions resolve(Target target, Map<String, String> options) {
        Map<String, String> given = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : options.entrySet()) {
            String key = e.getKey() == null ? "" : e.getKey().trim().toLowerCase(Locale.ROOT);
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown compiler option '" + e.getKey() + "'; Sluice reads "
                        + String.join(", ", KEYS));
            }
            if (e.getValue() != null && !e.getValue().isBlank()) {
                given.put(key, e.getValue().trim());
            }
        }
        String dtype = given.containsKey("dtype") ? dtype(target, given.get("dtype")) : target.defaultDtype();
        Set<String> features = new LinkedHashSet<>(target.cpuFeatures());
        boolean x86 = target.arch().equals("x86_64");
        if (given.containsKey("mcpu")) {
            String cpu = given.get("mcpu").toLowerCase(Locale.ROOT);
            Map<String, List<String>> cpus = x86 ? X86_CPUS : ARM_CPUS;
            List<String> implied = cpus.get(cpu);
            if (implied == null) {
                throw new IllegalArgumentException("compiler option mcpu '" + given.get("mcpu") + "' is not a known "
                        + target.arch() + " CPU for target " + target.name() + "; known: " + String.join(", ",
                        cpus.keySet()));
            }
            features.addAll(implied);
        }
        if (given.containsKey("mattr")) {
            Map<String, String> attrs = x86 ? X86_ATTRS : ARM_ATTRS;
            for (String token : given.get("mattr").replaceAll("[\\[\\]\"]", " ").split("[,\\s]+")) {
                if (token.isBlank()) {
                    continue;
                }
                boolean remove = token.startsWith("-");
                String name = token.replaceFirst("^[+-]", "").toLowerCase(Locale.ROOT);
                String flag = attrs.get(name);
                if (flag == null) {
                    throw new IllegalArgumentException("compiler option mattr: '" + token + "' is not a known "
                            + target.arch() + " feature for target " + target.name() + "; known: "
                            + String.join(", ", attrs.keySet()));
                }
                if (remove) {
                    features.remove(flag);
                } else {
                    features.add(flag);
                }
            }
        }
        return new CompilerOptions(dtype, given.containsKey("dtype"), new ArrayList<>(features));
    }

    private static String dtype(Target target, String value) {
        String dtype = switch (value.toLowerCase(Locale.ROOT)) {
            case "float32", "fp32" -> Targets.DTYPE_FLOAT32;
            case "float16", "fp16" -> Targets.DTYPE_FLOAT16;
            case "int8" -> Targets.DTYPE_INT8;
            default -> throw new IllegalArgumentException("compiler option dtype must be float32, float16 or int8, got '"
                    + value + "'");
        };
        if (dtype.equals(Targets.DTYPE_FLOAT16) && !target.gpu()) {
            throw new IllegalArgumentException("compiler option dtype float16 needs a GPU target (ml_g4dn, ml_g5, ml_p3,"
                    + " linux/x86_64/nvidia): ONNX Runtime's CPU provider has no fast float16 kernels; CPU target "
                    + target.name() + " takes float32 or int8");
        }
        if (dtype.equals(Targets.DTYPE_INT8) && target.gpu()) {
            throw new IllegalArgumentException("compiler option dtype int8 is for CPU targets (its dynamic-quantisation"
                    + " kernels are CPU-only in ONNX Runtime); GPU target " + target.name() + " takes float16 or float32");
        }
        return dtype;
    }
}
