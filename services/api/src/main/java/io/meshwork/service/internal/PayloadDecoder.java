package io.meshwork.service.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

/** Decodes a request payload; {@code parser::parseFrom} for protobuf messages. */
@FunctionalInterface
public interface PayloadDecoder<T> {
  T decode(ByteString payload) throws InvalidProtocolBufferException;
}
