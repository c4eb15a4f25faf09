package dev.sluice.core;

/**
 * The SageMaker error taxonomy (SAGEMAKER-CONTRACT.md §2) plus the HTTP-level errors a container answers
 * itself (413, 415, 404, 405, 507). The type name is what goes into {@code x-amzn-ErrorType} and {@code __type},
 * so AWS SDKs map it to the right modelled exception.
 */
public enum ErrorCode {
    VALIDATION_ERROR("ValidationError", 400),
    /** SageMaker answers 400 for throttling on the runtime API (observed behaviour, not a typo). */
    THROTTLING("ThrottlingException", 400),
    NOT_FOUND("ResourceNotFound", 404),
    METHOD_NOT_ALLOWED("MethodNotAllowed", 405),
    PAYLOAD_TOO_LARGE("PayloadTooLarge", 413),
    NOT_ACCEPTABLE("NotAcceptable", 406),
    /** Multi-model container API: {@code POST /models} for a model that is already loaded. */
    ALREADY_LOADED("Conflict", 409),
    UNSUPPORTED_MEDIA_TYPE("UnsupportedMediaType", 415),
    MODEL_ERROR("ModelError", 424),
    MODEL_NOT_READY("ModelNotReadyException", 429),
    INTERNAL_FAILURE("InternalFailure", 500),
    SERVICE_UNAVAILABLE("ServiceUnavailable", 503),
    INSUFFICIENT_STORAGE("InsufficientStorage", 507),
    INTERNAL_DEPENDENCY("InternalDependencyException", 530),

    // Control plane (awsJson1_1, SAGEMAKER-CONTRACT.md §3): every modelled SageMaker error there is a 400.
    VALIDATION_EXCEPTION("ValidationException", 400),
    RESOURCE_NOT_FOUND("ResourceNotFound", 400),
    RESOURCE_IN_USE("ResourceInUse", 400),
    RESOURCE_LIMIT_EXCEEDED("ResourceLimitExceeded", 400),
    CONFLICT("ConflictException", 400),
    /** What AWS services answer for an {@code X-Amz-Target} they do not implement. */
    UNKNOWN_OPERATION("UnknownOperationException", 400),
    /** A body that is not JSON, or JSON of the wrong shape (AWS's awsJson1_1 name for it). */
    SERIALIZATION("SerializationException", 400),

    // Application Auto Scaling (awsJson1_1, X-Amz-Target: AnyScaleFrontendService.<Operation>): also all 400.
    /** A scalable target or scaling policy that does not exist. */
    OBJECT_NOT_FOUND("ObjectNotFoundException", 400),
    INVALID_NEXT_TOKEN("InvalidNextTokenException", 400),
    /** The scaled resource could not be read (the endpoint's fleet failed to answer). */
    FAILED_RESOURCE_ACCESS("FailedResourceAccessException", 400),

    // Authentication (both ports, when the server authenticates): AWS's names, all 403 as SageMaker answers them.
    /** No {@code Authorization} header on a request that needs one. */
    MISSING_AUTHENTICATION_TOKEN("MissingAuthenticationTokenException", 403),
    /** An API key or AWS access key id the server does not know. */
    UNRECOGNIZED_CLIENT("UnrecognizedClientException", 403),
    /** A SigV4 signature that does not match, or one signed too far from the server's clock. */
    INVALID_SIGNATURE("InvalidSignatureException", 403),
    /** An {@code Authorization} header that is not a well-formed bearer token or SigV4 signature. */
    INCOMPLETE_SIGNATURE("IncompleteSignatureException", 403);

    private final String type;
    private final int httpStatus;

    ErrorCode(String type, int httpStatus) {
        this.type = type;
        this.httpStatus = httpStatus;
    }

    /** The error type name as SageMaker spells it. */
    public String type() {
        return type;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public boolean isClientError() {
        return httpStatus >= 400 && httpStatus < 500 && this != MODEL_ERROR;
    }
}
