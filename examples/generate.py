"""Write examples/ganzhou/observations_2020_2024.csv (fixed seed): `PYTHONPATH=src python examples/generate.py`.

The rows come from :func:`meili.examples.example_rows`: the plan's 附表 baselines and published figures where
known (cited in `source`), the rest simulated (`source = 示例数据（模拟）`). Same seed, same file.
"""

from __future__ import annotations

from pathlib import Path

from meili.examples import SEED, example_csv

OUT = Path(__file__).resolve().parent / "ganzhou" / "observations_2020_2024.csv"

if __name__ == "__main__":
    text = example_csv(SEED)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT}: {text.count(chr(10)) - 1} rows (seed {SEED})")
