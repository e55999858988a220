package io.meshwork.service.internal;

import io.meshwork.service.Call;

/**
 * Where a hosting instance keeps the unary calls its service holds past the message that brought
 * them (those that asked for {@link Call#onCancel}), so that a cancellation or the call's deadline
 * finds them.
 */
public interface HeldCalls {
  /** Keeps nothing: calls are never cancelled (e.g. a call built outside a host, in a test). */
  HeldCalls NONE =
      new HeldCalls() {
        @Override
        public void hold(Call<?, ?> call) {}

        @Override
        public void release(Call<?, ?> call) {}
      };

  /** The service holds {@code call} and wants to be told when it is cancelled. */
  void hold(Call<?, ?> call);

  /** {@code call} was answered or cancelled: forget it. May be called from any thread. */
  void release(Call<?, ?> call);
}
