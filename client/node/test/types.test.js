"use strict";
// The TypeScript declarations: types/services.d.ts is what scripts/gen-types.js writes from the
// bundled .proto files (else: npm run gen-types), and test/types/usage.ts, which uses the API as
// the README does, compiles with tsc --strict against index.d.ts.

const { it } = require("node:test");
const assert = require("node:assert/strict");
const { execFile } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { render, OUT } = require("../scripts/gen-types");

it("types/services.d.ts is generated from the bundled .proto files (else: npm run gen-types)", () => {
  assert.equal(fs.readFileSync(OUT, "utf8"), render());
});

it("the declarations type the README's usage under tsc --strict", { timeout: 120_000 }, async () => {
  const tsc = require.resolve("typescript/bin/tsc");
  const project = path.join(__dirname, "types", "tsconfig.json");
  const output = await new Promise((resolve) => {
    execFile(process.execPath, [tsc, "-p", project], (error, stdout, stderr) => resolve(error ? `${stdout}${stderr}` : ""));
  });
  assert.equal(output, "", "tsc reported errors");
});
