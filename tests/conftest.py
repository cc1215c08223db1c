"""Shared test setup: make the Lambda asset importable the way the Lambda runtime sees it."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAMBDA_ROOT = ROOT / "lambdas"
for path in (ROOT, LAMBDA_ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
