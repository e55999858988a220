// The client's options and a call's options: defaults, and checks whose messages state the value
// and what was expected.
"use strict";

const MAX_UINT32 = 0xffffffff;

/**
 * @typedef {object} MeshClientOptions
 * @property {Array<string | {host: string, port: number}>} nodes client endpoints, "host:port" ("[::1]:7700" for IPv6)
 * @property {number} [connectTimeoutMs=3000] per connection attempt
 * @property {number} [defaultDeadlineMs=5000] deadline of a call that sets none
 * @property {number} [defaultStreamDeadlineMs=300000] deadline (to the first item) of a stream that sets none: the node's default max-deadline
 * @property {number} [graceMs=1000] how long after a call's deadline the client-side timer fails it when the node has not answered
 * @property {number} [maxReplyFrameBytes=16777216] larger reply frames close the connection (checked before the frame is buffered)
 * @property {number} [maxRequestFrameBytes=1048576] larger requests are refused with BAD_REQUEST before sending; the node's max-frame-size
 * @property {number} [maxQueuedBytes=67108864] request bytes that may wait for one connection's socket before calls are refused with OVERLOADED
 * @property {{initialDelayMs?: number, maxDelayMs?: number}} [reconnect] backoff between attempts: initial 100 ms, doubling to 5000 ms, with jitter
 */

/** @param {MeshClientOptions} options */
function validateOptions(options) {
  if (options === null || typeof options !== "object") throw new TypeError(`options: ${String(options)} (expected: an object)`);
  const { nodes } = options;
  if (!Array.isArray(nodes) || nodes.length === 0) {
    throw new TypeError(`nodes: ${JSON.stringify(nodes)} (expected: a non-empty array of "host:port")`);
  }
  nodes.forEach(parseNodeAddress); // throws for a bad one
  const reconnect = options.reconnect ?? {};
  const result = {
    nodes: [...nodes],
    connectTimeoutMs: positiveInt("connectTimeoutMs", options.connectTimeoutMs, 3000),
    defaultDeadlineMs: positiveInt("defaultDeadlineMs", options.defaultDeadlineMs, 5000, MAX_UINT32),
    defaultStreamDeadlineMs: positiveInt("defaultStreamDeadlineMs", options.defaultStreamDeadlineMs, 300_000, MAX_UINT32),
    graceMs: positiveInt("graceMs", options.graceMs, 1000),
    maxReplyFrameBytes: positiveInt("maxReplyFrameBytes", options.maxReplyFrameBytes, 16 << 20),
    maxRequestFrameBytes: positiveInt("maxRequestFrameBytes", options.maxRequestFrameBytes, 1 << 20),
    maxQueuedBytes: positiveInt("maxQueuedBytes", options.maxQueuedBytes, 64 << 20),
    reconnect: {
      initialDelayMs: positiveInt("reconnect.initialDelayMs", reconnect.initialDelayMs, 100),
      maxDelayMs: positiveInt("reconnect.maxDelayMs", reconnect.maxDelayMs, 5000),
    },
  };
  if (result.reconnect.maxDelayMs < result.reconnect.initialDelayMs) {
    throw new RangeError(`reconnect.maxDelayMs: ${result.reconnect.maxDelayMs} (expected: >= reconnect.initialDelayMs = ${result.reconnect.initialDelayMs})`);
  }
  return Object.freeze(result);
}

/** {host, port, address} of "host:port", "[v6]:port" or {host, port}. */
function parseNodeAddress(node) {
  let host, port;
  if (typeof node === "string") {
    const m = /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(node);
    if (m === null) throw new TypeError(`node: "${node}" (expected: "host:port", or "[v6 address]:port")`);
    host = m[1] ?? m[2];
    port = Number(m[3]);
  } else if (node !== null && typeof node === "object") {
    host = node.host;
    port = node.port;
  }
  if (typeof host !== "string" || host === "" || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`node: ${JSON.stringify(node)} (expected: "host:port" with a port from 1 to 65535)`);
  }
  const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, address };
}

/** A call's options with the deadline filled in. */
function validateCallOptions(options, defaultDeadlineMs) {
  if (options === null || typeof options !== "object") throw new TypeError(`options: ${String(options)} (expected: an object)`);
  const deadlineMs = positiveInt("deadlineMs", options.deadlineMs, defaultDeadlineMs, MAX_UINT32);
  const { headers, signal } = options;
  if (headers !== undefined) {
    if (headers === null || typeof headers !== "object") throw new TypeError(`headers: ${String(headers)} (expected: an object of strings)`);
    for (const [k, v] of Object.entries(headers)) {
      if (typeof v !== "string") throw new TypeError(`headers.${k}: ${String(v)} (expected: a string)`);
    }
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`signal: ${String(signal)} (expected: an AbortSignal)`);
  return { deadlineMs, headers, signal };
}

/** The payload as bytes: a Uint8Array as is, a string as UTF-8, nothing as empty. */
function toPayload(payload) {
  if (payload === undefined || payload === null) return EMPTY;
  if (payload instanceof Uint8Array) return payload;
  if (typeof payload === "string") return Buffer.from(payload, "utf8");
  throw new TypeError(`payload: ${Object.prototype.toString.call(payload)} (expected: a Buffer, a Uint8Array or a string)`);
}

const EMPTY = Buffer.alloc(0);

function positiveInt(name, value, defaultValue, max = Number.MAX_SAFE_INTEGER) {
  if (value === undefined) return defaultValue;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name}: ${value} (expected: an integer from 1 to ${max})`);
  }
  return value;
}

module.exports = { validateOptions, parseNodeAddress, validateCallOptions, toPayload };
