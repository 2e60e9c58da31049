"""Synthetic targets, observations and series for the assessment tests."""

import pandas as pd


def target(kind="level", base=(2020, 100.0), goal=(2025, 150.0), comparator="", unit="万吨", baseline_unit=None,
           tid="t1", sid="s1"):
    return {
        "target_id": tid, "series_id": sid, "kind": kind, "comparator": comparator, "unit": unit,
        "baseline_year": base[0] if base else None, "baseline_value": base[1] if base else None,
        "baseline_unit": baseline_unit if baseline_unit is not None else unit,
        "target_year": goal[0], "target_value": goal[1],
    }


def obs(points: dict, qualifiers: dict | None = None, inferred: set | None = None) -> pd.DataFrame:
    df = pd.DataFrame({"year": list(points), "value": list(points.values())})
    if qualifiers is not None:
        df["qualifier"] = [qualifiers.get(y, "") for y in points]
    if inferred is not None:
        df["year_inferred"] = [y in inferred for y in points]
    return df


LEVEL = {"unit": "万吨", "measure": "level", "higher_is_better": True}
SHARE = {"unit": "%", "measure": "share", "higher_is_better": True}
RATE = {"unit": "%", "measure": "rate", "higher_is_better": True}
