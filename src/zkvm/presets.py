"""STARK parameter presets by name: the one resolver (``zkvm.api.stark_params``
re-exports it; manifests, the CLI and the image-ID cache use the same names)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .stark.params import StarkParams

#: the named presets, in the order the CLI lists them
PARAMS_PRESETS = ("default", "high", "evm", "testing")


def stark_params(params: "str | StarkParams | None" = "default", *, zk: bool | None = None) -> "StarkParams":
    """A :class:`zkvm.stark.params.StarkParams` from a preset name (``"default"``,
    ``"high"``, ``"evm"``, ``"testing"``) or an instance; ``zk=False`` turns masking off (benchmarks
    only: a non-ZK receipt reveals trace values at the opened points)."""
    from .stark.params import StarkParams

    if params is None:
        params = "default"
    if isinstance(params, StarkParams):
        if zk is None or zk == params.zk:
            return params
        import dataclasses

        return dataclasses.replace(params, zk=zk)
    if params not in PARAMS_PRESETS:
        raise ValueError(f"unknown parameter preset {params!r}; use one of {', '.join(PARAMS_PRESETS)}")
    preset = getattr(StarkParams, params)
    return preset() if zk is None else preset(zk=zk)
