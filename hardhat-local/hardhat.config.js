// Hardhat 2 configuration for Lotproof's local development chain.
//
// This project only uses `hardhat node` (an in-memory JSON-RPC chain). Contracts are compiled by
// scripts/compile_contracts.py with py-solc-x, never by `hardhat compile`, so no `solidity`
// compiler list is configured here: nothing makes Hardhat download a compiler. Hardhat falls
// back to its default solidity setting, which is only consulted by `hardhat compile`.

// No interactive telemetry prompt (it would block a non-interactive start). Hardhat also skips it
// when stdout is not a TTY or CI=true; analytics and error reporting stay off without consent.
process.env.HARDHAT_DISABLE_TELEMETRY_PROMPT ??= "true";
process.env.HARDHAT_HIDE_SOLIDITY_SURVEY_MESSAGE ??= "true";

/** @type {import("hardhat/config").HardhatUserConfig} */
module.exports = {
  defaultNetwork: "hardhat",
  networks: {
    hardhat: {
      chainId: 31337,
      // Automine: every transaction is mined in its own block at once (tests rely on this).
      mining: { auto: true, interval: 0 },
    },
  },
};
