"use strict";
// Runs conformance cases against a node's client port, each on a `net` connection of its own,
// writing the exact bytes the case describes and matching the reply frames it reads.

const net = require("node:net");
const protobuf = require("protobufjs");
const { types, root } = require("./suite.js");

const { Request, Reply, Status } = types;
const Long = protobuf.util.Long;

const DEFAULT_TIMEOUT_MS = 10000;
const CONNECT_TIMEOUT_MS = 5000;
const MAX_PREFIX_BYTES = 5;
const MAX_REPLY_BYTES = 8 << 20;
const SHOWN_BYTES = 32;

class StepFailed extends Error {}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------------

function hexBytes(text) {
  const digits = text.replace(/\s+/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) {
    throw new Error(`hex: "${text.slice(0, 60)}" (expected: pairs of hex digits, spaces allowed)`);
  }
  return Buffer.from(digits, "hex");
}

const TYPED_PAYLOADS = {
  statusRequest: "meshwork.services.v1.StatusRequest",
  delayRequest: "meshwork.services.v1.DelayRequest",
  streamRequest: "meshwork.services.v1.StreamRequest",
  conformanceReply: "meshwork.services.v1.ConformanceReply",
  streamItem: "meshwork.services.v1.StreamItem",
};

/** The bytes a Payload stands for; an unset payload is empty. */
function payloadBytes(payload) {
  if (!payload || !payload.kind) return Buffer.alloc(0);
  switch (payload.kind) {
    case "hex":
      return hexBytes(payload.hex);
    case "utf8":
      return Buffer.from(payload.utf8, "utf8");
    case "fill": {
      const bytes = Buffer.alloc(payload.fill.size);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i + payload.fill.offset) & 0xff;
      return bytes;
    }
    default: {
      const type = root.lookupType(TYPED_PAYLOADS[payload.kind]);
      return Buffer.from(type.encode(payload[payload.kind]).finish());
    }
  }
}

/**
 * The varint length prefix, shortest or padded to prefixBytes with 0x80 groups:
 * body of 5 bytes, prefixBytes 3 -> 85 80 00.
 */
function lengthPrefix(length, prefixBytes) {
  let shortest = 1;
  for (let rest = Math.floor(length / 128); rest > 0; rest = Math.floor(rest / 128)) shortest++;
  const count = prefixBytes || shortest;
  if (count < shortest || count > MAX_PREFIX_BYTES) {
    throw new Error(`prefix_bytes: ${prefixBytes} (expected: 0, or ${shortest} to ${MAX_PREFIX_BYTES} for a body of ${length} bytes)`);
  }
  const prefix = Buffer.alloc(count);
  for (let i = 0; i < count; i++) {
    const group = Math.floor(length / 2 ** (7 * i)) & 0x7f;
    prefix[i] = i < count - 1 ? group | 0x80 : group;
  }
  return prefix;
}

function frameBytes(frame) {
  if (frame.kind === "rawHex") return hexBytes(frame.rawHex);
  if (frame.kind !== "request") throw new Error("frame: empty (expected: request or rawHex)");
  const out = frame.request;
  const body = Buffer.from(
    Request.encode(
      Request.create({
        id: out.id,
        service: out.service,
        method: out.method,
        payload: payloadBytes(out.payload),
        deadlineMs: out.deadlineMs,
        headers: out.headers,
      }),
    ).finish(),
  );
  return Buffer.concat([lengthPrefix(body.length, out.prefixBytes), body]);
}

function describeBytes(bytes) {
  if (!bytes || bytes.length === 0) return "(empty)";
  const shown = Array.from(bytes.subarray(0, SHOWN_BYTES), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return `${shown}${bytes.length > SHOWN_BYTES ? " ..." : ""} (${bytes.length} bytes)`;
}

// ---------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------

const idText = (id) => Long.fromValue(id || 0).toUnsigned().toString();
const statusText = (n) => Status.valuesById[n] || `status ${n}`;
const abbreviate = (text) => (text.length > 120 ? `${text.slice(0, 120)}...` : text);

function describeReply(r) {
  return `{id ${idText(r.id)}, ${statusText(r.status)}${r.more ? ", more" : ""}` +
    `${r.payload.length ? `, payload ${describeBytes(r.payload)}` : ""}` +
    `${r.error ? `, error "${abbreviate(r.error)}"` : ""}}`;
}

function describeExpected(e) {
  return `{id ${idText(e.id)}, ${statusText(e.status)}${e.more ? ", more" : ""}` +
    `${e.payload ? `, payload ${describeBytes(payloadBytes(e.payload))}` : ""}` +
    `${e.errorContains ? `, error ~ "${e.errorContains}"` : ""}}`;
}

/** What differs between an ExpectedReply and a Reply, or null when it matches. */
function mismatch(expected, actual) {
  const why = [];
  if (idText(expected.id) !== idText(actual.id)) why.push(`id ${idText(actual.id)} (expected ${idText(expected.id)})`);
  if ((expected.status || 0) !== (actual.status || 0)) why.push(`status ${statusText(actual.status)} (expected ${statusText(expected.status)})`);
  if (!!expected.more !== !!actual.more) why.push(`more ${!!actual.more} (expected ${!!expected.more})`);
  if (expected.payload) {
    const want = payloadBytes(expected.payload);
    if (!want.equals(Buffer.from(actual.payload))) why.push(`payload ${describeBytes(actual.payload)} (expected ${describeBytes(want)})`);
  }
  if (expected.errorContains && !actual.error.includes(expected.errorContains)) {
    why.push(`error "${abbreviate(actual.error)}" (expected it to contain "${expected.errorContains}")`);
  }
  return why.length ? `${describeReply(actual)}: ${why.join("; ")}` : null;
}

/**
 * A connection's reply frames as events, read with a deadline each: {frame}, {timeout} or
 * {closed, reset, detail}.
 */
class ReplyStream {
  constructor(socket) {
    this.pending = Buffer.alloc(0);
    this.events = [];
    this.waiter = null;
    this.closed = null;
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("end", () => this.onClosed(false, this.pending.length ? `connection closed inside a reply frame (${this.pending.length} bytes of it)` : "connection closed"));
    socket.on("error", (e) => this.onClosed(e.code === "ECONNRESET" || e.code === "EPIPE", `connection ${e.code === "ECONNRESET" ? "reset" : "error"} (${e.message})`));
    socket.on("close", () => this.onClosed(false, "connection closed"));
  }

  onData(chunk) {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      let length = 0;
      let prefix = 0;
      for (;;) {
        if (prefix === this.pending.length) return this.wake();
        if (prefix === MAX_PREFIX_BYTES) return this.fail("the node sent a reply length prefix longer than 5 bytes");
        const b = this.pending[prefix];
        length += (b & 0x7f) * 2 ** (7 * prefix++);
        if (b < 0x80) break;
      }
      if (length > MAX_REPLY_BYTES) return this.fail(`the node sent a reply frame of ${length} bytes (limit ${MAX_REPLY_BYTES})`);
      if (this.pending.length < prefix + length) return this.wake();
      const body = this.pending.subarray(prefix, prefix + length);
      this.pending = this.pending.subarray(prefix + length);
      let reply;
      try {
        reply = Reply.decode(body);
      } catch (e) {
        return this.fail(`the node sent a frame that is not a meshwork.v1.Reply: ${e.message}`);
      }
      this.events.push({ frame: reply });
    }
  }

  fail(detail) {
    this.events.push({ invalid: detail });
    this.wake();
  }

  onClosed(reset, detail) {
    if (!this.closed) this.closed = { closed: true, reset, detail };
    this.wake();
  }

  wake() {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w();
    }
  }

  /** The next event before deadline (a Date.now() value). */
  async next(deadline) {
    for (;;) {
      if (this.events.length) {
        const event = this.events.shift();
        if (event.invalid) throw new StepFailed(event.invalid);
        return event;
      }
      if (this.closed) return this.closed;
      const left = deadline - Date.now();
      if (left <= 0) return { timeout: true };
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = null;
          resolve();
        }, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------------------------

async function send(socket, step) {
  const bytes = Buffer.concat(step.frames.map(frameBytes));
  const pieces = [...step.chunks];
  if (pieces.length === 0 && step.chunkSize > 0) {
    for (let left = bytes.length; left > 0; left -= step.chunkSize) pieces.push(Math.min(left, step.chunkSize));
  }
  let pos = 0;
  for (let i = 0; pos < bytes.length; i++) {
    const size = i < pieces.length ? Math.min(pieces[i], bytes.length - pos) : bytes.length - pos;
    if (i > 0 && step.pauseMs > 0) await sleep(step.pauseMs);
    const piece = bytes.subarray(pos, pos + size);
    if (!socket.write(piece)) await new Promise((resolve) => socket.once("drain", resolve));
    pos += size;
  }
}

async function expect(replies, step) {
  const timeoutMs = step.timeoutMs || DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const pending = [...step.replies];
  const all = () => `[${pending.map(describeExpected).join(", ")}]`;
  let received = 0;
  while (pending.length) {
    const event = await replies.next(deadline);
    if (event.timeout) throw new StepFailed(`no reply within ${timeoutMs} ms; still waiting for ${all()} after ${received} replies`);
    if (event.closed) throw new StepFailed(`${event.detail} while waiting for ${all()} after ${received} replies`);
    const reply = event.frame;
    received++;
    if (step.anyOrder) {
      const match = pending.findIndex((e) => mismatch(e, reply) === null);
      if (match < 0) throw new StepFailed(`reply ${describeReply(reply)} matches none of the expected ${all()}`);
      pending.splice(match, 1);
    } else {
      const why = mismatch(pending[0], reply);
      if (why) throw new StepFailed(`reply ${received} of ${step.replies.length}: ${why}`);
      pending.shift();
    }
  }
}

async function expectClose(replies, step) {
  const ms = step.timeoutMs || DEFAULT_TIMEOUT_MS;
  const event = await replies.next(Date.now() + ms);
  if (event.frame) throw new StepFailed(`expected the node to close the connection, but it sent ${describeReply(event.frame)}`);
  if (event.timeout) throw new StepFailed(`the connection is still open after ${ms} ms (expected: closed)`);
  if (event.reset) throw new StepFailed(`${event.detail} (expected: an orderly close, not a reset)`);
}

async function expectSilence(replies, step) {
  const event = await replies.next(Date.now() + step.ms);
  if (event.frame) throw new StepFailed(`expected no reply for ${step.ms} ms, got ${describeReply(event.frame)}`);
  if (event.closed) throw new StepFailed(`${event.detail} (expected: the connection stays open)`);
}

function connect(host, port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${host}:${port}: no answer within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`connect to ${host}:${port}: ${e.message}`));
    });
  });
}

const STEP_NAMES = { send: "send", expect: "expect", expectClose: "expect_close", expectSilence: "expect_silence", pause: "pause" };

/** Runs one case on a new connection: { name, passed, reason, tookMs }; never rejects. */
async function runCase(host, port, testCase) {
  const start = Date.now();
  let reason = "";
  let socket;
  try {
    socket = await connect(host, port);
    const replies = new ReplyStream(socket);
    for (let i = 0; i < testCase.steps.length; i++) {
      const step = testCase.steps[i];
      try {
        switch (step.kind) {
          case "send": await send(socket, step.send); break;
          case "expect": await expect(replies, step.expect); break;
          case "expectClose": await expectClose(replies, step.expectClose); break;
          case "expectSilence": await expectSilence(replies, step.expectSilence); break;
          case "pause": await sleep(step.pause.ms); break;
          default: throw new StepFailed("empty step (expected one of its kinds)");
        }
      } catch (e) {
        throw new StepFailed(`step ${i + 1} (${STEP_NAMES[step.kind] || "?"}): ${e instanceof StepFailed ? e.message : String(e)}`);
      }
    }
  } catch (e) {
    reason = e instanceof StepFailed ? e.message : `connection to ${host}:${port}: ${e.message}`;
  } finally {
    if (socket) socket.destroy();
  }
  return { name: testCase.name, passed: reason === "", reason, tookMs: Date.now() - start };
}

/** PASS name (12 ms) / FAIL name (12 ms): reason, as the Java runner prints it. */
function resultLine(r) {
  return `${r.passed ? "PASS" : "FAIL"} ${r.name} (${r.tookMs} ms)${r.passed ? "" : `: ${r.reason}`}`;
}

module.exports = { runCase, resultLine, frameBytes, lengthPrefix, payloadBytes, mismatch, StepFailed };
