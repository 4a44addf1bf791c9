"""UINT256_MULMOD (0x5A10): ``exec`` (executor semantics), ``air`` (the ``uint256_mulmod``
table), ``sdk.h`` (``zkvm_uint256_mulmod`` with a plain-C fallback), README.md."""
