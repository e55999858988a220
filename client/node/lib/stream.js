// A streaming call as an async iterator. Protocol v1 has no frame that cancels one call; closing
// the connection cancels every stream on it and the node tells the service to stop. So each
// stream runs on a connection of its own, and cancelling the stream closes that connection.
"use strict";

const { MeshError, Status } = require("./errors");

/**
 * The items of one streaming call, in order. Use it once, with `for await`: leaving the loop early
 * (break, return, throw) cancels the stream at the node. Items the code has not asked for yet are
 * buffered up to `highWaterMark`; past that the connection stops reading, TCP pushes back, and a
 * node whose outbox fills ends the stream with OVERLOADED (the protocol's rule for slow readers).
 * @template T
 * @implements {AsyncIterableIterator<T>}
 */
class MeshStream {
  /**
   * @param {(stream: MeshStream<T>) => void} start opens the connection and sends the call
   * @param {(payload: Buffer) => T} decode
   * @param {number} highWaterMark
   */
  constructor(start, decode, highWaterMark) {
    this.decode = decode;
    this.highWaterMark = highWaterMark;
    /** host:port of the node serving the stream, once its connection is open. */
    this.node = undefined;
    this.items = [];
    this.waiters = [];
    this.sawItem = false;
    this.ended = false; // no more items will come
    this.failure = null; // set when the stream ended with an error
    this.cancelled = false;
    this.connection = null;
    this.abortOpening = null; // aborts the connection attempt while there is one
    this.paused = false;
    /** Resolves once the stream's connection is closed (after the end, an error or cancel()). */
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    start(this);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** @returns {Promise<IteratorResult<T>>} */
  next() {
    if (this.items.length > 0) {
      const value = this.items.shift();
      if (this.paused && this.items.length <= this.highWaterMark / 2) {
        this.paused = false;
        this.connection?.resumeReading();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.failure !== null) {
      const failure = this.failure;
      this.failure = null; // reported once; then the iterator is done
      return Promise.reject(failure);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Called by `for await` when the loop is left early: cancels the stream. */
  async return(value) {
    await this.cancel();
    return { value, done: true };
  }

  /**
   * Cancels the stream: closes its connection, which makes the node stop the service's stream.
   * Items not yet read are dropped; a waiting `next()` ends (done). Resolves once the connection
   * is closed.
   */
  cancel() {
    if (!this.ended) {
      this.cancelled = true;
      this.finish(null);
    }
    return this.closed;
  }

  // --- called by MeshClient ----------------------------------------------------------------

  /** The connection attempt in progress; `abort(reason)` ends it. */
  opening(attempt) {
    this.abortOpening = (reason) => attempt.abort(reason);
  }

  attach(connection) {
    this.abortOpening = null;
    this.connection = connection;
    this.node = connection.address;
    connection.closed.then(() => this.resolveClosed());
    if (this.ended) connection.close("the stream was cancelled");
  }

  onItem(payload) {
    if (this.ended) return;
    this.sawItem = true;
    this.push(payload);
  }

  onEnd(payload) {
    if (this.ended) return;
    // The last frame carries an item when it has bytes, or when it is the only frame (a unary
    // method called as a stream).
    if (payload.length > 0 || !this.sawItem) this.push(payload);
    this.finish(null);
  }

  onError(error) {
    if (this.ended) return;
    this.finish(error);
  }

  /** No connection could be opened: the stream ends with that error, and there is nothing to close. */
  failToOpen(error) {
    this.abortOpening = null;
    this.onError(error);
    this.resolveClosed();
  }

  push(payload) {
    let value;
    try {
      value = this.decode(payload);
    } catch (e) {
      this.finish(e instanceof MeshError ? e : new MeshError(Status.INTERNAL, `a stream item could not be decoded: ${e.message}`, { node: this.node, cause: e }));
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ value, done: false });
      return;
    }
    this.items.push(value);
    if (!this.paused && this.items.length >= this.highWaterMark && this.connection !== null) {
      this.paused = true;
      this.connection.pauseReading();
    }
  }

  finish(error) {
    this.ended = true;
    if (this.cancelled) this.items = [];
    if (error !== null && !this.cancelled) {
      const waiter = this.waiters.shift();
      if (waiter !== undefined) waiter.reject(error);
      else this.failure = error;
    }
    for (const waiter of this.waiters.splice(0)) waiter.resolve({ value: undefined, done: true });
    const reason = this.cancelled ? "the stream was cancelled" : "the stream ended";
    if (this.connection !== null) this.connection.close(reason);
    else if (this.abortOpening !== null) this.abortOpening(reason);
  }
}

module.exports = { MeshStream };
