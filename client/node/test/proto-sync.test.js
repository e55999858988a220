"use strict";
// The package ships copies of the repository's .proto files; they must never drift. After
// changing a .proto file in protocol/, run `npm run sync-proto` and commit the copies.

const { it } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { REPO_PROTO_ROOT, PACKAGE_PROTO_ROOT, listProtoFiles } = require("../scripts/proto-files");
const { PROTO_FILES } = require("../lib/protos");

it("the bundled .proto files are the repository's, byte for byte (else: npm run sync-proto)", () => {
  const repo = listProtoFiles(REPO_PROTO_ROOT);
  assert.ok(repo.length > 0, `no .proto files under ${REPO_PROTO_ROOT}`);
  assert.deepEqual(listProtoFiles(PACKAGE_PROTO_ROOT), repo, "the package's proto/ lists other files than the repository: run npm run sync-proto");
  for (const rel of repo) {
    const same = fs.readFileSync(path.join(PACKAGE_PROTO_ROOT, rel)).equals(fs.readFileSync(path.join(REPO_PROTO_ROOT, rel)));
    assert.ok(same, `proto/${rel} differs from protocol/src/main/proto/${rel}: run npm run sync-proto`);
  }
  assert.deepEqual([...PROTO_FILES].sort(), repo, "lib/protos.js loads other files than proto/ holds");
});
