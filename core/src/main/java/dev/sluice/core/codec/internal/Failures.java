package dev.sluice.core.codec.internal;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;

/** Last-resort mapping for decoders, whose contract is that bad input only ever yields a ValidationError. */
public final class Failures {
    private Failures() {
    }

    /**
     * A ValidationError for a runtime exception a decoder did not anticipate. Decoders check input explicitly, so
     * reaching this is a gap in those checks; the cause is kept so that tests (and logs) can tell it apart from an
     * ordinary validation failure, whose cause is null or an {@link java.io.IOException} from a parser.
     */
    /**
     * Decodes with {@code decoder}, letting SluiceExceptions through and turning any other runtime exception into
     * {@link #unexpected}, so every codec keeps the "bad input only yields a ValidationError" contract the same way.
     */
    public static <T> T guarded(String format, java.util.function.Supplier<T> decoder) {
        try {
            return decoder.get();
        } catch (SluiceException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unexpected(format, e);
        }
    }

    public static SluiceException unexpected(String format, RuntimeException e) {
        return new SluiceException(ErrorCode.VALIDATION_ERROR, "could not decode the " + format + " body: "
                + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
    }
}
