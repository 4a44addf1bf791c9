"""Precompiles: one folder each plus one row of :mod:`zkvm.precompiles.registry`
(docs/precompiles.md explains how to add one).

Layering: ``registry`` and every ``<folder>/exec.py`` import neither the field nor the
STARK (the executor, :mod:`zkvm.riscv`, uses them); ``tables``, ``buses`` and every
``<folder>/air.py`` are circuits (the chips layer).  This ``__init__`` imports nothing.
"""
