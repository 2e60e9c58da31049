"""Named undertakings: the latest dated event against what the plan asked."""

import pandas as pd

from planbook.book import Chapter, Plan, Reads
from planbook.chapter import coverage_row, undertaking_progress, undertaking_verdicts
from planbook.paths import DATA_DIR


def events(*rows):
    return pd.DataFrame([{"target_id": "t", "date": d, "status": s, "scope": scope, "source_id": "s", "note": ""}
                         for d, s, scope in rows])


def test_comparison_with_the_plans_ask():
    assert undertaking_progress(events(), "在建") == (None, "暂无证据")
    assert undertaking_progress(events(("2025-07", "开工", "整体")), "前期工作")[1] == "超出规划要求"
    assert undertaking_progress(events(("2023", "在建", "整体")), "在建")[1] == "符合"
    assert undertaking_progress(events(("2024", "投产", "整体")), "建成")[1] == "符合"  # completed either way
    assert undertaking_progress(events(("2022", "前期工作", "整体")), "建成")[1] == "滞后"
    assert undertaking_progress(events(("2021", "核准", "整体")), "前期工作")[1] == "超出规划要求"


def test_a_sections_completion_is_progress_not_completion():
    """One tunnel holed through, or one section opened, is the undertaking under construction."""
    latest, verdict = undertaking_progress(events(("2024-06", "建成", "部分")), "建成")
    assert latest["status"] == "建成" and verdict == "滞后"
    assert undertaking_progress(events(("2024-06", "建成", "部分")), "在建")[1] == "符合"
    latest, verdict = undertaking_progress(events(("2019", "开工", "整体"), ("2023", "投产", "部分")), "在建")
    assert latest["date"] == "2023" and verdict == "符合"


def test_the_lower_yarlung_tsangpo_project_exceeds_the_plans_ask():
    ch = Chapter.open(Reads(part=3), 2025, DATA_DIR)
    t = ch.milestone_targets.set_index("target_id").loc["p03_033"]
    assert t["goal_status"] == "前期工作"
    latest, verdict = undertaking_progress(ch.events("p03_033"), t["goal_status"])
    assert latest["status"] == "开工" and latest["date"].startswith("2025") and verdict == "超出规划要求"
    assert "超出规划要求" in ch.milestones().text() and ch.milestone_counts()["超出规划要求"] >= 1


def test_coverage_by_part_and_kind_adds_up():
    plan = Plan.open(Reads.all(), 2025, DATA_DIR)
    glued = plan.milestone_coverage().glued()
    assert glued["n_undertakings"] == len(plan.ds.group("undertaking"))
    assert sum(glued[f"n_undertakings_{i}"] for i in range(4)) == glued["n_undertakings"]
    assert glued["n_undertakings_evidence"] == glued["n_undertakings"] - glued["n_undertakings_3"]


def test_verdicts_use_only_events_reported_by_the_year():
    ds = Chapter.open(Reads(part=3), 2025, DATA_DIR).ds
    t = ds.targets[ds.targets["target_id"] == "p03_033"]
    by_2025 = undertaking_verdicts(t, ds.milestones, 2025).iloc[0]
    by_2024 = undertaking_verdicts(t, ds.milestones, 2024).iloc[0]
    assert by_2025["latest"]["status"] == "开工" and by_2025["对照"] == "超出规划要求"
    assert by_2024["latest"]["status"] == "核准" and by_2024["latest"]["date"].startswith("2024")
    assert undertaking_verdicts(t, ds.milestones, 2020).iloc[0]["对照"] == "暂无证据"


def test_a_coverage_row_counts_evidence_and_comparisons():
    t = pd.DataFrame({"对照": ["超出规划要求", "符合", "符合", "暂无证据"]})
    row = coverage_row("类别", "水利", t)
    assert row == {"类别": "水利", "工程数": "4", "有证据": "3", "覆盖率": "75%",
                   "超出规划要求": "1", "符合": "2", "滞后": "0"}
