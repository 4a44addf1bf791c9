"""zkvm.field — BabyBear base field and its quartic extension.

See :mod:`zkvm.field.babybear` (P, vectorised uint32 arithmetic) and
:mod:`zkvm.field.ext` (``Ext`` scalars and (..., 4) extension arrays).
"""

from .babybear import (  # noqa: F401
    DTYPE,
    GENERATOR,
    P,
    TWO_ADICITY,
    FieldError,
    add,
    batch_inverse,
    check_canonical,
    dot,
    inv,
    inv_scalar,
    is_canonical,
    lincomb,
    mul,
    neg,
    pow_,
    pow_scalar,
    powers,
    sub,
    sum_,
    to_field,
    two_adic_generator,
)
from .ext import (  # noqa: F401
    W,
    Ext,
    base_columns_to_ext,
    ext_add,
    ext_array,
    ext_from_base,
    ext_inv,
    ext_lincomb,
    ext_list,
    ext_mul,
    ext_mul_base,
    ext_neg,
    ext_pow,
    ext_powers,
    ext_sub,
    ext_to_base_columns,
    to_ext,
)
