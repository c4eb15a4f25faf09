package dev.sluice.cli;

import java.util.Locale;
import picocli.CommandLine;

/**
 * SageMaker's {@code ModelCacheSetting}: {@code enabled} keeps models loaded until memory pressure evicts them,
 * {@code disabled} unloads a model after every call. Read case-insensitively, so SageMaker's own spelling
 * ({@code Disabled}) works too.
 */
enum CacheSetting {
    ENABLED, DISABLED;

    boolean enabled() {
        return this == ENABLED;
    }

    /** @throws IllegalArgumentException naming the value and the accepted ones */
    static CacheSetting parse(String value) {
        return switch (value == null ? "" : value.trim().toLowerCase(Locale.ROOT)) {
            case "enabled" -> ENABLED;
            case "disabled" -> DISABLED;
            default -> throw new IllegalArgumentException("'" + value + "' is not a cache setting: use enabled or "
                    + "disabled");
        };
    }

    /** The picocli side of {@link #parse}, so a bad value reads as that message rather than an enum listing. */
    static final class Converter implements CommandLine.ITypeConverter<CacheSetting> {
        @Override
        public CacheSetting convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
