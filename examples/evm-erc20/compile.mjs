// Recompile the example contracts with solc-js (the version pinned in package.json) and
// write <Contract>.json: abi, creation and runtime bytecode, storage layout.
//
//   cd examples/evm-erc20 && npm ci && node compile.mjs Token.sol ../evm-battleship/Battleship.sol ../../tests/evm/contracts/Nest.sol ../../bench/evm/Bench.sol
//
// Only needed after editing a .sol file: the compiled JSON is committed, so the examples
// and the tests never need node.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const solc = require("solc");

for (const file of process.argv.slice(2)) {
    const source = fs.readFileSync(file, "utf8");
    const name = path.basename(file);
    const input = {
        language: "Solidity",
        sources: { [name]: { content: source } },
        settings: {
            evmVersion: "cancun",
            optimizer: { enabled: true, runs: 200 },
            metadata: { bytecodeHash: "none", appendCBOR: false },
            outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "storageLayout"] } },
        },
    };
    const out = JSON.parse(solc.compile(JSON.stringify(input)));
    const errors = (out.errors || []).filter((e) => e.severity === "error");
    if (errors.length) {
        for (const e of errors) console.error(e.formattedMessage);
        process.exit(1);
    }
    for (const [contract, c] of Object.entries(out.contracts[name])) {
        const result = {
            contract,
            source: name,
            compiler: "solc-js " + solc.version(),
            settings: input.settings,
            abi: c.abi,
            bytecode: "0x" + c.evm.bytecode.object,
            deployedBytecode: "0x" + c.evm.deployedBytecode.object,
            storageLayout: c.storageLayout,
        };
        const dest = path.join(path.dirname(file), contract + ".json");
        fs.writeFileSync(dest, JSON.stringify(result, null, 1) + "\n");
        console.log(`wrote ${dest} (${c.evm.deployedBytecode.object.length / 2} bytes of runtime code)`);
    }
}
