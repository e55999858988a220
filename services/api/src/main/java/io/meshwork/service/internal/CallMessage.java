package io.meshwork.service.internal;

/** What a service instance receives from callers: one call, several at once, or a cancellation. */
public sealed interface CallMessage extends MeshMessage
    permits ServiceCall, ServiceCallBatch, CancelCall {}
