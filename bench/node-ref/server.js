#!/usr/bin/env node
// Meshwork benchmark: the Node.js reference peer. Serves the `echo` service over Meshwork's wire
// protocol v1 (shared/PROTOCOL.md, protocol/README.md): varint32-length-prefixed frames, each a
// meshwork.v1.Request in and a meshwork.v1.Reply out, pipelined, on plain `net` + protobufjs.
//
// Hot path: requests are decoded by a small hand-written decoder for the common shape (fields 1 to
// 6 with their declared wire types, service "echo", ASCII method and headers). It only ever accepts;
// any frame it is not sure of goes to protobufjs's generated decoder, which has the final word (see
// test/decoder.test.js, which checks the two agree). Replies are hand-encoded into one buffer per
// 'data' event and sent with a single socket.write. Rare replies (errors) are encoded by protobufjs.
"use strict";

const net = require("node:net");
const path = require("node:path");
const protobuf = require("protobufjs");

const PROTO_PATH = path.join(__dirname, "..", "..", "protocol", "src", "main", "proto", "meshwork", "v1", "meshwork.proto");
const root = protobuf.loadSync(PROTO_PATH);
const Request = root.lookupType("meshwork.v1.Request");
const Reply = root.lookupType("meshwork.v1.Reply");
const Status = root.lookupEnum("meshwork.v1.Status").values;

const DEFAULT_MAX_FRAME_BYTES = 1 << 20;

// ---------------------------------------------------------------------------------------------
// Request decoding
// ---------------------------------------------------------------------------------------------

/** Result of fastDecode, reused for every frame (processing is synchronous). */
const fast = { idStart: 0, idEnd: 0, payloadStart: 0, payloadEnd: 0 };

/**
 * Decodes the Request in buf[start, end) when it has the common shape and its service is "echo".
 * Returns true with fast.* set (id: the raw canonical varint bytes, empty when id is 0; payload:
 * offsets), or false when protobufjs must decide (any other field or wire type, a varint or length
 * in an unusual form, non-ASCII method or headers, another service, or a malformed body).
 */
function fastDecode(buf, start, end) {
  let p = start;
  let idStart = 0, idEnd = 0, svcStart = 0, svcEnd = 0, payStart = 0, payEnd = 0;
  while (p < end) {
    const tag = buf[p++];
    if (tag === 0x08) {
      // id, uint64 varint: at most 10 bytes, the 10th at most 0x01, and canonical (so it can be
      // copied into the reply as is).
      const s = p;
      let b;
      do {
        if (p === end || p - s === 10) return false;
        b = buf[p++];
      } while (b & 0x80);
      const n = p - s;
      if (n === 10 && b > 1) return false;
      if (n > 1 && b === 0) return false;
      if (n === 1 && b === 0) { idStart = idEnd = 0; } else { idStart = s; idEnd = p; }
    } else if (tag === 0x28) {
      // deadline_ms, uint32 varint: at most 5 bytes. Not used by echo.
      const s = p;
      let b;
      do {
        if (p === end || p - s === 5) return false;
        b = buf[p++];
      } while (b & 0x80);
    } else if (tag === 0x12 || tag === 0x1a || tag === 0x22 || tag === 0x32) {
      // length-delimited: length varint of at most 4 bytes (< 2^28).
      let len = 0, shift = 0, b;
      do {
        if (p === end || shift === 28) return false;
        b = buf[p++];
        len |= (b & 0x7f) << shift;
        shift += 7;
      } while (b & 0x80);
      const e = p + len;
      if (e > end) return false;
      if (tag === 0x22) { payStart = p; payEnd = e; }
      else if (tag === 0x12) { svcStart = p; svcEnd = e; }
      else if (tag === 0x1a) { for (let i = p; i < e; i++) if (buf[i] & 0x80) return false; }
      else if (!fastMapEntry(buf, p, e)) return false;
      p = e;
    } else {
      return false;
    }
  }
  if (svcEnd - svcStart !== 4 || buf[svcStart] !== 0x65 || buf[svcStart + 1] !== 0x63 ||
      buf[svcStart + 2] !== 0x68 || buf[svcStart + 3] !== 0x6f) return false; // "echo"
  fast.idStart = idStart; fast.idEnd = idEnd; fast.payloadStart = payStart; fast.payloadEnd = payEnd;
  return true;
}

/** A headers map entry {1: string key, 2: string value} in buf[p, end), ASCII strings only. */
function fastMapEntry(buf, p, end) {
  while (p < end) {
    const tag = buf[p++];
    if (tag !== 0x0a && tag !== 0x12) return false;
    let len = 0, shift = 0, b;
    do {
      if (p === end || shift === 28) return false;
      b = buf[p++];
      len |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    const e = p + len;
    if (e > end) return false;
    for (let i = p; i < e; i++) if (buf[i] & 0x80) return false;
    p = e;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Reply encoding into one output buffer per 'data' event
// ---------------------------------------------------------------------------------------------

const EMPTY = Buffer.alloc(0);
let out = EMPTY;
let outPos = 0;

function outReserve(n) {
  if (outPos + n > out.length) {
    const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, outPos + n));
    out.copy(bigger, 0, 0, outPos);
    out = bigger;
  }
}

function varintSize32(v) {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

function putVarint32(v) {
  while (v >= 0x80) {
    out[outPos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[outPos++] = v;
}

/** Reply{id: the varint in idBuf[idStart, idEnd) (absent when empty), status: OK, payload}. */
function putEchoReply(idBuf, idStart, idEnd, payBuf, payStart, payEnd) {
  const idLen = idEnd - idStart;
  const payLen = payEnd - payStart;
  const bodyLen = (idLen > 0 ? 1 + idLen : 0) + (payLen > 0 ? 1 + varintSize32(payLen) + payLen : 0);
  outReserve(5 + bodyLen);
  putVarint32(bodyLen);
  if (idLen > 0) {
    out[outPos++] = 0x08;
    for (let i = idStart; i < idEnd; i++) out[outPos++] = idBuf[i];
  }
  if (payLen > 0) {
    out[outPos++] = 0x1a;
    putVarint32(payLen);
    if (payLen < 64) {
      for (let i = payStart; i < payEnd; i++) out[outPos++] = payBuf[i];
    } else {
      outPos += payBuf.copy(out, outPos, payStart, payEnd);
    }
  }
}

/** Any reply, encoded by protobufjs (error replies and the slow path). */
function putReply(message) {
  const frame = Reply.encodeDelimited(message).finish();
  outReserve(frame.length);
  out.set(frame, outPos);
  outPos += frame.length;
}

const idScratch = Buffer.allocUnsafe(10);

/** The canonical varint of a protobufjs uint64 (Long or number) into idScratch; its length. */
function idVarint(id) {
  let lo, hi;
  if (typeof id === "number") {
    lo = id >>> 0;
    hi = Math.floor(id / 4294967296) >>> 0;
  } else {
    lo = id.low >>> 0;
    hi = id.high >>> 0;
  }
  let n = 0;
  while (hi !== 0 || lo >= 0x80) {
    idScratch[n++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  if (n === 0 && lo === 0) return 0; // id 0: not written (proto3 default)
  idScratch[n++] = lo;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Frames
// ---------------------------------------------------------------------------------------------

let prefixValue = 0; // the length read by readPrefix
let prefixBadByte = 0; // the offending fifth byte, when readPrefix returns -1
const prefixScratch = Buffer.alloc(5);

/**
 * Reads a frame's length prefix at buf[pos], not past len: a varint32 of at most 5 bytes, the
 * fifth at most 0x0f (non-minimal forms are accepted, as protobuf does). Returns its length in
 * bytes with the value in prefixValue, 0 when the bytes end first, or -1 when it is not a varint32.
 */
function readPrefix(buf, pos, len) {
  let p = pos, value = 0, shift = 0, b;
  do {
    if (p === len) return 0;
    b = buf[p++];
    if (shift === 28 && b > 0x0f) {
      prefixBadByte = b;
      return -1;
    }
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  prefixValue = value;
  return p - pos;
}

/** One complete frame body buf[start, end): decode, answer into the output buffer. */
function onFrame(buf, start, end, useFast) {
  if (useFast && fastDecode(buf, start, end)) {
    putEchoReply(buf, fast.idStart, fast.idEnd, buf, fast.payloadStart, fast.payloadEnd);
    return;
  }
  let req;
  try {
    req = Request.decode(buf.subarray(start, end));
  } catch (e) {
    putReply({ id: 0, status: Status.BAD_REQUEST, error: "frame is not a valid meshwork.v1.Request: " + e.message });
    return;
  }
  const service = req.service;
  if (service === "echo") {
    const idLen = idVarint(req.id);
    const payload = req.payload;
    putEchoReply(idScratch, 0, idLen, payload, 0, payload.length);
  } else if (service === "") {
    putReply({ id: req.id, status: Status.BAD_REQUEST, error: 'service: "" (expected: the name of a service on this endpoint)' });
  } else {
    putReply({ id: req.id, status: Status.NOT_FOUND, error: `no service "${service}" here (this endpoint serves "echo")` });
  }
}

function createServer(options = {}) {
  const maxFrameBytes = options.maxFrameBytes || DEFAULT_MAX_FRAME_BYTES;
  const useFast = options.decoder !== "protobufjs";
  const sockets = new Set();

  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);

    // The incomplete frame at the end of the last read, if any: its chunks as they came, joined
    // once, when the frame is whole (a 1 MiB frame arriving in 4 KiB reads is copied once, not
    // once per read, and the bytes that follow it in the last chunk are not copied at all).
    let pending = [];
    let pendingBytes = 0;
    let need = 0; // the whole frame's size (prefix + body), or 0 while its prefix is incomplete
    let needPrefix = 0; // the length of that frame's prefix, when known
    let closed = false;

    /** Fatal framing error: one id-0 BAD_REQUEST, then close (the stream cannot be resynced). */
    function fail(message) {
      putReply({ id: 0, status: Status.BAD_REQUEST, error: message });
      closed = true;
      pending = [];
      pendingBytes = 0;
      socket.pause();
      flush();
    }

    /** Checks a prefix read by readPrefix; false (after fail) when the connection must close. */
    function prefixOk(r) {
      if (r < 0) {
        fail(`length prefix is not a valid varint32: fifth byte 0x${prefixBadByte.toString(16).padStart(2, "0")} (expected: 0x00 to 0x0f, as a varint32 ends by its fifth byte)`);
        return false;
      }
      if (prefixValue > maxFrameBytes) {
        fail(`frame of ${prefixValue} bytes exceeds the maximum frame size of ${maxFrameBytes} bytes`);
        return false;
      }
      return true;
    }

    function flush() {
      if (outPos === 0) return;
      const chunk = out.subarray(0, outPos);
      out = EMPTY;
      outPos = 0;
      if (closed) {
        // end() flushes what is queued, then the socket is destroyed: no waiting for the peer,
        // which may still be sending the body of an oversized frame.
        socket.end(chunk, () => socket.destroy());
      } else if (!socket.write(chunk)) {
        socket.pause(); // backpressure: resumed on 'drain'
      }
    }

    socket.on("drain", () => {
      if (!closed) socket.resume();
    });

    socket.on("data", (buf) => {
      if (closed) return;
      const len = buf.length;
      let pos = 0;
      let joined = null;
      if (pendingBytes > 0) {
        pending.push(buf);
        pendingBytes += len;
        if (need === 0) {
          // The prefix was cut: its first (up to 5) bytes, gathered from the chunks.
          let n = 0;
          for (let i = 0; i < pending.length && n < 5; i++) {
            const c = pending[i];
            for (let j = 0; j < c.length && n < 5; j++) prefixScratch[n++] = c[j];
          }
          const r = readPrefix(prefixScratch, 0, n);
          if (r === 0) return; // still incomplete (fewer than 5 bytes so far)
          if (!prefixOk(r)) return;
          needPrefix = r;
          need = r + prefixValue;
        }
        if (pendingBytes < need) return;
        joined = Buffer.concat(pending, need); // truncated at the end of the frame
        pos = len - (pendingBytes - need); // where the bytes after the frame start in buf
        pending = [];
        pendingBytes = 0;
      }
      out = Buffer.allocUnsafe(len - pos + (joined === null ? 0 : need) + 64);
      outPos = 0;
      if (joined !== null) onFrame(joined, needPrefix, need, useFast);
      while (pos < len) {
        const r = readPrefix(buf, pos, len);
        if (r === 0) {
          need = 0; // prefix incomplete
          break;
        }
        if (!prefixOk(r)) return;
        const end = pos + r + prefixValue;
        if (end > len) {
          needPrefix = r;
          need = end - pos; // body incomplete
          break;
        }
        onFrame(buf, pos + r, end, useFast);
        pos = end;
      }
      if (pos < len) {
        pending.push(pos === 0 ? buf : buf.subarray(pos));
        pendingBytes = len - pos;
      }
      flush();
    });

    socket.on("end", () => {
      // The client finished sending. Every complete frame has been answered synchronously.
      if (closed) return;
      if (pendingBytes > 0) {
        fail(`stream ended inside a frame (${pendingBytes} bytes of it received)`);
      } else {
        closed = true;
        socket.end();
      }
    });

    socket.on("error", () => {}); // ECONNRESET and the like: 'close' follows
    socket.on("close", () => sockets.delete(socket));
  });

  server.closeAll = (callback) => {
    server.close(callback);
    for (const s of sockets) s.destroy();
  };
  return server;
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

function parseArgs(argv, env) {
  const opts = {
    host: env.HOST || "127.0.0.1",
    port: env.PORT !== undefined && env.PORT !== "" ? env.PORT : "7800",
    maxFrameBytes: String(DEFAULT_MAX_FRAME_BYTES),
    decoder: "fast",
  };
  const names = { "--host": "host", "--port": "port", "--max-frame-bytes": "maxFrameBytes", "--decoder": "decoder" };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i], value;
    const eq = arg.indexOf("=");
    if (eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === "-h" || arg === "--help") {
      process.stdout.write("usage: node server.js [--host 127.0.0.1] [--port 7800] [--max-frame-bytes 1048576] [--decoder fast|protobufjs]\n");
      process.exit(0);
    }
    const key = names[arg];
    if (!key) throw new Error(`unknown argument: ${arg}`);
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      value = argv[++i];
    }
    opts[key] = value;
  }
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${opts.port}`);
  const maxFrameBytes = Number(opts.maxFrameBytes);
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes <= 0 || maxFrameBytes > 0x7fffffff) {
    throw new Error(`invalid --max-frame-bytes: ${opts.maxFrameBytes}`);
  }
  if (opts.decoder !== "fast" && opts.decoder !== "protobufjs") throw new Error(`invalid --decoder: ${opts.decoder} (fast or protobufjs)`);
  return { host: opts.host, port, maxFrameBytes, decoder: opts.decoder };
}

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2), process.env);
  } catch (e) {
    process.stderr.write(`server.js: ${e.message}\n`);
    process.exit(2);
  }
  const server = createServer(opts);
  server.on("error", (e) => {
    process.stderr.write(`server.js: ${e.message}\n`);
    process.exit(1);
  });
  server.listen(opts.port, opts.host, () => {
    process.stdout.write(`listening on ${opts.host}:${server.address().port}\n`);
  });
  const stop = () => server.closeAll(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

module.exports = { createServer, fastDecode, fast, parseArgs, Request, Reply, Status };

if (require.main === module) main();
