"use strict";
// The runner's own pieces: frame bytes, payloads, suite loading. The cases themselves run against
// a real node in conformance.test.js.

const { describe, it } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { loadSuite, types } = require("../lib/suite.js");
const { frameBytes, lengthPrefix, payloadBytes, mismatch } = require("../lib/runner.js");

const hex = (b) => Buffer.from(b).toString("hex").replace(/(..)(?!$)/g, "$1 ");

describe("length prefix", () => {
  it("is the shortest varint by default", () => {
    assert.equal(hex(lengthPrefix(0, 0)), "00");
    assert.equal(hex(lengthPrefix(127, 0)), "7f");
    assert.equal(hex(lengthPrefix(128, 0)), "80 01");
    assert.equal(hex(lengthPrefix(16383, 0)), "ff 7f");
    assert.equal(hex(lengthPrefix(16384, 0)), "80 80 01");
    assert.equal(hex(lengthPrefix(1048576, 0)), "80 80 40");
  });

  it("pads to the requested number of bytes with 0x80 groups", () => {
    assert.equal(hex(lengthPrefix(5, 2)), "85 00");
    assert.equal(hex(lengthPrefix(5, 5)), "85 80 80 80 00");
    assert.equal(hex(lengthPrefix(300, 4)), "ac 82 80 00");
  });

  it("refuses fewer bytes than the value needs, or more than five", () => {
    assert.throws(() => lengthPrefix(128, 1), /prefix_bytes: 1 \(expected: 0, or 2 to 5/);
    assert.throws(() => lengthPrefix(5, 6), /prefix_bytes: 6/);
  });
});

describe("frames", () => {
  it("encode protocol/README.md's worked example byte for byte", () => {
    const frame = types.Suite.fromObject({ cases: [{ name: "x", steps: [{ send: { frames: [{ request: { id: 1, service: "echo", payload: { utf8: "hi" } } }] } }] }] })
      .cases[0].steps[0].send.frames[0];
    assert.equal(hex(frameBytes(frame)), "0c 08 01 12 04 65 63 68 6f 22 02 68 69");
  });
});

describe("payloads", () => {
  const payload = (object) => types.Suite.fromObject({ cases: [{ steps: [{ expect: { replies: [{ payload: object }] } }] }] }).cases[0].steps[0].expect.replies[0].payload;

  it("turn hex, utf8, fill and service messages into bytes", () => {
    assert.equal(hex(payloadBytes(payload({ hex: "0A 02 68 69" }))), "0a 02 68 69");
    assert.equal(payloadBytes(payload({ utf8: "é" })).toString("hex"), "c3a9");
    assert.equal(hex(payloadBytes(payload({ fill: { size: 3, offset: 255 } }))), "ff 00 01");
    assert.equal(hex(payloadBytes(payload({ conformanceReply: { payload: "aGk=" } }))), "0a 02 68 69");
    assert.equal(hex(payloadBytes(payload({ streamItem: { index: 1 } }))), "08 01");
    assert.equal(hex(payloadBytes(payload({ statusRequest: { status: "NOT_FOUND", error: "x" } }))), "08 02 12 01 78");
  });

  it("an empty hex payload is an expectation of no bytes, an unset one none at all", () => {
    const reply = types.Reply.decode(types.Reply.encode({ id: 1, payload: Buffer.from("x") }).finish());
    assert.match(mismatch({ id: 1, status: 0, more: false, payload: payload({ hex: "" }), errorContains: "" }, reply), /payload 78/);
    assert.equal(mismatch({ id: 1, status: 0, more: false, payload: null, errorContains: "" }, reply), null);
  });
});

describe("suite", () => {
  it("cases.json loads, every case named once and with steps", () => {
    const suite = loadSuite();
    assert.ok(suite.cases.length >= 40, `${suite.cases.length} cases`);
  });

  it("a field the schema does not have is an error, not silently ignored", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "conformance-")), "cases.json");
    fs.writeFileSync(file, JSON.stringify({ cases: [{ name: "a", steps: [{ expect: { replies: [{ id: 1, statuss: "OK" }] } }] }] }));
    assert.throws(() => loadSuite(file), /unknown field "statuss" of meshwork.conformance.v1.ExpectedReply/);
  });

  it("an enum name the schema does not have is an error, not silently OK", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "conformance-")), "cases.json");
    fs.writeFileSync(file, JSON.stringify({ cases: [{ name: "a", steps: [{ expect: { replies: [{ id: 1, status: "NOT_FOUNDD" }] } }] }] }));
    assert.throws(() => loadSuite(file), /"NOT_FOUNDD" is not a value of meshwork.v1.Status/);
  });
});
