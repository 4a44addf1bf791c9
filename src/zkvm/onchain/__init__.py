"""On-chain verification of zkvm receipts (issue 19; docs/onchain.md).

Layering: this package sits beside :mod:`zkvm.api` (it imports the STARK verifier and
the receipt format, never the prover); the CLI's ``zkvm onchain`` is thin over it.

* :mod:`zkvm.onchain.artifacts` -- the compiled Solidity contracts (solc-js, pinned; the
  JSON is committed package data) and the driver that recompiles them with node;
* :mod:`zkvm.onchain.chain` -- a local in-process EVM (pyrevm) that charges the EIP-7623
  calldata floor and enforces the EIP-7825 per-transaction gas cap;
* :mod:`zkvm.onchain.abi` -- the small ABI encoder the contracts' calls need;
* :mod:`zkvm.onchain.merkle` -- the Merkle statements of a receipt (recorded while the
  Python verifier checks them) and their encoding for ``MerkleFacts``;
* :mod:`zkvm.onchain.challenges` -- the inputs of ``StarkChallenges`` (the on-chain
  Fiat-Shamir replay);
* :mod:`zkvm.onchain.deep` -- the DEEP reduced openings of the PCS and their encoding
  for ``MerkleFacts.registerOpeningsDeep``;
* :mod:`zkvm.onchain.fri` -- the FRI query phase of a receipt and its encoding for
  ``FriQueries``;
* :mod:`zkvm.onchain.constraints` -- a table's constraint DAG compiled to the program
  that ``ConstraintEval`` interprets at the out-of-domain point;
* :mod:`zkvm.onchain.session` / :mod:`zkvm.onchain.statement` -- a receipt's pieces
  recorded and submitted, the statement check and :func:`~zkvm.onchain.statement.verify_onchain`
  (ACCEPT/REJECT);
* :mod:`zkvm.onchain.referee` -- the Battleship referee contract: deployment pinned to an
  image ID and a verifier, its transactions, and a player's audit of a deployment.

Status: single-segment receipts without a Keccak table (docs/onchain.md, "What is missing").
"""
