"""KECCAK_F1600 (0x5A01): ``exec`` (executor semantics), ``kernel`` (numba), ``air`` (tables), ``sdk.h``."""
