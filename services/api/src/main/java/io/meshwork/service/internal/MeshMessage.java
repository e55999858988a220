package io.meshwork.service.internal;

/**
 * Marker for every Meshwork message that may cross nodes. Bound to {@link MeshSerializer} in
 * reference.conf, so none of them ever falls back to Java serialization.
 */
public interface MeshMessage {}
