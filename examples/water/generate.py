"""Generate the SYNTHETIC monthly surface-water example for Ganzhou (赣州) — not real monitoring data.

Writes ``sections.csv`` (a plausible registry: section codes, rivers, kinds, levels, Ganzhou county codes,
target classes) and ``samples.csv`` (monthly samples for 2023 and 2024, the 21 GB 3838 evaluation items plus
total nitrogen, fecal coliform, water temperature and, for reservoirs, chlorophyll-a and transparency).
Values below the detection limit are written like ``0.00004L``. Fixed seed: the output is reproducible.

    python examples/water/generate.py        # from the repository root
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240601
HERE = Path(__file__).resolve().parent

# (code, name, water body, kind, level, region code, target class, quality: 1 clean … 4 polluted)
SECTIONS = [
    ("GZ01", "章江 章贡区段（合成）", "章江", "river", "national", "360702", "Ⅲ", 2),
    ("GZ02", "贡江 章贡区段（合成）", "贡江", "river", "provincial", "360702", "Ⅲ", 2),
    ("GZ03", "赣江 赣州城区下游（合成）", "赣江", "river", "national", "360702", "Ⅲ", 3),
    ("GZ04", "上犹江 南康区段（合成）", "上犹江", "river", "provincial", "360703", "Ⅲ", 3),
    ("GZ05", "章江 南康区段（合成）", "章江", "river", "provincial", "360703", "Ⅲ", 4),
    ("GZ06", "贡江 赣县区段（合成）", "贡江", "river", "national", "360704", "Ⅱ", 1),
    ("GZ07", "平江 赣县区段（合成）", "平江", "river", "provincial", "360704", "Ⅲ", 2),
    ("GZ08", "桃江 信丰县段（合成）", "桃江", "river", "national", "360722", "Ⅲ", 2),
    ("GZ09", "桃江 信丰县下游（合成）", "桃江", "river", "provincial", "360722", "Ⅲ", 3),
    ("GZ10", "章江 大余县段（合成）", "章江", "river", "provincial", "360723", "Ⅱ", 1),
    ("GZ11", "上犹江水库（合成）", "上犹江水库", "reservoir", "national", "360724", "Ⅱ", 1),
    ("GZ12", "上犹江 上犹县段（合成）", "上犹江", "river", "provincial", "360724", "Ⅱ", 1),
    ("GZ13", "上犹江 崇义县段（合成）", "上犹江", "river", "provincial", "360725", "Ⅱ", 1),
    ("GZ14", "濂江 安远县段（合成）", "濂江", "river", "provincial", "360726", "Ⅲ", 2),
    ("GZ15", "定南水 定南县段（合成）", "定南水", "river", "national", "360728", "Ⅲ", 3),
    ("GZ16", "桃江 全南县段（合成）", "桃江", "river", "provincial", "360729", "Ⅱ", 1),
    ("GZ17", "梅江 宁都县段（合成）", "梅江", "river", "national", "360730", "Ⅱ", 1),
    ("GZ18", "梅江 宁都县下游（合成）", "梅江", "river", "provincial", "360730", "Ⅲ", 2),
    ("GZ19", "贡江 于都县段（合成）", "贡江", "river", "national", "360731", "Ⅲ", 2),
    ("GZ20", "梅江 于都县段（合成）", "梅江", "river", "provincial", "360731", "Ⅲ", 2),
    ("GZ21", "平江 兴国县段（合成）", "平江", "river", "provincial", "360732", "Ⅲ", 2),
    ("GZ22", "湘水 会昌县段（合成）", "湘水", "river", "national", "360733", "Ⅲ", 2),
    ("GZ23", "寻乌水 寻乌县段（合成）", "寻乌水", "river", "national", "360734", "Ⅲ", 3),
    ("GZ24", "寻乌水 寻乌县下游（合成）", "寻乌水", "river", "provincial", "360734", "Ⅲ", 4),
    ("GZ25", "琴江 石城县段（合成）", "琴江", "river", "provincial", "360735", "Ⅱ", 1),
    ("GZ26", "绵江 瑞金市段（合成）", "绵江", "river", "national", "360781", "Ⅲ", 2),
    ("GZ27", "绵江 瑞金市下游（合成）", "绵江", "river", "provincial", "360781", "Ⅲ", 3),
    ("GZ28", "桃江 龙南市段（合成）", "桃江", "river", "provincial", "360783", "Ⅲ", 2),
    ("GZ29", "渥江 龙南市段（合成）", "渥江", "river", "provincial", "360783", "Ⅲ", 3),
    ("GZ30", "章江 新设断面（合成，2024 年断流未采样）", "章江", "river", "provincial", "360702", "Ⅲ", 2),
]

# Typical concentrations (mg/L; fecal coliform 个/L) of each quality level 1…4, before lognormal scatter.
TYPICAL = {
    "codmn": (1.8, 2.8, 4.5, 7.5), "cod": (8.0, 12.0, 17.0, 26.0), "bod5": (1.2, 2.0, 3.2, 5.0),
    "nh3n": (0.10, 0.25, 0.60, 1.30), "tp": (0.02, 0.06, 0.13, 0.26), "tn": (0.6, 1.0, 1.6, 2.6),
    "cu": (0.002, 0.004, 0.006, 0.010), "zn": (0.01, 0.02, 0.04, 0.08), "f": (0.15, 0.25, 0.40, 0.70),
    "se": (0.0003, 0.0004, 0.0005, 0.0006), "as": (0.001, 0.002, 0.004, 0.008),
    "phenol": (0.0005, 0.0008, 0.0015, 0.003), "petroleum": (0.01, 0.02, 0.03, 0.06),
    "las": (0.03, 0.05, 0.08, 0.12), "sulfide": (0.006, 0.01, 0.02, 0.05),
    "fecal_coliform": (300.0, 1500.0, 5000.0, 15000.0),
}
# Detection limits: values under them are written "<DL>L".
DETECTION_LIMITS = {
    "hg": 0.00004, "cd": 0.0001, "cr6": 0.004, "pb": 0.001, "cn": 0.004, "sulfide": 0.005,
    "phenol": 0.0003, "petroleum": 0.01, "se": 0.0004, "cu": 0.001,
}
TRACE = {"hg": 0.00002, "cd": 0.0002, "cr6": 0.003, "pb": 0.002, "cn": 0.002}


def _format(values: np.ndarray, item: str) -> list[str]:
    limit = DETECTION_LIMITS.get(item)
    decimals = 5 if item in ("hg",) else 4 if item in ("cd", "se", "as", "phenol", "cu", "pb") else 3
    out = []
    for v in values:  # a generator of example data, not a data path
        if limit is not None and v < limit:
            out.append(f"{limit:.6f}".rstrip("0") + "L")
        else:
            out.append(f"{v:.{decimals}f}" if item != "fecal_coliform" else f"{round(v, -1):.0f}")
    return out


def generate(seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    registry = pd.DataFrame(
        [s[:7] for s in SECTIONS],
        columns=["section", "name", "water_body", "kind", "level", "region_code", "target_class"],
    )
    rows = []
    for code, _name, _body, kind, _level, _region, _target, quality in SECTIONS:
        for year in (2023, 2024):
            if code == "GZ30" and year == 2024:
                continue  # registered but dry in 2024: left out of the 2024 proportions
            for month in range(1, 13):
                wet = month in (4, 5, 6, 7, 8)
                level = quality - 1
                if year == 2024 and quality == 4:
                    level = 2  # the two polluted sections improve in 2024
                row = {"section": code, "date": f"{year}-{month:02d}-{rng.integers(5, 20):02d}"}
                row["wt"] = f"{20 + 8 * np.sin((month - 4) / 12 * 2 * np.pi) + rng.normal(0, 1):.1f}"
                row["ph"] = f"{rng.normal(7.2, 0.3):.2f}"
                row["do"] = f"{max(3.0, rng.normal((8.4, 7.6, 6.6, 5.4)[level] - (0.8 if wet else 0), 0.5)):.2f}"
                for item, typical in TYPICAL.items():
                    scale = typical[level] * (1.25 if wet and item in ("tp", "codmn", "cod") else 1.0)
                    if kind == "reservoir" and item == "tp":
                        scale *= 0.4
                    row[item] = _format(np.array([scale * rng.lognormal(0, 0.3)]), item)[0]
                for item, typical in TRACE.items():
                    row[item] = _format(np.array([typical * rng.lognormal(0, 0.6)]), item)[0]
                if kind == "reservoir":
                    row["chla"] = f"{rng.lognormal(np.log(4.0), 0.4):.1f}"
                    row["sd"] = f"{rng.normal(2.2, 0.3):.2f}"
                rows.append(row)
    samples = pd.DataFrame(rows).fillna("")
    return registry, samples


def main() -> None:
    registry, samples = generate()
    registry.to_csv(HERE / "sections.csv", index=False)
    samples.to_csv(HERE / "samples.csv", index=False)
    print(f"{len(registry)} sections, {len(samples)} sample rows → {HERE}")


if __name__ == "__main__":
    main()
