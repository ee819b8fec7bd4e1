"""Official computations from raw monitoring data: pure, vectorised functions that cite their clauses.

- :mod:`meili.standards.air` — GB 3095, HJ 633, HJ 663 (2012 and 2026 generations).
- :mod:`meili.standards.water` — GB 3838-2002 and the 地表水环境质量评价办法（试行）.
"""
