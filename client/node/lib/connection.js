// One TCP connection to a node: pipelined calls numbered from 1, replies matched by id, writes
// coalesced into one socket.write per event-loop turn and held back while the socket is full,
// reply frames bounded, a client-side timer per call, and every failure a MeshError.
"use strict";

const net = require("node:net");
const { Request, Reply } = require("./protos");
const { FrameDecoder, FrameError } = require("./framing");
const { MeshError, Status } = require("./errors");

const EMPTY = Buffer.alloc(0);
const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's limit; the node caps deadlines far below it anyway

/**
 * Options a connection reads; MeshClient validates them and fills in the defaults.
 * @typedef {object} ConnectionOptions
 * @property {number} connectTimeoutMs
 * @property {number} graceMs            extra wait after a call's deadline before the client-side timer fires
 * @property {number} maxReplyFrameBytes
 * @property {number} maxRequestFrameBytes
 * @property {number} maxQueuedBytes     request bytes that may wait for the socket before calls are refused
 */

/**
 * The handlers of one call: exactly one of onEnd and onError is called, once.
 * @typedef {object} CallHandlers
 * @property {boolean} [stream]                    the call may answer with items (more = true)
 * @property {(payload: Buffer) => void} [onItem]  a stream item
 * @property {(payload: Buffer) => void} onEnd     the last frame, status OK
 * @property {(error: Error) => void} onError
 */

class Connection {
  /**
   * Opens a connection. Resolves once TCP is connected; rejects with UNAVAILABLE naming the node
   * when it cannot connect within connectTimeoutMs, or when `abort` is called first.
   * @param {string} host
   * @param {number} port
   * @param {string} address "host:port", for messages
   * @param {ConnectionOptions} options
   * @param {(connecting: { abort(reason: string): void }) => void} [onSocket] receives a handle that aborts the attempt
   * @returns {Promise<Connection>}
   */
  static open(host, port, address, options, onSocket) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      let settled = false;
      const fail = (reason, cause) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(new MeshError(Status.UNAVAILABLE, `cannot connect to ${address}: ${reason}`, { node: address, cause }));
      };
      const timer = setTimeout(() => fail(`no connection within ${options.connectTimeoutMs} ms`), options.connectTimeoutMs);
      socket.once("error", (e) => fail(e.message, e));
      socket.once("close", () => fail("closed while connecting"));
      socket.once("connect", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeAllListeners("error");
        socket.removeAllListeners("close");
        resolve(new Connection(socket, address, options));
      });
      if (onSocket) onSocket({ abort: (reason) => fail(reason) });
    });
  }

  /**
   * @param {net.Socket} socket a connected socket
   * @param {string} address
   * @param {ConnectionOptions} options
   */
  constructor(socket, address, options) {
    this.socket = socket;
    this.address = address;
    this.options = options;
    this.nextId = 1;
    /** @type {Map<number, {handlers: CallHandlers, timer: NodeJS.Timeout | null, sentAt: number, readsAtSend: number, deadlineMs: number, started: boolean}>} */
    this.pending = new Map();
    this.queue = [];
    this.queuedBytes = 0;
    this.flushHandle = null;
    this.waitingForDrain = false;
    this.reads = 0; // socket reads so far: tells whether anything came in while a call waited
    this.isClosed = false;
    this.closeReason = null;
    this.socketError = null;
    /** Called once, with the reason, when the connection has closed. */
    this.onClose = null;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));

    this.decoder = new FrameDecoder(options.maxReplyFrameBytes, (body) => this.onFrame(body));
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("drain", () => {
      this.waitingForDrain = false;
      this.flush();
    });
    socket.on("error", (e) => (this.socketError = e));
    socket.on("close", () => this.onSocketClose());
  }

  /** Calls waiting for their last frame. */
  get inFlight() {
    return this.pending.size;
  }

  /** True while new calls may be sent here. */
  get usable() {
    return !this.isClosed && this.nextId <= Number.MAX_SAFE_INTEGER;
  }

  /**
   * Sends one call. Its outcome reaches `handlers`, never an exception: a call refused before it is
   * sent (frame too large, send queue full, connection closed) gets onError right away.
   * @param {string} service
   * @param {string} method
   * @param {Uint8Array} payload
   * @param {number} deadlineMs 1 to 2^32 - 1
   * @param {Record<string, string> | undefined} headers
   * @param {CallHandlers} handlers
   * @returns {number} the call's id, 0 when it was refused
   */
  send(service, method, payload, deadlineMs, headers, handlers) {
    if (!this.usable) {
      handlers.onError(this.unavailable(this.isClosed ? `connection to ${this.address} is closed` : `call ids on the connection to ${this.address} are used up`));
      return 0;
    }
    const id = this.nextId;
    const frame = Request.encodeDelimited({ id, service, method, payload, deadline_ms: deadlineMs, headers }).finish();
    const bodyBytes = frame.length - prefixBytes(frame);
    if (bodyBytes > this.options.maxRequestFrameBytes) {
      handlers.onError(new MeshError(Status.BAD_REQUEST,
        `request frame of ${bodyBytes} bytes (expected: at most maxRequestFrameBytes = ${this.options.maxRequestFrameBytes}, the node's meshwork.endpoint.max-frame-size)`,
        { node: this.address }));
      return 0;
    }
    const waiting = this.queuedBytes + this.socket.writableLength;
    if (waiting + frame.length > this.options.maxQueuedBytes) {
      handlers.onError(new MeshError(Status.OVERLOADED,
        `${waiting} bytes of requests already wait for the connection to ${this.address} (maxQueuedBytes = ${this.options.maxQueuedBytes}); the node reads more slowly than calls are made`,
        { node: this.address }));
      return 0;
    }
    this.nextId++;
    const call = { handlers, timer: null, sentAt: Date.now(), readsAtSend: this.reads, deadlineMs, started: false };
    call.timer = setTimeout(() => this.onCallTimer(id), Math.min(deadlineMs + this.options.graceMs, MAX_TIMER_MS));
    this.pending.set(id, call);
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    if (this.flushHandle === null && !this.waitingForDrain) this.flushHandle = setImmediate(() => this.flush());
    return id;
  }

  /** Forgets a call: its frames are ignored from now on, and it gets no outcome. */
  forget(id) {
    const call = this.pending.get(id);
    if (call === undefined) return;
    clearTimeout(call.timer);
    this.pending.delete(id);
    this.closeIfUsedUp();
  }

  /** Ids stay below 2^53 (exact in JavaScript): a connection that used them all is replaced once idle. */
  closeIfUsedUp() {
    if (this.nextId > Number.MAX_SAFE_INTEGER && this.pending.size === 0) this.close("call ids used up");
  }

  /** Stops reading the socket (TCP then pushes back on the node) until resumeReading. */
  pauseReading() {
    if (!this.isClosed) this.socket.pause();
  }

  resumeReading() {
    if (!this.isClosed) this.socket.resume();
  }

  /** Closes the connection; calls in flight get UNAVAILABLE with the reason. */
  close(reason) {
    if (this.closeReason === null) this.closeReason = reason;
    this.socket.destroy();
    return this.closed;
  }

  // --- writing -----------------------------------------------------------------------------

  flush() {
    this.flushHandle = null;
    if (this.isClosed || this.waitingForDrain || this.queue.length === 0) return;
    const data = this.queue.length === 1 ? this.queue[0] : Buffer.concat(this.queue, this.queuedBytes);
    this.queue = [];
    this.queuedBytes = 0;
    if (!this.socket.write(data)) this.waitingForDrain = true;
  }

  // --- reading -----------------------------------------------------------------------------

  onData(chunk) {
    this.reads++;
    try {
      this.decoder.push(chunk);
    } catch (e) {
      if (!(e instanceof FrameError)) throw e;
      this.close(e.message);
    }
  }

  onFrame(body) {
    if (this.isClosed || this.closeReason !== null) return;
    let reply;
    try {
      reply = Reply.decode(body);
    } catch (e) {
      this.close(`a reply frame is not a meshwork.v1.Reply (${e.message})`);
      return;
    }
    const id = typeof reply.id === "number" ? reply.id : reply.id.toNumber();
    if (id === 0) {
      this.onConnectionError(reply);
      return;
    }
    const call = this.pending.get(id);
    if (call === undefined) return; // its client-side timer answered it already
    const payload = ownBytes(reply.payload);
    if (reply.more) {
      if (!call.handlers.stream) {
        // A unary call to a streaming method: protocol v1 cannot cancel that one stream, so the
        // call fails and its later frames are ignored.
        this.forget(id);
        call.handlers.onError(new MeshError(Status.BAD_REQUEST,
          `the method answered with a stream (more = true): call it with stream() or streamTyped()`, { node: this.address }));
        return;
      }
      if (!call.started) {
        call.started = true; // the deadline bounds the time to the first frame only
        clearTimeout(call.timer);
        call.timer = null;
      }
      call.handlers.onItem(payload);
      return;
    }
    this.forget(id);
    if (reply.status === Status.OK) {
      call.handlers.onEnd(payload);
    } else {
      call.handlers.onError(new MeshError(reply.status, reply.error || "(the node gave no reason)", { node: this.address, fromNode: true }));
    }
  }

  /**
   * A reply with id 0: the node could not read something this connection sent (an oversize or
   * corrupt frame). Which call it was cannot be known, so every call in flight gets its status;
   * the connection is then closed (the node closes it too after a bad prefix) and replaced.
   */
  onConnectionError(reply) {
    const status = reply.status === Status.OK ? Status.INTERNAL : reply.status;
    const error = `connection-level error from ${this.address}: ${reply.error || "(no reason given)"}`;
    this.failAll(() => new MeshError(status, error, { node: this.address, fromNode: true }));
    this.close(error);
  }

  onCallTimer(id) {
    const call = this.pending.get(id);
    if (call === undefined) return;
    this.pending.delete(id);
    this.closeIfUsedUp();
    call.handlers.onError(new MeshError(Status.DEADLINE_EXCEEDED,
      `no reply from ${this.address} within ${call.deadlineMs} ms (+ ${this.options.graceMs} ms grace; client-side timer)`,
      { node: this.address }));
    // The node answers every call by its deadline. Nothing at all read since this call was sent
    // means the connection is dead (a crashed host sends no FIN): replace it rather than send
    // more calls into it.
    if (this.reads === call.readsAtSend) {
      this.close(`nothing read from ${this.address} for ${Date.now() - call.sentAt} ms while calls waited`);
    }
  }

  // --- closing -----------------------------------------------------------------------------

  onSocketClose() {
    this.isClosed = true;
    if (this.flushHandle !== null) clearImmediate(this.flushHandle);
    this.flushHandle = null;
    this.queue = [];
    this.queuedBytes = 0;
    const reason = this.closeReason ?? (this.socketError ? this.socketError.message : "closed by the node");
    this.closeReason = reason;
    this.failAll(() => this.unavailable(`connection to ${this.address} closed with the call in flight (${reason})`));
    this.resolveClosed();
    if (this.onClose) this.onClose(reason);
  }

  failAll(makeError) {
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) {
      clearTimeout(call.timer);
      call.handlers.onError(makeError());
    }
  }

  unavailable(error) {
    return new MeshError(Status.UNAVAILABLE, error, { node: this.address });
  }
}

/**
 * The payload, copied when it is a small view into a larger socket read, so that a reply kept
 * for long does not keep the whole read alive.
 */
function ownBytes(payload) {
  if (!payload || payload.length === 0) return EMPTY;
  return payload.length < payload.buffer.byteLength / 2 ? Buffer.from(payload) : payload;
}

/** Bytes of the varint length prefix at the start of a frame. */
function prefixBytes(frame) {
  let i = 0;
  while (frame[i] & 0x80) i++;
  return i + 1;
}

module.exports = { Connection };
