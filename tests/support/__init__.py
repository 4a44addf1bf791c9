"""Shared helpers of the test suite (not test modules: pytest collects nothing here).

* :mod:`tests.support.paths` -- where the repository, the examples and the build cache are;
* :mod:`tests.support.elfs` -- example and guest ELFs built once (cached by source digest);
* :mod:`tests.support.qemu` -- running an ELF under ``qemu-riscv32`` (the reference CPU);
* :mod:`tests.support.chip_checks` -- one chip's trace checked in isolation, forged traces;
* :mod:`tests.support.core_programs`, :mod:`tests.support.loop_guest` -- small asm guests;
* :mod:`tests.support.stark_airs` -- toy AIRs of the STARK engine's tests;
* :mod:`tests.support.dist_jobs` -- picklable toy jobs for the distributed runner;
* :mod:`tests.support.mutation`, :mod:`tests.support.constraint_coverage` -- mutation
  testing of the constraints (docs/soundness.md §2); run the report with
  ``python -m tests.support.coverage_report`` from the repository root.

Fixtures that many directories use are in ``tests/conftest.py``.
"""
