"""zkvm.toolchain: hermetic, reproducible builds of C, C++ and Rust guests (see
docs/toolchain.md). ``build`` dispatches a Cargo crate to :mod:`zkvm.toolchain.rust`;
:mod:`zkvm.toolchain.gcc` is the GCC cross-check route for C.

Public API: ``build``, ``cached_build``, ``source_digest``, ``BuildResult``,
``BuildError``, ``ToolchainError``, ``sdk_include_dir``, ``check_compiler``,
``ZIG_VERSION``, ``OPT_LEVELS``, ``COMPILERS``, ``compiler_fingerprint`` (the
installed compiler's identity, for build manifests), ``CANONICAL_ROOT``.
"""

from .build import (
    CANONICAL_ROOT,
    COMPILERS,
    OPT_LEVELS,
    ZIG_VERSION,
    BuildError,
    BuildResult,
    ToolchainError,
    build,
    cached_build,
    check_compiler,
    check_hermetic,
    compiler_fingerprint,
    compiler_flags,
    normalize_opt_level,
    sdk_include_dir,
    source_digest,
)

__all__ = [
    "CANONICAL_ROOT",
    "COMPILERS",
    "OPT_LEVELS",
    "ZIG_VERSION",
    "BuildError",
    "BuildResult",
    "ToolchainError",
    "build",
    "cached_build",
    "check_compiler",
    "check_hermetic",
    "compiler_fingerprint",
    "compiler_flags",
    "normalize_opt_level",
    "sdk_include_dir",
    "source_digest",
]
