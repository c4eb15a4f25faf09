package dev.sluice.modelhost.internal;

import dev.sluice.core.ErrorCode;
import dev.sluice.core.SluiceException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/** The SluiceExceptions a remote host's failures become: the error code is the contract, the text is for people. */
public final class RemoteFailures {
    /** SageMaker names the single container of a model "primary" in ModelError messages. */
    public static final String CONTAINER_NAME = "primary";
    /** SageMaker reports at most this much of a container's error body as OriginalMessage. */
    public static final int ORIGINAL_MESSAGE_LIMIT = 4096;

    private RemoteFailures() {
    }

    /** The container answered with a non-2xx status: SageMaker's ModelError, carrying the container's own words. */
    public static SluiceException containerError(int status, byte[] body) {
        String original = originalMessage(body);
        String kind = status >= 500 ? "server error" : status >= 400 ? "client error" : "unexpected status";
        return SluiceException.modelError("Received " + kind + " (" + status + ") from " + CONTAINER_NAME
                + " with message \"" + original + "\"", null, status, original);
    }

    /** SageMaker's rule: a container that does not answer in time is a ModelError with OriginalStatusCode 0. */
    public static SluiceException timedOut(Duration timeout) {
        return SluiceException.modelError("Invocation timed out after " + seconds(timeout)
                + " s while waiting for a response from container " + CONTAINER_NAME, null, 0, null);
    }

    public static SluiceException unreachable(RemoteEndpoint endpoint, Throwable cause) {
        return new SluiceException(ErrorCode.SERVICE_UNAVAILABLE,
                "remote host " + endpoint.url() + " is unreachable: " + describe(cause), cause);
    }

    public static SluiceException closedBeforeAnswer(RemoteEndpoint endpoint) {
        return new SluiceException(ErrorCode.INTERNAL_DEPENDENCY,
                "connection to remote host " + endpoint.url() + " closed before it answered");
    }

    public static SluiceException malformedAnswer(RemoteEndpoint endpoint, Throwable cause) {
        return new SluiceException(ErrorCode.INTERNAL_DEPENDENCY,
                "remote host " + endpoint.url() + " sent an answer that could not be read: " + describe(cause), cause);
    }

    public static SluiceException clientClosed(RemoteEndpoint endpoint) {
        return new SluiceException(ErrorCode.SERVICE_UNAVAILABLE,
                "remote host " + endpoint.url() + " is unavailable: the remote host client is closed");
    }

    public static SluiceException invalidRequest(IllegalArgumentException cause) {
        return new SluiceException(ErrorCode.VALIDATION_ERROR, "request cannot be forwarded: " + describe(cause), cause);
    }

    /**
     * Why a connection could not be had. The pool fails an acquire with IllegalStateException only for its queue
     * bound or for being closed, and TimeoutException only for its acquire timeout; everything else is the network.
     */
    public static SluiceException acquireFailed(RemoteEndpoint endpoint, Throwable cause, boolean clientClosed,
                                                int maxPending, Duration acquireTimeout) {
        if (clientClosed) {
            return clientClosed(endpoint);
        }
        if (cause instanceof IllegalStateException) {
            return new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "remote host " + endpoint.url()
                    + " has too many requests waiting for a connection (limit " + maxPending + ")", cause);
        }
        if (cause instanceof TimeoutException) {
            return new SluiceException(ErrorCode.SERVICE_UNAVAILABLE, "remote host " + endpoint.url()
                    + " had no free connection within " + seconds(acquireTimeout) + " s", cause);
        }
        return unreachable(endpoint, cause);
    }

    /** "60", "0.3": durations as SageMaker's messages print them, in seconds. */
    public static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros().toPlainString();
    }

    /**
     * The body as UTF-8, cut to {@link #ORIGINAL_MESSAGE_LIMIT} chars. Decodes only as many bytes as can matter,
     * so a container answering 64 MB of error text costs no 64 MB string, and never splits a surrogate pair.
     */
    static String originalMessage(byte[] body) {
        int length = Math.min(body.length, ORIGINAL_MESSAGE_LIMIT * 4);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        CharBuffer chars = CharBuffer.allocate(ORIGINAL_MESSAGE_LIMIT);
        decoder.decode(ByteBuffer.wrap(body, 0, length), chars, length == body.length);
        chars.flip();
        return chars.toString();
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "no cause given";
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
