// Generates tests/vectors/merkle_openzeppelin.json: reference Merkle trees built with the
// OpenZeppelin JS library `@openzeppelin/merkle-tree` (the version pinned in
// hardhat-local/package.json). Lotproof's Python tree (docs/design.md §3, frozen) must
// reproduce these roots, array layouts and proofs exactly, and TraceAnchor.verify must accept
// the proofs.
//
// Usage (from any directory, after `npm ci` in hardhat-local/):
//   node scripts/make_merkle_vectors.mjs
//
// Values are deterministic: value i of the tree of size n is
// sha256("lotproof-vector-{n}-{i}") as 0x hex. The output is stable byte for byte.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(join(repoRoot, "hardhat-local", "package.json"));
const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");
const libraryVersion = require("@openzeppelin/merkle-tree/package.json").version;

const OUTPUT = join(repoRoot, "tests", "vectors", "merkle_openzeppelin.json");
const ENCODING = ["bytes32"];
const SIZES = [1, 2, 3, 7, 64, 1000];
const FULL_PROOFS_UP_TO = 64;
const SPARSE_PROOF_STEP = 37;

// docs/design.md §3.3 Example A (the original design's; @openzeppelin/merkle-tree 1.0.8).
const DESIGN_EXAMPLE = {
  values: ["11", "22", "33"].map((b) => `0x${b.repeat(32)}`),
  root: "0xa9b9d19e00269b8e357d6b17ae987e7f306e63b8e77615ce706ec522974d2fea",
  proofOfFirst: [
    "0x0f7e1163c9397953c541dc1b3e1fdde14cb0452e6ee4f9e81cd9665cd5f01774",
    "0xf71106156f6c6fb1e886f1022b84b417bc07ade1ba787da2e849607e605475b7",
  ],
};

function vectorValue(size, i) {
  return `0x${createHash("sha256").update(`lotproof-vector-${size}-${i}`, "ascii").digest("hex")}`;
}

function entry(name, values, proofIndices) {
  const tree = StandardMerkleTree.of(
    values.map((v) => [v]),
    ENCODING,
  );
  const dump = tree.dump();
  // treeIndex of each value (in the order given): where its leaf sits in `tree`.
  const leafIndex = {};
  for (const { value, treeIndex } of dump.values) leafIndex[value[0]] = treeIndex;
  const proofs = {};
  for (const i of proofIndices) {
    const proof = tree.getProof(i);
    if (!StandardMerkleTree.verify(tree.root, ENCODING, [values[i]], proof)) {
      throw new Error(`${name}: proof of value ${i} does not verify`);
    }
    proofs[values[i]] = proof;
  }
  return {
    name,
    library: { name: "@openzeppelin/merkle-tree", version: libraryVersion },
    encoding: ENCODING,
    size: values.length,
    values,
    root: tree.root,
    tree: dump.tree,
    leafIndex,
    proofs,
  };
}

function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}

const vectors = [];
for (const size of SIZES) {
  const values = range(size).map((i) => vectorValue(size, i));
  const proofIndices =
    size <= FULL_PROOFS_UP_TO
      ? range(size)
      : [...new Set([0, ...range(size).filter((i) => i % SPARSE_PROOF_STEP === 0), size - 1])];
  vectors.push(entry(`sha256-${size}`, values, proofIndices));
}

const example = entry("design-worked-example", DESIGN_EXAMPLE.values, range(3));
if (example.root !== DESIGN_EXAMPLE.root) {
  throw new Error(`DESIGN §3 root mismatch: got ${example.root}, DESIGN says ${DESIGN_EXAMPLE.root}`);
}
const gotProof = example.proofs[DESIGN_EXAMPLE.values[0]];
if (JSON.stringify(gotProof) !== JSON.stringify(DESIGN_EXAMPLE.proofOfFirst)) {
  throw new Error(`DESIGN §3 proof mismatch: got ${JSON.stringify(gotProof)}`);
}
vectors.push(example);

mkdirSync(dirname(OUTPUT), { recursive: true });
writeFileSync(OUTPUT, `${JSON.stringify(vectors, null, 2)}\n`);
console.log(
  `wrote ${relative(repoRoot, OUTPUT)}: ${vectors.length} trees, @openzeppelin/merkle-tree ` +
    `${libraryVersion}; DESIGN §3 example root ${example.root} matches`,
);
