package io.meshwork.service.internal;

/** What a service instance receives from callers: one call, or several at once. */
public sealed interface CallMessage extends MeshMessage permits ServiceCall, ServiceCallBatch {}
