"use strict";
// The hand-written request decoder (fastDecode) may only ever say "yes, and here are id and
// payload" when protobufjs's generated decoder would decode the same bytes to a Request with
// service "echo" and the same id and payload; for everything else it must defer (return false).
// Checked here on random valid requests, on every truncation of them and on random corruptions.

const { describe, it } = require("node:test");
const assert = require("node:assert/strict");
const protobuf = require("protobufjs");
const { fastDecode, fast, Request } = require("../server.js");

const Long = protobuf.util.Long;

/** A deterministic PRNG (mulberry32), so that a failure can be reproduced. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomRequestBytes(rand) {
  const int = (n) => Math.floor(rand() * n);
  const ascii = (n) => Array.from({ length: n }, () => String.fromCharCode(0x20 + int(95))).join("");
  const text = (n) => Array.from({ length: n }, () => (rand() < 0.8 ? String.fromCharCode(0x20 + int(95)) : ["é", "ü", "€", "😀"][int(4)])).join("");
  const msg = {};
  const idKind = int(5);
  if (idKind === 1) msg.id = int(128);
  else if (idKind === 2) msg.id = int(2 ** 31);
  else if (idKind === 3) msg.id = Long.fromBits(int(2 ** 32) | 0, int(2 ** 32) | 0, true);
  else if (idKind === 4) msg.id = Long.MAX_UNSIGNED_VALUE;
  msg.service = ["echo", "echo", "echo", "", "ech", "echoo", "nope"][int(7)];
  if (rand() < 0.5) msg.method = rand() < 0.7 ? ascii(int(10)) : text(int(10));
  if (rand() < 0.8) {
    const payload = Buffer.allocUnsafe([0, 1, 64, 200, 20000][int(5)]);
    for (let i = 0; i < payload.length; i++) payload[i] = int(256);
    msg.payload = payload;
  }
  if (rand() < 0.4) msg.deadlineMs = [0, 1, 250, 5000, 4294967295][int(5)];
  if (rand() < 0.3) {
    msg.headers = {};
    for (let i = int(4); i > 0; i--) msg.headers[rand() < 0.7 ? ascii(int(8)) : text(int(8))] = rand() < 0.7 ? ascii(int(12)) : text(int(12));
  }
  const w = Request.encode(Request.create(msg));
  if (rand() < 0.1) w.uint32((7 << 3) | 0).uint32(int(1000)); // an unknown field
  if (rand() < 0.1) w.uint32((1 << 3) | 0).uint64(int(1000)); // a repeated id: the last one wins
  return Buffer.from(w.finish());
}

/** What protobufjs makes of body: null if it rejects it, else { service, id, payload }. */
function reference(body) {
  let m;
  try {
    m = Request.decode(body);
  } catch {
    return null;
  }
  return { service: m.service, id: Long.fromValue(m.id).toUnsigned().toString(), payload: Buffer.from(m.payload) };
}

function varintToString(buf, start, end) {
  let v = 0n;
  for (let i = end - 1; i >= start; i--) v = (v << 7n) | BigInt(buf[i] & 0x7f);
  return v.toString();
}

/** Asserts fastDecode's answer on body (placed at an offset inside a larger buffer) is safe. */
function check(body, what) {
  const pad = 3;
  const buf = Buffer.concat([Buffer.from([0xa5, 0x08, 0x22]), body, Buffer.from([0x08, 0x01, 0x22])]);
  const accepted = fastDecode(buf, pad, pad + body.length);
  const ref = reference(body);
  if (!accepted) return false;
  assert.ok(ref !== null, `${what}: fast path accepted what protobufjs rejects: ${body.toString("hex")}`);
  assert.equal(ref.service, "echo", `${what}: service ${body.toString("hex")}`);
  const idLen = fast.idEnd - fast.idStart;
  assert.equal(idLen === 0 ? "0" : varintToString(buf, fast.idStart, fast.idEnd), ref.id, `${what}: id ${body.toString("hex")}`);
  if (idLen > 1) assert.notEqual(buf[fast.idEnd - 1], 0, "id varint must be canonical");
  assert.ok(buf.subarray(fast.payloadStart, fast.payloadEnd).equals(ref.payload), `${what}: payload ${body.toString("hex")}`);
  if (ref.payload.length > 0) assert.ok(fast.payloadStart >= pad && fast.payloadEnd <= pad + body.length);
  return true;
}

describe("fastDecode", () => {
  it("takes the common request shapes itself", () => {
    const shapes = [
      { id: 1, service: "echo", payload: Buffer.from("hi") },
      { id: 123456789, service: "echo", method: "say", deadlineMs: 250, headers: { auth: "t0k" }, payload: Buffer.alloc(64, 1) },
      { service: "echo" },
      { id: Long.MAX_UNSIGNED_VALUE, service: "echo", payload: Buffer.alloc(1 << 16, 2) },
    ];
    for (const s of shapes) assert.ok(check(Buffer.from(Request.encode(Request.create(s)).finish()), JSON.stringify(s)));
  });

  it("defers what it does not handle: other services, non-ASCII strings, unknown fields, odd varints", () => {
    const cases = [
      "08011204" + Buffer.from("nope").toString("hex"), // another service
      "0801", // no service
      "1204" + Buffer.from("echo").toString("hex") + "1a02c3a9", // method "é"
      "1204" + Buffer.from("echo").toString("hex") + "3806", // unknown field 7
      "1204" + Buffer.from("echo").toString("hex") + "088100", // non-canonical id
      "1204" + Buffer.from("echo").toString("hex") + "08ffffffffffffffffff7f", // 10th id byte > 1
      "1204" + Buffer.from("echo").toString("hex") + "0a0165", // field 1 with wire type 2
      "1204" + Buffer.from("echo").toString("hex") + "2204616263", // payload overruns the body
      "1204" + Buffer.from("echo").toString("hex") + "1a", // cut inside a field
      "1204" + Buffer.from("echo").toString("hex") + "3204" + "0a0161", // map entry overruns the body
      "1204" + Buffer.from("echo").toString("hex") + "3202" + "1801", // map entry with an unknown field
      "1204" + Buffer.from("echo").toString("hex") + "28ffffffff8f01", // 6-byte uint32 varint
      "1205" + Buffer.from("echo").toString("hex") + "ff", // service "echo\xff"
    ];
    for (const hex of cases) {
      const buf = Buffer.from(hex, "hex");
      assert.equal(fastDecode(buf, 0, buf.length), false, hex);
    }
  });

  it("agrees with protobufjs on 3,000 random requests, all their truncations and 30,000 corruptions", (t) => {
    const rand = rng(12345);
    let accepted = 0, total = 0, cutsAccepted = 0, corruptAccepted = 0;
    for (let n = 0; n < 3000; n++) {
      const body = randomRequestBytes(rand);
      if (check(body, `request ${n}`)) accepted++;
      total++;
      if (body.length < 400) {
        for (let cut = 0; cut < body.length; cut++) if (check(body.subarray(0, cut), `request ${n} cut at ${cut}`)) cutsAccepted++;
      }
      for (let k = 0; k < 10; k++) {
        const bad = Buffer.from(body.length > 400 ? body.subarray(0, 400) : body);
        if (bad.length === 0) break;
        const edits = 1 + Math.floor(rand() * 3);
        for (let e = 0; e < edits; e++) {
          const i = Math.floor(rand() * bad.length);
          const r = rand();
          if (r < 0.4) bad[i] = Math.floor(rand() * 256);
          else if (r < 0.7) bad[i] ^= 1 << Math.floor(rand() * 8);
          else bad[i] = [0x00, 0x7f, 0x80, 0xff, 0x08, 0x12, 0x22, 0x32, 0x0a][Math.floor(rand() * 9)];
        }
        if (check(bad, `request ${n} corrupted`)) corruptAccepted++;
      }
    }
    // The checks above only bite when the fast path says yes: make sure it often does.
    assert.ok(accepted > total / 5, `fast path took only ${accepted} of ${total} requests`);
    assert.ok(cutsAccepted > 1000, `fast path took only ${cutsAccepted} truncations`);
    assert.ok(corruptAccepted > 1000, `fast path took only ${corruptAccepted} corruptions`);
    t.diagnostic(`fast path took ${accepted}/${total} requests, ${cutsAccepted} truncations, ${corruptAccepted} corruptions`);
  });
});
