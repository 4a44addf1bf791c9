"""Coverage (mutation-testing) tests: shared setup."""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(ROOT, ".zkvm-cache", "numba"))
sys.path.insert(0, os.path.join(ROOT, "tools"))  # constraint_coverage
sys.setrecursionlimit(max(sys.getrecursionlimit(), 200000))
