"""zkvm.poly — NTTs, coset low-degree extensions and polynomial evaluation helpers.

Import from the module: ``from zkvm.poly.ntt import ntt, intt, coset_lde``.  (The
functions are deliberately not re-exported here, so that ``zkvm.poly.ntt`` always names
the module rather than the function.)
"""
