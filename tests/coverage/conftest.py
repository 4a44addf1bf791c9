"""Coverage (mutation-testing) tests: shared setup."""

from __future__ import annotations

import sys

sys.setrecursionlimit(max(sys.getrecursionlimit(), 200000))
