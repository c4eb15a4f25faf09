package dev.sluice.batch.internal;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Enum parsing shared by the public option enums: SageMaker spells them CamelCase, containers SCREAMING_CASE. */
public final class Names {
    private Names() {
    }

    public static <E extends Enum<E>> E parse(Class<E> type, String value, String option) {
        if (value == null) {
            throw new IllegalArgumentException(option + " must not be null");
        }
        String wanted = squash(value);
        for (E e : type.getEnumConstants()) {
            if (squash(e.name()).equals(wanted)) {
                return e;
            }
        }
        throw new IllegalArgumentException(option + " must be one of " + Arrays.stream(type.getEnumConstants())
                .map(e -> camel(e.name())).collect(Collectors.joining(", ")) + ", got '" + value + "'");
    }

    private static String squash(String s) {
        return s.replace("_", "").replace("-", "").trim().toLowerCase(Locale.ROOT);
    }

    private static String camel(String name) {
        return switch (name) {
            case "RECORD_IO" -> "RecordIO";
            case "TF_RECORD" -> "TFRecord";
            default -> Arrays.stream(name.split("_"))
                    .map(p -> p.charAt(0) + p.substring(1).toLowerCase(Locale.ROOT)).collect(Collectors.joining());
        };
    }
}
