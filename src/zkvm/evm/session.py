"""A host-side chain of transactions: the host keeps the world state, the guest executes
(and optionally proves) each transaction on it.

The guest's statement for one transaction is "the state with root R_pre becomes R_post".
The host learns the new state itself from the guest's stdout (``dump_state``); it does
not have to be trusted for that: the next transaction's journal carries the pre-state
root the guest computed from what the host passed on, and :meth:`EvmSession.execute`
checks it equals the previous post-state root (a verifier of a sequence of receipts
checks the same). Logs come from stdout too and are checked against the journal's logs
hash.

    s = EvmSession()
    s.fund(alice, 10**18)
    token = s.deploy(alice_key, creation_code + abi.encode_value("uint256", 10**24))
    out = s.execute(alice_key, token, abi.call_data("transfer(address,uint256)", bob, 5))
    out = s.prove(alice_key, token, ..., params="testing")   # out.receipt
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import guest, host
from .encoding import EXIT_OK, Account, BlockEnv, GuestInput, Journal, Log
from .ethutil import Transaction, create_address, private_key_to_address


class SessionError(Exception):
    """The guest did not produce a statement, or the chain of statements broke."""


@dataclass
class Outcome:
    journal: Journal
    logs: list[Log]
    cycles: int
    input: GuestInput
    receipt: object = None
    created: bytes | None = None  # the new contract's address (create transactions)

    @property
    def ok(self) -> bool:
        return self.journal.status == 0


@dataclass
class EvmSession:
    env: BlockEnv = field(default_factory=lambda: BlockEnv(coinbase=b"\xc0" * 20))
    state: dict[bytes, Account] = field(default_factory=dict)
    gas_price: int = 10
    last_root: bytes | None = None

    def fund(self, address: bytes, wei: int) -> None:
        acc = self.state.setdefault(address, Account())
        acc.balance += wei
        self.last_root = None  # the host changed the state outside a transaction

    def nonce(self, address: bytes) -> int:
        acc = self.state.get(address)
        return acc.nonce if acc else 0

    def transaction(self, key: int, to: bytes | None, data: bytes = b"", value: int = 0,
                    gas: int = 1_000_000) -> GuestInput:
        """The guest input for a type-2 transaction signed by ``key``."""
        sender = private_key_to_address(key)
        tx = Transaction(nonce=self.nonce(sender), gas_limit=gas, to=to, value=value, data=data, type=2,
                         gas_price=max(self.gas_price, self.env.base_fee), max_priority_fee_per_gas=1,
                         chain_id=self.env.chain_id)
        return GuestInput(self.env, sender, tx.sign(key), self.state, dump_state=True)

    def _apply(self, inp: GuestInput, receipt=None) -> Outcome:
        r = guest.run(inp.encode())
        if r.exit_code != EXIT_OK:
            raise SessionError(f"the guest exited with code {r.exit_code}: {r.stderr.strip()}")
        j = r.journal
        if self.last_root is not None and j.pre_state_root != self.last_root:
            raise SessionError("the guest's pre-state root is not the previous post-state root")
        if receipt is not None:
            proven = host.Journal.decode(receipt.journal)
            if proven != j:
                raise SessionError("the proven journal differs from the executed one")
        state, logs = r.post_state_and_logs()
        self.state = state
        self.last_root = j.post_state_root
        return Outcome(j, logs, r.cycles, inp, receipt)

    def execute(self, key: int, to: bytes | None, data: bytes = b"", value: int = 0,
                gas: int = 1_000_000) -> Outcome:
        """Execute a transaction in the guest (executor only) and move to its post-state."""
        return self._apply(self.transaction(key, to, data, value, gas))

    def prove(self, key: int, to: bytes | None, data: bytes = b"", value: int = 0, gas: int = 1_000_000,
              params: str = "default", timings: dict | None = None) -> Outcome:
        """Prove a transaction (the receipt is in ``outcome.receipt``) and move to its
        post-state."""
        inp = self.transaction(key, to, data, value, gas)
        receipt = host.prove(inp, params, timings=timings)
        return self._apply(inp, receipt)

    def deploy(self, key: int, creation_code: bytes, value: int = 0, gas: int = 5_000_000) -> Outcome:
        """Run a create transaction; ``outcome.created`` is the new contract's address."""
        sender = private_key_to_address(key)
        address = create_address(sender, self.nonce(sender))
        out = self.execute(key, None, creation_code, value, gas)
        if not out.ok or address not in self.state or not self.state[address].code:
            raise SessionError(f"deployment failed (status {out.journal.status_name})")
        out.created = address
        return out
