"""What a deployment of the portal says about itself: the ``[portal]`` table of the workspace's ``meili.toml``.

Everything here is optional; the defaults serve the Ganzhou plan as 示意图 maps with no government-site marks.

.. code-block:: toml

    [portal]
    plan = "ganzhou"
    site_name = "美丽赣州建设监测评估"
    site_name_en = "Beautiful Ganzhou: monitoring and evaluation"
    boundaries = "maps/official-counties.geojson"   # an official boundary file (features carry `adcode`)
    map_review_number = "赣S(2024)001号"              # 审图号, shown under every map when set
    map_producer = "赣州市自然资源局"                    # 制图单位
    footer_marks = [{text = "网站标识码 3607000001"}, {text = "赣ICP备00000000号", href = "https://beian.miit.gov.cn/"}]
    contact = "sthjj@example.gov.cn"
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from meili.errors import InputError, Problem, Text


class FooterMark(BaseModel):
    """A mark of the government-site norms (网站标识码, ICP 备案, 公安备案, 党政机关标识) shown in the footer."""

    model_config = ConfigDict(extra="forbid")
    text: str
    href: str | None = None


class PortalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: str = "ganzhou"
    site_name: str = "美丽赣州建设监测评估"
    site_name_en: str = "Beautiful Ganzhou: monitoring and evaluation"
    boundaries: str | None = Field(None, description="An official boundary GeoJSON replacing the bundled 示意图 one.")
    map_review_number: str | None = None
    map_producer: str | None = None
    footer_marks: list[FooterMark] = Field(default_factory=list)
    contact: str | None = None
    #: Seconds between checks for a newer release by a running server (unversioned URLs follow the latest).
    release_check_seconds: float = 5.0

    def boundaries_path(self, workspace: Path | None) -> Path | None:
        if self.boundaries is None:
            return None
        path = Path(self.boundaries)
        return path if path.is_absolute() or workspace is None else workspace / path


def load_config(workspace: Path | None) -> PortalConfig:
    """The ``[portal]`` table of ``workspace/meili.toml`` (defaults when absent); a clear error when it is wrong."""
    if workspace is None or not (workspace / "meili.toml").is_file():
        return PortalConfig()
    file = workspace / "meili.toml"
    try:
        table = tomllib.loads(file.read_text(encoding="utf-8")).get("portal", {})
        return PortalConfig.model_validate(table)
    except (tomllib.TOMLDecodeError, ValidationError) as e:
        raise InputError(Problem("invalid_config", file=str(file), sheet="portal", value=str(e).splitlines()[0],
                                 detail=Text("门户配置有误", "the portal configuration is not valid"))) from None
