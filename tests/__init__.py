"""The zkvm test suite (a package so that tests and tools can share ``tests.support``)."""
