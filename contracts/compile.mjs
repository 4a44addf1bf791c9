// Compile the on-chain verifier contracts with the pinned solc-js (package.json) and
// write src/zkvm/onchain/artifacts/<Contract>.json (abi, creation and runtime bytecode, compiler, settings).
//
//   cd contracts && npm ci && node compile.mjs            (scripts/setup.sh --test-deps runs npm ci)
//
// zkvm.onchain.solc runs this; the compiled JSON is committed (package data) so `zkvm onchain` works
// without node, and tests/onchain/test_contracts.py checks it matches a fresh compile.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const solc = require("solc");
const here = path.dirname(fileURLToPath(import.meta.url));
const srcDir = path.join(here, "src");
const outDir = process.argv[2] || path.join(here, "..", "src", "zkvm", "onchain", "artifacts");
const sources = {};
for (const f of fs.readdirSync(srcDir).sort()) {
    if (f.endsWith(".sol")) sources[f] = { content: fs.readFileSync(path.join(srcDir, f), "utf8") };
}
const input = {
    language: "Solidity",
    sources,
    settings: {
        evmVersion: "cancun",
        viaIR: true,
        optimizer: { enabled: true, runs: 200 },
        metadata: { bytecodeHash: "none", appendCBOR: false },
        outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"] } },
    },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (out.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
    for (const e of errors) console.error(e.formattedMessage);
    process.exit(1);
}
fs.mkdirSync(outDir, { recursive: true });
for (const [file, contracts] of Object.entries(out.contracts)) {
    for (const [contract, c] of Object.entries(contracts)) {
        const result = {
            contract,
            source: "src/" + file,
            compiler: "solc-js " + solc.version(),
            settings: input.settings,
            abi: c.abi,
            bytecode: "0x" + c.evm.bytecode.object,
            deployedBytecode: "0x" + c.evm.deployedBytecode.object,
            methodIdentifiers: c.evm.methodIdentifiers,
        };
        fs.writeFileSync(path.join(outDir, contract + ".json"), JSON.stringify(result, null, 1) + "\n");
        console.log(`${contract}: ${c.evm.deployedBytecode.object.length / 2} bytes of runtime code`);
    }
}
