"""Plans as data: the plan model, target readings, regions and the loader.

>>> from meili.plan import load_plan
>>> load_plan("ganzhou").measure("17.2").targets[2025].describe()
'≥ 97.2'
"""

from meili.plan.loader import PlanError, PlanProblem, builtin_plans, load_plan, read_plan_file
from meili.plan.model import (  # the model's target readings (meili.plan.targets) are re-exported here too
    Baseline,
    Category,
    Correction,
    Direction,
    Indicator,
    Measure,
    Plan,
    PlanModelError,
    Target,
    TargetKind,
    TargetTextError,
    parse_baseline,
    parse_target,
)
from meili.plan.regions import Region, RegionGroup, Regions, UnknownRegionError, load_regions

__all__ = [
    "Baseline", "Category", "Correction", "Direction", "Indicator", "Measure", "Plan", "PlanError",
    "PlanModelError", "PlanProblem", "Region", "RegionGroup", "Regions", "Target", "TargetKind",
    "TargetTextError", "UnknownRegionError", "builtin_plans", "load_plan", "load_regions", "parse_baseline",
    "parse_target", "read_plan_file",
]
