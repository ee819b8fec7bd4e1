"""``python -m meili.evaluate``: write :mod:`meili.evaluate._compiled` (the evaluation's SQL, compiled from the rules).

Run it after changing :mod:`meili.evaluate.rules`, ``cagr``, ``tables`` or ``engine``; a test checks it was.
"""

from meili.evaluate.engine import write_compiled

print(write_compiled())
