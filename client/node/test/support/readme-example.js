// Runs a README's example as its users would: the code block after `<!-- example: NAME -->`,
// saved to a file in a fresh directory where require("meshwork-client") finds this package.
"use strict";

const { execFile } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const PACKAGE_ROOT = path.join(__dirname, "..", "..");

/** The ```js block that follows `<!-- example: name -->` in the markdown file. */
function extractExample(markdownFile, name) {
  const text = fs.readFileSync(markdownFile, "utf8");
  const marker = `<!-- example: ${name} -->`;
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`${markdownFile}: no "${marker}"`);
  const m = /^```js\n([\s\S]*?)^```$/m.exec(text.slice(at + marker.length));
  if (m === null) throw new Error(`${markdownFile}: no \`\`\`js block after "${marker}"`);
  return m[1];
}

/** Runs the code with node; resolves with its stdout, rejects with its stderr when it fails. */
function runExample(code, name, env, timeoutMs = 60_000) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "meshwork-client-example-"));
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(PACKAGE_ROOT, path.join(dir, "node_modules", "meshwork-client"), "dir");
  const file = path.join(dir, name);
  fs.writeFileSync(file, code);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file], { cwd: dir, env: { ...process.env, ...env }, timeout: timeoutMs }, (error, stdout, stderr) => {
      fs.rmSync(dir, { recursive: true, force: true });
      if (error) reject(new Error(`${name} failed (${error.code ?? error.signal}): ${stderr}\nstdout: ${stdout}`));
      else resolve(stdout);
    });
  });
}

module.exports = { extractExample, runExample };
