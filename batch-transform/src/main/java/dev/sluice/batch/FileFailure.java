package dev.sluice.batch;

import java.util.Objects;

/** One input that produced no {@code .out}, and why. */
public record FileFailure(String input, String reason) {
    public FileFailure {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(reason, "reason");
    }
}
