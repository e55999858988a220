#!/usr/bin/env node
// Runs Meshwork's protocol conformance suite against a running node:
//   node run.js --node host:port [--cases ../cases.json] [--case NAME]...
// One line per case (PASS/FAIL with the reason), then "conformance: N passed, N failed".
// Exit status: 0 when every case passed, 1 when any failed, 2 on bad arguments or suite.
"use strict";

const { loadSuite, DEFAULT_CASES } = require("./lib/suite.js");
const { runCase, resultLine } = require("./lib/runner.js");

const USAGE = `usage: node run.js --node host:port [--cases ${DEFAULT_CASES}] [--case NAME]...`;

function parseArgs(argv) {
  const args = { node: null, cases: DEFAULT_CASES, only: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (value === undefined && argv[i].startsWith("--")) throw new Error(`${argv[i]}: missing value`);
    switch (argv[i]) {
      case "--node": args.node = value; i++; break;
      case "--cases": args.cases = value; i++; break;
      case "--case": args.only.add(value); i++; break;
      default: throw new Error(`unknown argument: ${argv[i]}`);
    }
  }
  if (!args.node) throw new Error("--node host:port is required");
  const m = /^(.+):(\d+)$/.exec(args.node);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new Error(`--node: "${args.node}" (expected: host:port)`);
  args.host = m[1];
  args.port = Number(m[2]);
  return args;
}

async function main() {
  let args;
  let suite;
  try {
    args = parseArgs(process.argv.slice(2));
    suite = loadSuite(args.cases);
  } catch (e) {
    console.error(`conformance: ${e.message}`);
    console.error(USAGE);
    return 2;
  }
  let passed = 0;
  let failed = 0;
  for (const c of suite.cases) {
    if (args.only.size && !args.only.has(c.name)) continue;
    const result = await runCase(args.host, args.port, c);
    console.log(resultLine(result));
    if (result.passed) passed++;
    else failed++;
  }
  if (passed + failed === 0) {
    console.error(`conformance: no case named ${[...args.only].join(", ")} in ${args.cases}`);
    return 2;
  }
  console.log(`conformance: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then((code) => {
  process.exitCode = code;
});
