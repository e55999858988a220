package io.meshwork.service.internal;

/** What travels back to a caller's reply path: one reply frame, or several at once. */
public sealed interface ReplyMessage extends MeshMessage permits CallResult, CallResultBatch {}
