"""The EVM in the zkVM: an Ethereum (Cancun) EVM written in C, compiled to RISC-V with the
pinned toolchain, that executes one transaction on a pre-state and commits the statement
(pre/post state roots, transaction hash, logs hash, gas used, status) to its journal.

Modules: :mod:`.guest` (the guest program: build, image ID, run), :mod:`.encoding` (the
input and journal formats), :mod:`.statetest` (Ethereum state tests through the guest),
:mod:`.ethutil` (Keccak-256, RLP, secp256k1 signing, transactions), :mod:`.host`
(building, proving and verifying a transaction). docs/evm.md describes all of it.
"""

from .encoding import Account, BlockEnv, GuestInput, Journal  # noqa: F401
