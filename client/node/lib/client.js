// MeshClient: calls spread round robin over the connected nodes, a connection per node kept up by
// its NodeLink, streams on connections of their own.
"use strict";

const { EventEmitter } = require("node:events");
const { Connection } = require("./connection");
const { NodeLink } = require("./node-link");
const { MeshStream } = require("./stream");
const { MeshError, Status } = require("./errors");
const { METHOD_TYPES, TO_OBJECT, lookupType } = require("./protos");
const { parseNodeAddress, validateOptions, validateCallOptions, toPayload } = require("./options");

/**
 * A client of one or more Meshwork nodes. Create it with {@link MeshClient.connect}; end it with
 * {@link MeshClient#close}.
 *
 * Events (it never emits "error"): "connect" (address) when a connection to a node opens,
 * "disconnect" (address, reason) when one closes other than by close().
 */
class MeshClient extends EventEmitter {
  /**
   * Connects to the nodes and resolves once at least one connection is open; the others keep
   * trying in the background. Rejects with a MeshError UNAVAILABLE, naming every node and why,
   * when the first attempt to each node fails.
   *
   * @param {import("./options").MeshClientOptions} options
   * @returns {Promise<MeshClient>}
   */
  static async connect(options) {
    const client = new MeshClient(options);
    const attempts = client.links.map((link) => link.start());
    try {
      await Promise.any(attempts);
    } catch {
      const reasons = client.links.map((l) => `${l.address}: ${l.lastError}`).join("; ");
      await client.close();
      throw new MeshError(Status.UNAVAILABLE, `cannot connect to any node (${reasons})`);
    }
    return client;
  }

  /** @param {import("./options").MeshClientOptions} options use {@link MeshClient.connect} */
  constructor(options) {
    super();
    this.options = validateOptions(options);
    this.isClosed = false;
    this.closing = null;
    this.nextLink = 0;
    this.streams = new Set();
    const events = {
      onConnect: (link) => this.emit("connect", link.address),
      onDisconnect: (link, reason) => this.emit("disconnect", link.address, reason),
    };
    this.links = this.options.nodes.map((n) => new NodeLink(parseNodeAddress(n), this.options, events));
  }

  /**
   * Calls a method with raw payload bytes.
   *
   * @param {string} service e.g. "echo"
   * @param {string} [method] e.g. "get"; "" for single-method services
   * @param {Uint8Array | string} [payload] the service's request message, serialized; a string is sent as UTF-8
   * @param {CallOptions} [options]
   * @returns {Promise<Buffer>} the reply's payload; rejects with a MeshError for any status but OK
   */
  call(service, method = "", payload = undefined, options = {}) {
    return new Promise((resolve, reject) => {
      const opts = validateCallOptions(options, this.options.defaultDeadlineMs);
      const body = toPayload(payload);
      checkName("service", service);
      checkName("method", method);
      const link = this.pickLink();
      if (link === null) {
        reject(this.noNode());
        return;
      }
      const connection = link.usableConnection;
      let id = 0;
      const abort = onAbort(opts.signal, () => {
        connection.forget(id);
        reject(opts.signal.reason);
      });
      if (abort === null) {
        reject(opts.signal.reason);
        return;
      }
      id = connection.send(service, method, body, opts.deadlineMs, opts.headers, {
        onEnd: (reply) => {
          abort.dispose();
          resolve(reply);
        },
        onError: (error) => {
          abort.dispose();
          reject(error);
        },
      });
    });
  }

  /**
   * Calls a method with plain objects, encoded and decoded with the bundled .proto types. The
   * built-in services' methods know their types (e.g. "kv"/"get": KvGetRequest to KvGetReply);
   * for others pass `requestType` and `replyType`. Field names are those of the .proto files
   * (`key_bytes`); bytes fields are Buffers (a string there is read as base64); enums are names;
   * 64-bit integers are numbers. Replies carry every field, defaults included.
   *
   * @param {string} service
   * @param {string} method
   * @param {object} request
   * @param {CallOptions & TypeOptions} [options]
   * @returns {Promise<object>}
   */
  async callTyped(service, method, request, options = {}) {
    const [requestType, replyType] = messageTypes(service, method, options);
    const payload = requestType.encode(requestType.fromObject(request ?? {})).finish();
    const reply = await this.call(service, method, payload, options);
    return decodeReply(replyType, reply, service, method);
  }

  /**
   * Calls a streaming method; returns its items as an async iterable of Buffers. The stream runs
   * on a connection of its own to the next node in turn; leaving the `for await` loop early, or
   * `cancel()`, closes that connection, which cancels the stream at the node. The deadline (default
   * `defaultStreamDeadlineMs`, 5 minutes) bounds the time to the first item only; a stream that
   * fails ends the loop with a MeshError.
   *
   * @param {string} service
   * @param {string} method
   * @param {Uint8Array | string} [payload]
   * @param {CallOptions & { highWaterMark?: number }} [options]
   * @returns {MeshStream<Buffer>}
   */
  stream(service, method, payload = undefined, options = {}) {
    return this.openStream(service, method, payload, options, (b) => b);
  }

  /**
   * {@link MeshClient#stream} with plain objects, as {@link MeshClient#callTyped}: e.g.
   * `client.streamTyped("pubsub", "subscribe", { topic: "news" })` yields TopicMessage objects.
   * @returns {MeshStream<object>}
   */
  streamTyped(service, method, request, options = {}) {
    const [requestType, replyType] = messageTypes(service, method, options);
    const payload = requestType.encode(requestType.fromObject(request ?? {})).finish();
    return this.openStream(service, method, payload, options, (b) => decodeReply(replyType, b, service, method));
  }

  /**
   * The nodes and their state, e.g. for a health endpoint:
   * `[{ address, connected, inFlight, lastError, reconnectInMs }]`.
   */
  nodes() {
    return this.links.map((l) => l.status());
  }

  /**
   * Closes every connection and stream and stops reconnecting. Calls in flight, and every later
   * call, reject with UNAVAILABLE; streams end with UNAVAILABLE. Resolves once every socket is
   * closed; idempotent.
   * @returns {Promise<void>}
   */
  close() {
    if (this.closing === null) {
      this.isClosed = true;
      const reason = "the client is closed";
      const done = this.links.map((l) => l.stop(reason));
      for (const s of this.streams) {
        s.onError(new MeshError(Status.UNAVAILABLE, reason, { node: s.node }));
        done.push(s.closed);
      }
      this.closing = Promise.all(done).then(() => undefined);
    }
    return this.closing;
  }

  // --- internals ---------------------------------------------------------------------------

  /** The next node in turn with a usable connection, or null. */
  pickLink() {
    if (this.isClosed) return null;
    const n = this.links.length;
    for (let i = 0; i < n; i++) {
      const link = this.links[(this.nextLink + i) % n];
      if (link.usableConnection !== null) {
        this.nextLink = (this.nextLink + i + 1) % n;
        return link;
      }
    }
    return null;
  }

  noNode() {
    if (this.isClosed) return new MeshError(Status.UNAVAILABLE, "the client is closed");
    const why = this.links
      .map((l) => `${l.address}: ${l.lastError ?? "connecting"}${l.retryTimer ? `, next attempt in ${Math.max(0, l.retryAt - Date.now())} ms` : ""}`)
      .join("; ");
    return new MeshError(Status.UNAVAILABLE, `no node connected (${why})`);
  }

  openStream(service, method, payload, options, decode) {
    const opts = validateCallOptions(options, this.options.defaultStreamDeadlineMs);
    const body = toPayload(payload);
    checkName("service", service);
    checkName("method", method);
    const highWaterMark = options.highWaterMark ?? 1024;
    if (!Number.isSafeInteger(highWaterMark) || highWaterMark < 1) {
      throw new RangeError(`highWaterMark: ${highWaterMark} (expected: an integer >= 1)`);
    }
    return new MeshStream((stream) => {
      if (this.isClosed) {
        stream.failToOpen(this.noNode());
        return;
      }
      this.streams.add(stream);
      stream.closed.then(() => this.streams.delete(stream));
      const abort = onAbort(opts.signal, () => stream.cancel());
      if (abort === null) {
        stream.failToOpen(opts.signal.reason);
        return;
      }
      stream.closed.then(() => abort.dispose());
      // Each connected node in turn, until one accepts the stream's connection.
      const open = (triesLeft) => {
        const link = this.pickLink();
        if (link === null) {
          stream.failToOpen(this.noNode());
          return;
        }
        Connection.open(link.host, link.port, link.address, this.options, (attempt) => stream.opening(attempt)).then(
          (connection) => {
            stream.attach(connection);
            if (stream.ended) return;
            connection.send(service, method, body, opts.deadlineMs, opts.headers, {
              stream: true,
              onItem: (p) => stream.onItem(p),
              onEnd: (p) => stream.onEnd(p),
              onError: (e) => stream.onError(e),
            });
          },
          (error) => {
            if (triesLeft > 1 && !stream.ended && !this.isClosed) open(triesLeft - 1);
            else stream.failToOpen(error);
          },
        );
      };
      open(this.links.length);
    }, decode, highWaterMark);
  }
}

/**
 * @typedef {object} CallOptions
 * @property {number} [deadlineMs] sent as deadline_ms; the node answers DEADLINE_EXCEEDED when it passes. Default: the client's defaultDeadlineMs
 * @property {Record<string, string>} [headers] request headers (auth token, trace context, routing keys)
 * @property {AbortSignal} [signal] rejects the call (or cancels the stream) when aborted
 */
/**
 * @typedef {object} TypeOptions
 * @property {string | import("protobufjs").Type} [requestType] full name, e.g. "meshwork.services.v1.KvGetRequest"
 * @property {string | import("protobufjs").Type} [replyType]
 */

function messageTypes(service, method, options) {
  const known = METHOD_TYPES[`${service}.${method}`];
  const requestName = options.requestType ?? known?.[0];
  const replyName = options.replyType ?? known?.[1];
  if (requestName === undefined || replyName === undefined) {
    throw new TypeError(`${service}/${method}: no bundled message types for this method (pass requestType and replyType)`);
  }
  return [lookupType(requestName, "requestType"), lookupType(replyName, "replyType")];
}

/** A reply payload as a plain object; INTERNAL when it is not the expected message. */
function decodeReply(type, payload, service, method) {
  try {
    return type.toObject(type.decode(payload), TO_OBJECT);
  } catch (e) {
    throw new MeshError(Status.INTERNAL, `a reply of ${service}/${method} is not a ${type.fullName.slice(1)} (${e.message})`, { cause: e });
  }
}

function checkName(what, value) {
  if (typeof value !== "string") throw new TypeError(`${what}: ${String(value)} (expected: a string)`);
}

/** Runs onAbort once when the signal aborts; null when it has aborted already. */
function onAbort(signal, handler) {
  if (signal === undefined) return { dispose() {} };
  if (signal.aborted) return null;
  signal.addEventListener("abort", handler, { once: true });
  return { dispose: () => signal.removeEventListener("abort", handler) };
}

module.exports = { MeshClient };
