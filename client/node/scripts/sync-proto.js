#!/usr/bin/env node
// Copies the client contract's .proto files from the repository (../../protocol/src/main/proto)
// into this package's proto/ directory, which ships with it. test/proto-sync.test.js fails when the
// two differ, so run this after changing a .proto file and commit the copies.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { PROTO_FILES_DIRS, REPO_PROTO_ROOT, PACKAGE_PROTO_ROOT, listProtoFiles } = require("./proto-files");

function main() {
  if (!fs.existsSync(REPO_PROTO_ROOT)) {
    console.error(`sync-proto: ${REPO_PROTO_ROOT} not found (run it inside the Meshwork repository)`);
    process.exit(1);
  }
  const wanted = new Set(listProtoFiles(REPO_PROTO_ROOT));
  for (const rel of listProtoFiles(PACKAGE_PROTO_ROOT)) {
    if (!wanted.has(rel)) {
      fs.rmSync(path.join(PACKAGE_PROTO_ROOT, rel));
      console.log(`removed ${rel}`);
    }
  }
  for (const rel of wanted) {
    const from = path.join(REPO_PROTO_ROOT, rel);
    const to = path.join(PACKAGE_PROTO_ROOT, rel);
    const text = fs.readFileSync(from);
    if (fs.existsSync(to) && fs.readFileSync(to).equals(text)) continue;
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, text);
    console.log(`copied ${rel}`);
  }
  console.log(`sync-proto: ${wanted.size} files in ${path.relative(process.cwd(), PACKAGE_PROTO_ROOT) || "."} (${PROTO_FILES_DIRS.join(", ")})`);
}

main();
