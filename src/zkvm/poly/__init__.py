"""zkvm.poly — NTTs, coset low-degree extensions and polynomial evaluation helpers."""

from .ntt import (  # noqa: F401
    NttError,
    barycentric_eval,
    bit_reverse_rows,
    coset_intt,
    coset_lde,
    coset_ntt,
    evaluate_ext_poly,
    evaluate_poly,
    intt,
    log2_strict,
    naive_dft,
    ntt,
)
