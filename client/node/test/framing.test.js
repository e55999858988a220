"use strict";
// The frame reader alone: every split of the input, the bounds, and the protocol README's bytes.

const { describe, it } = require("node:test");
const assert = require("node:assert/strict");
const { FrameDecoder, FrameError } = require("../lib/framing");
const { Request, Reply } = require("../lib/protos");

function frame(length, fill) {
  const body = Buffer.alloc(length, fill);
  const prefix = [];
  let n = length;
  while (n >= 0x80) {
    prefix.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  prefix.push(n);
  return { body, bytes: Buffer.concat([Buffer.from(prefix), body]) };
}

function decodeAll(chunks, max = 1 << 20) {
  const bodies = [];
  const decoder = new FrameDecoder(max, (b) => bodies.push(Buffer.from(b)));
  for (const c of chunks) decoder.push(c);
  return { bodies, decoder };
}

describe("FrameDecoder", () => {
  const frames = [frame(0, 0), frame(5, 1), frame(127, 2), frame(128, 3), frame(300, 4), frame(16_384, 5)];
  const stream = Buffer.concat(frames.map((f) => f.bytes));

  it("reads every frame whole, however the bytes are split in two", () => {
    for (let at = 0; at <= stream.length; at++) {
      const { bodies, decoder } = decodeAll([stream.subarray(0, at), stream.subarray(at)]);
      assert.deepEqual(bodies, frames.map((f) => f.body), `split at ${at}`);
      assert.ok(decoder.isEmpty());
    }
  });

  it("reads frames fed one byte at a time", () => {
    const chunks = [...stream].map((b) => Buffer.from([b]));
    assert.deepEqual(decodeAll(chunks).bodies, frames.map((f) => f.body));
  });

  it("keeps a partial frame until the rest arrives", () => {
    const { bodies, decoder } = decodeAll([frames[4].bytes.subarray(0, 100)]);
    assert.equal(bodies.length, 0);
    assert.ok(!decoder.isEmpty());
  });

  it("accepts exactly the limit and rejects one byte more on the prefix alone", () => {
    assert.equal(decodeAll([frame(1000, 7).bytes], 1000).bodies.length, 1);
    const prefixOnly = frame(1001, 7).bytes.subarray(0, 2);
    assert.throws(() => decodeAll([prefixOnly], 1000), (e) => e instanceof FrameError && /reply frame of 1001 bytes \(expected: at most maxReplyFrameBytes = 1000\)/.test(e.message));
  });

  it("rejects a prefix longer than 5 bytes or beyond 32 bits", () => {
    assert.throws(() => decodeAll([Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])], 1 << 30), /longer than 5 bytes/);
    assert.throws(() => decodeAll([Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f])], 2 ** 40), /does not fit 32 bits/);
  });

  it("accepts a longer-than-needed prefix within 5 bytes", () => {
    assert.deepEqual(decodeAll([Buffer.from([0x85, 0x00, 1, 2, 3, 4, 5])]).bodies, [Buffer.from([1, 2, 3, 4, 5])]);
  });
});

describe("the bundled meshwork.proto", () => {
  const hex = (s) => Buffer.from(s.replace(/\s+/g, ""), "hex");

  it("encodes protocol/README.md's requests byte for byte", () => {
    assert.deepEqual(Buffer.from(Request.encodeDelimited({ id: 1, service: "echo", payload: Buffer.from("hi") }).finish()), hex("0c 08 01 12 04 65 63 68 6f 22 02 68 69"));
    const withDeadline = Request.encodeDelimited({ id: 2, service: "echo", method: "say", deadline_ms: 250, headers: { auth: "t0k" } }).finish();
    assert.deepEqual(Buffer.from(withDeadline), hex("1d 08 02 12 04 65 63 68 6f 1a 03 73 61 79 28 fa 01 32 0b 0a 04 61 75 74 68 12 03 74 30 6b"));
  });

  it("decodes protocol/README.md's replies", () => {
    const ok = Reply.decodeDelimited(hex("06 08 01 1a 02 68 69"));
    assert.equal(Number(ok.id), 1);
    assert.equal(ok.payload.toString(), "hi");
    const late = Reply.decodeDelimited(hex("0e 08 02 10 04 22 08 64 65 61 64 6c 69 6e 65"));
    assert.equal(late.status, 4);
    assert.equal(late.error, "deadline");
    const connection = Reply.decodeDelimited(hex("0d 10 01 22 09 62 61 64 20 66 72 61 6d 65"));
    assert.equal(Number(connection.id), 0);
    assert.equal(connection.error, "bad frame");
  });
});
