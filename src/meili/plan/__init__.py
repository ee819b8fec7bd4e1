"""Plans as data: the plan model, target readings, regions and the loader.

>>> from meili.plan import load_plan
>>> load_plan("ganzhou").measure("17.2").targets[2025].describe()
'≥ 97.2'
"""

from meili.plan.loader import PlanError, PlanProblem, builtin_plans, load_plan, read_plan_file
from meili.plan.model import Category, Correction, Indicator, Measure, Plan, PlanModelError
from meili.plan.regions import Region, RegionGroup, Regions, UnknownRegionError, load_regions
from meili.plan.targets import (
    Baseline,
    Direction,
    Target,
    TargetKind,
    TargetTextError,
    parse_baseline,
    parse_target,
)

__all__ = [
    "Baseline", "Category", "Correction", "Direction", "Indicator", "Measure", "Plan", "PlanError",
    "PlanModelError", "PlanProblem", "Region", "RegionGroup", "Regions", "Target", "TargetKind",
    "TargetTextError", "UnknownRegionError", "builtin_plans", "load_plan", "load_regions", "parse_baseline",
    "parse_target", "read_plan_file",
]
