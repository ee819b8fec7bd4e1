"""Method parameters as data: the YAML files of ``src/meili/data/methods/``, validated here.

Every threshold, tolerance, scale and weight the evaluation uses lives in those files, not in code; a user can pass
their own file (same schema) to the functions of :mod:`meili.evaluate`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from meili.errors import MeiliError


class MethodParamsError(MeiliError, ValueError):
    """A method parameter file that is not valid; one problem per mistake, naming the file and the field."""

    kind = "method_params"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    relative: float = Field(0.01, ge=0)
    absolute: float = Field(0.0, ge=0)


class TrendTolerance(Tolerance):
    overrides: dict[str, Tolerance] = Field(default_factory=dict, description="Measure id → its own tolerance.")


class NumericStateReading(_Strict):
    op: Literal[">=", ">", "<=", "<"]
    value: float


class StatusParams(_Strict):
    trend_tolerance: TrendTolerance = TrendTolerance()
    projection_min_points: int = Field(3, ge=2)
    numeric_state_readings: dict[str, NumericStateReading] = Field(default_factory=dict)
    not_applicable_states: list[str] = Field(default_factory=lambda: ["not_applicable"])


class Thresholds(_Strict):
    substantial: float
    moderate: float

    @model_validator(mode="after")
    def _order(self) -> Thresholds:
        if not self.substantial > self.moderate >= 0:
            raise ValueError("thresholds must satisfy substantial > moderate ≥ 0 / 阈值须满足 substantial > moderate ≥ 0")
        return self


class CagrParams(_Strict):
    target_thresholds: Thresholds = Thresholds(substantial=0.95, moderate=0.60)
    growth_thresholds: Thresholds = Thresholds(substantial=0.015, moderate=0.005)
    zero_replacement: float = Field(0.001, gt=0)


class EfficacyParams(_Strict):
    base: float = 60
    span: float = Field(40, gt=0)
    equal_values_score: float = 100
    missing_score: float = 60


class ProgressParams(_Strict):
    missing_score: float = 0
    status_scores: dict[Literal["achieved", "on_track", "lagging", "regressing"], float] = Field(
        default_factory=lambda: {"achieved": 100, "on_track": 75, "lagging": 40, "regressing": 0}
    )

    @model_validator(mode="after")
    def _complete(self) -> ProgressParams:
        missing = {"achieved", "on_track", "lagging", "regressing"} - set(self.status_scores)
        if missing:
            raise ValueError(f"status_scores lacks {sorted(missing)} / 缺少状态得分")
        return self


class CompositeMethods(_Strict):
    efficacy: EfficacyParams = EfficacyParams()
    progress: ProgressParams = ProgressParams()


class CompositeParams(_Strict):
    methods: CompositeMethods = CompositeMethods()
    measure_weighting: Literal["indicator", "measure"] = "indicator"
    measure_weights: dict[str, float] = Field(default_factory=dict)
    category_weights: dict[str, dict[str, float]] = Field(default_factory=dict)
    tie_decimals: int = Field(6, ge=0, le=12)
    display_decimals: int = Field(2, ge=0, le=12)

    @model_validator(mode="after")
    def _positive(self) -> CompositeParams:
        bad = [k for k, v in self.measure_weights.items() if v < 0]
        bad += [f"{p}.{c}" for p, w in self.category_weights.items() for c, v in w.items() if v < 0]
        if bad:
            raise ValueError(f"negative weights / 权重不能为负: {bad}")
        return self


def _methods_dir() -> Path:
    return Path(str(resources.files("meili.data").joinpath("methods")))


def _read(model: type[BaseModel], path: Path):
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise MethodParamsError(f"{path}: 无法读取 / cannot read: {e}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        lines = [f"{path}: field {'.'.join(map(str, x['loc'])) or 'file'}: {x['msg']}" for x in e.errors()]
        raise MethodParamsError(*lines) from None


@cache
def _builtin(name: str, model: type[BaseModel]):
    return _read(model, _methods_dir() / f"{name}.yaml")


def status_params(path: str | Path | None = None) -> StatusParams:
    """The status engine's parameters (built-in ``status.yaml``, or a file of the same schema)."""
    return _read(StatusParams, Path(path)) if path else _builtin("status", StatusParams)


def cagr_params(path: str | Path | None = None) -> CagrParams:
    """The CAGR method's thresholds (built-in ``cagr.yaml``, or a file of the same schema)."""
    return _read(CagrParams, Path(path)) if path else _builtin("cagr", CagrParams)


def composite_params(path: str | Path | None = None) -> CompositeParams:
    """Composite methods, weights and tie rule (built-in ``composite.yaml``, or a file of the same schema)."""
    return _read(CompositeParams, Path(path)) if path else _builtin("composite", CompositeParams)
