"""zkvm.toolchain: hermetic, reproducible builds of C guests (see docs/toolchain.md).

Public API: ``build``, ``cached_build``, ``source_digest``, ``BuildResult``,
``BuildError``, ``ToolchainError``, ``sdk_include_dir``, ``check_compiler``,
``ZIG_VERSION``, ``OPT_LEVELS``, ``COMPILERS``.
"""

from .build import (
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
    compiler_flags,
    normalize_opt_level,
    sdk_include_dir,
    source_digest,
)

__all__ = [
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
    "compiler_flags",
    "normalize_opt_level",
    "sdk_include_dir",
    "source_digest",
]
