// Which .proto files the package carries: the client contract and the built-in services'
// payloads. meshwork/internal/ is node-to-node traffic and stays out.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const PROTO_FILES_DIRS = ["meshwork/v1", "meshwork/services/v1"];
const REPO_PROTO_ROOT = path.join(__dirname, "..", "..", "..", "protocol", "src", "main", "proto");
const PACKAGE_PROTO_ROOT = path.join(__dirname, "..", "proto");

/** The .proto files under root in PROTO_FILES_DIRS, as sorted '/'-separated relative paths. */
function listProtoFiles(root) {
  const files = [];
  for (const dir of PROTO_FILES_DIRS) {
    const abs = path.join(root, ...dir.split("/"));
    if (!fs.existsSync(abs)) continue;
    for (const name of fs.readdirSync(abs)) {
      if (name.endsWith(".proto")) files.push(`${dir}/${name}`);
    }
  }
  return files.sort();
}

module.exports = { PROTO_FILES_DIRS, REPO_PROTO_ROOT, PACKAGE_PROTO_ROOT, listProtoFiles };
