"""Result rows as plain dicts, for the bulk reads of plan (tens of thousands of rows).

``dict(row._mapping)`` builds a keys view for every row; taking the keys once per result halves that cost.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def row_dicts(result: sa.Result[Any]) -> list[dict[str, Any]]:
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]
