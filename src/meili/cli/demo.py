"""``meili demo``: the main job on the bundled example, end to end."""

from __future__ import annotations

from meili.cli._common import console
from meili.cli.plan import show_indicator_system
from meili.plan import load_plan


def demo() -> None:
    """演示 / Run the main job on the bundled example: load the plans and show Ganzhou's indicator system."""
    province = load_plan("jiangxi")
    city = load_plan("ganzhou")
    console.print(f"[bold]{province.title}[/] — {len(province.categories)} 样板 (categories), "
                  f"milestones {', '.join(map(str, province.milestones))}")
    console.print(f"[bold]{city.title}[/] — parent: {city.parent}, {len(city.indicators)} indicators, "
                  f"{len(city.measures)} measures, {len(city.delegated_targets())} targets assigned by a higher level")
    show_indicator_system(city)
