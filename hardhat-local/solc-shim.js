#!/usr/bin/env node
// solc-shim: a stand-in for the native `solc` binary, backed by the npm `solc` package
// (soljson, the same compiler compiled to WebAssembly) installed in hardhat-local/node_modules.
//
// Why: no solc binary can be downloaded at run time on Lotproof's build machines, but
// py-solc-x needs an executable that behaves like native solc. py-solc-x 2.0.5 invokes
//   <solc> --version
//   <solc> --standard-json [--base-path P] [--allow-paths A,B] [--output-dir D] [--overwrite]
// with the standard JSON input on stdin, and parses the JSON output from stdout. The `solcjs`
// CLI cannot be used as-is: in --standard-json mode it prints a notice line before the JSON.
// So this shim calls the package's compile() directly and prints nothing but the output JSON.
//
// Imports (e.g. "@openzeppelin/contracts/access/AccessControl.sol") that are not given in the
// input's `sources` are read, like native solc does, from --base-path and --include-path
// directories, and finally from hardhat-local/node_modules.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const NODE_MODULES = path.join(__dirname, "node_modules");

// Keep stdout clean for the JSON output: anything logged by dependencies goes to stderr.
console.log = (...args) => console.error(...args);
console.info = console.log;

function usage() {
  return [
    "solc-shim: native-solc compatible wrapper around the npm solc package.",
    "Supported: --version, --help, --standard-json (input on stdin).",
    "Accepted and used for import resolution: --base-path P, --include-path P.",
    "Accepted and ignored: --allow-paths A,B, --output-dir D, --overwrite,",
    "  --pretty-json, --json-indent N, '-'.",
  ].join("\n");
}

// Options taking a value, and flags without one. Mirrors the native names.
const VALUE_OPTIONS = new Set([
  "--base-path",
  "--include-path",
  "--allow-paths",
  "--output-dir",
  "--json-indent",
]);
const FLAG_OPTIONS = new Set([
  "--version",
  "--help",
  "--standard-json",
  "--overwrite",
  "--pretty-json",
]);

function parseArgs(argv) {
  const opts = { flags: new Set(), basePath: null, includePaths: [], jsonIndent: null };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq !== -1) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === "-") continue; // "read from stdin": implied by --standard-json
    if (FLAG_OPTIONS.has(arg)) {
      opts.flags.add(arg);
      continue;
    }
    if (VALUE_OPTIONS.has(arg)) {
      if (value === undefined) {
        if (i + 1 >= argv.length) {
          return { error: `the required argument for option '${arg}' is missing` };
        }
        value = argv[++i];
      }
      if (arg === "--base-path") opts.basePath = value;
      else if (arg === "--include-path") opts.includePaths.push(value);
      else if (arg === "--json-indent") opts.jsonIndent = Number.parseInt(value, 10);
      continue;
    }
    if (arg.startsWith("-")) {
      // Same wording as native solc, which py-solc-x turns into UnknownOption.
      return { error: `unrecognised option '${arg}'` };
    }
    return { error: `source files are not supported by solc-shim (got '${arg}'); use --standard-json` };
  }
  return { opts };
}

function loadSolc() {
  return require(path.join(NODE_MODULES, "solc"));
}

function makeImportCallback(opts) {
  const roots = [];
  if (opts.basePath) roots.push(path.resolve(opts.basePath));
  for (const p of opts.includePaths) roots.push(path.resolve(p));
  roots.push(NODE_MODULES);
  return function findImports(sourceUnitName) {
    const candidates = path.isAbsolute(sourceUnitName)
      ? [sourceUnitName]
      : roots.map((root) => path.join(root, sourceUnitName));
    for (const candidate of candidates) {
      try {
        if (fs.statSync(candidate).isFile()) {
          return { contents: fs.readFileSync(candidate, "utf8") };
        }
      } catch {
        // not there: try the next root
      }
    }
    return { error: `File not found. Searched: ${candidates.join(", ")}` };
  };
}

function main(argv) {
  const parsed = parseArgs(argv);
  if (parsed.error) {
    process.stderr.write(`${parsed.error}\n`);
    return 1;
  }
  const { opts } = parsed;
  if (opts.flags.has("--help")) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (opts.flags.has("--version")) {
    const solc = loadSolc();
    process.stdout.write(
      `solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`,
    );
    return 0;
  }
  if (!opts.flags.has("--standard-json")) {
    process.stderr.write(`No input mode given: use --standard-json or --version.\n${usage()}\n`);
    return 1;
  }
  const input = fs.readFileSync(0, "utf8");
  const solc = loadSolc();
  // compile() never throws for bad input: like native solc, errors come back inside the JSON.
  const output = solc.compile(input, { import: makeImportCallback(opts) });
  const pretty = opts.flags.has("--pretty-json") || opts.jsonIndent !== null;
  const text = pretty
    ? JSON.stringify(JSON.parse(output), null, opts.jsonIndent ?? 4)
    : output;
  process.stdout.write(`${text}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
