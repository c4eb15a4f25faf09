package dev.sluice.core;

import java.util.Objects;

/**
 * The one exception type every layer throws for a failure a client should see. It carries the SageMaker error
 * code (and so the HTTP status); exactly one mapper in the gateway turns it into a response. Nothing matches on
 * the message text.
 */
public final class SluiceException extends RuntimeException {
    private final ErrorCode code;
    /** For {@link ErrorCode#MODEL_ERROR}: the container's status (0 when it timed out), else -1. */
    private final int originalStatusCode;
    /** For {@link ErrorCode#MODEL_ERROR}: the container's own message, may be null. */
    private final String originalMessage;

    public SluiceException(ErrorCode code, String message) {
        this(code, message, null, -1, null);
    }

    public SluiceException(ErrorCode code, String message, Throwable cause) {
        this(code, message, cause, -1, null);
    }

    public SluiceException(ErrorCode code, String message, Throwable cause, int originalStatusCode, String originalMessage) {
        super(Objects.requireNonNull(message, "message"), cause, false, cause != null);
        this.code = Objects.requireNonNull(code, "code");
        this.originalStatusCode = originalStatusCode;
        this.originalMessage = originalMessage;
    }

    public static SluiceException validation(String message) {
        return new SluiceException(ErrorCode.VALIDATION_ERROR, message);
    }

    public static SluiceException modelError(String message, Throwable cause, int originalStatusCode, String originalMessage) {
        return new SluiceException(ErrorCode.MODEL_ERROR, message, cause, originalStatusCode, originalMessage);
    }

    public ErrorCode code() {
        return code;
    }

    public int originalStatusCode() {
        return originalStatusCode;
    }

    public String originalMessage() {
        return originalMessage;
    }

    /**
     * Unwraps completion wrappers and converts anything that is not a {@link SluiceException} into an
     * {@link ErrorCode#INTERNAL_FAILURE}, so callers of async services always see one type.
     */
    public static SluiceException from(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof SluiceException se) {
            return se;
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return new SluiceException(ErrorCode.INTERNAL_FAILURE, message, t);
    }
}
