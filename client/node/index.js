// meshwork-client: a Node.js client for Meshwork nodes (protocol v1). See README.md.
"use strict";

const { MeshClient } = require("./lib/client");
const { MeshStream } = require("./lib/stream");
const { MeshError, Status } = require("./lib/errors");
const { root } = require("./lib/protos");

module.exports = {
  MeshClient,
  MeshStream,
  MeshError,
  Status,
  /** The protobufjs Root of the bundled .proto files, e.g. `protos.lookupType("meshwork.services.v1.KvGetRequest")`. */
  protos: root,
};
