"""The plan file's JSON Schema (``docs/plan.schema.json``), generated from the pydantic models."""

from __future__ import annotations

import json

from meili.plan.model import Plan


def plan_json_schema() -> str:
    schema = Plan.model_json_schema(by_alias=True, mode="validation")
    schema["$id"] = "https://meili.example/plan.schema.json"
    schema["title"] = "Meili plan file (美丽建设规划纲要 指标体系)"
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
