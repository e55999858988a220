package io.meshwork.service.internal;

/**
 * What a service instance receives from callers: one call, several at once, or a cancellation (of a
 * call, or of every call of a connection).
 */
public sealed interface CallMessage extends MeshMessage
    permits ServiceCall, ServiceCallBatch, CancelCall, CancelConnection {}
