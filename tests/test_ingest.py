"""planbook ingest: recognising figures in saved communiqués and releases, diffing, applying.

Every text below is written for these tests in the usual phrasing of the releases; the numbers are
invented (they are fixtures, never written to data/).
"""

import csv
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from planbook import data, paths
from planbook.cli import app
from planbook.ingest import (
    Extraction,
    IngestError,
    apply,
    detect_year,
    diff,
    extract,
    html_to_text,
    normalize,
    read_source,
    source_id_from_url,
)

runner = CliRunner()

# A communiqué with half-width punctuation (as some plain-text reprints have it).
COMMUNIQUE = """西藏自治区2024年国民经济和社会发展统计公报
西藏自治区统计局 国家统计局西藏调查总队
(2025年4月8日)
一、综合
初步核算,全年全区地区生产总值2841.37亿元,按不变价格计算,比上年增长6.8%.其中,第一产业增加值241.05亿元,增长4.1%;第二产业增加值1032.66亿元,增长8.9%;第三产业增加值1567.66亿元,增长5.7%.三次产业结构为8.5:36.3:55.2.人均地区生产总值77310元,比上年增长6.1%.
年末全区常住人口为366.12万人,比上年末增加0.65万人.其中,城镇人口143.80万人,乡村人口222.32万人.常住人口城镇化率为39.28%,比上年末提高0.4个百分点.
二、农业
全年粮食总产量111.35万吨,比上年增长0.5%.其中,青稞产量87.06万吨,增长0.9%.
三、固定资产投资
全年全区固定资产投资(不含农户)比上年增长12.4%.
四、国内贸易
全年社会消费品零售总额968.21亿元,比上年增长6.0%.
五、对外经济
全年全区货物进出口总额131.07亿元,比上年增长3.4%.其中,出口92.85亿元,进口38.22亿元.
六、旅游
全年接待国内外游客6812.44万人次,比上年增长6.6%;实现旅游总收入1013.52亿元,增长8.2%.
七、财政
全年地方一般公共预算收入291.64亿元,比上年增长5.3%.
八、人民生活
全体居民人均可支配收入32451元,比上年增长7.2%.按常住地分,城镇居民人均可支配收入57012元,比上年增长6.1%;农村居民人均可支配收入23307元,增长8.0%.
"""

EXPECTED = {
    "gdp": ("2841.37", "亿元"), "gdp_real_growth": ("6.8", "%"),
    "value_added_primary": ("241.05", "亿元"), "value_added_secondary": ("1032.66", "亿元"),
    "value_added_tertiary": ("1567.66", "亿元"),
    "resident_population": ("366.12", "万人"), "urbanization_rate": ("39.28", "%"),
    "grain_output": ("111.35", "万吨"), "highland_barley_output": ("87.06", "万吨"),
    "fixed_investment_growth": ("12.4", "%"), "retail_sales": ("968.21", "亿元"),
    "foreign_trade": ("131.07", "亿元"), "tourist_visits": ("6812.44", "万人次"),
    "tourism_revenue": ("1013.52", "亿元"), "fiscal_revenue": ("291.64", "亿元"),
    "urban_income": ("57012", "元"), "urban_income_growth": ("6.1", "%"),
    "rural_income": ("23307", "元"), "rural_income_growth": ("8.0", "%"),
}

_FULL = str.maketrans({**{str(d): chr(0xFF10 + d) for d in range(10)},
                       ".": "．", ",": "，", "%": "％", ":": "：", ";": "；", "(": "（", ")": "）"})


def full_width(text: str) -> str:
    """The same text with full-width digits and punctuation, 。 ending the sentences."""
    import re

    text = re.sub(r"\.(?!\d)", "。", text)
    return text.translate(_FULL)


# A traditional-character reprint with pinyin inserted after some characters.
TRADITIONAL = """西藏自治區2024年國民經濟和社會發展統計公報
初步核算，全年全區地(dì)區(qū)生產總值2841.37億元，按不變價格計算，比上年增長6.8%。
年末全區常住人口為366.12萬人。常住人口城鎮化率為39.28%。
全年糧(liáng)食總產量111.35萬噸。其中，青稞產量87.06萬噸。
全年全區固定資產投資（不含農戶）比上年下降3.2%。
全年接待國內外遊(yóu)客6812.44萬人次；實現旅遊總收入1013.52億元。
全年全區貨物進出口總額131.07億元。全年地方一般公共預算收入291.64億元。
城鎮居民人均可支配收入57012元，比上年增長6.1%；農(nóng)村居民人均可支配收入23307元，增長8.0%。
"""

# A statistics release as saved from a web page, with a script, entities and a sidebar.
RELEASE_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>2024年西藏经济运行情况发布_数据发布</title>
<script>var teaser = "全区地区生产总值9999.99亿元";</script>
<style>.content p { line-height: 2; }</style></head>
<body><div class="nav">首页 &gt; 统计数据 &gt; 数据发布</div>
<h1>2024年西藏经济稳中有进</h1>
<div class="content">
<p>2024年，全区地区生产总值<span>2841.37</span>亿元，同比增长6.8%。</p>
<p>全年全区固定资产投资（不含农户）同比下降3.2%。社会消费品零售总额&nbsp;968.21&nbsp;亿元，
同比增长6.0%。</p>
<p>全区城镇居民人均可支配收入<b>57012</b>元，同比增长6.1%；农村居民人均可支配收入23307元，同比增长8.0%。</p>
</div>
<ul class="related"><li><a href="/a.html">2023年全区地区生产总值2392.67亿元</a></li></ul>
</body></html>
"""


def by_series(ex: Extraction) -> dict[str, dict]:
    rows = {r["series_id"]: r for r in ex.rows}
    assert len(rows) == len(ex.rows), "one row per series"
    return rows


def values(ex: Extraction) -> dict[str, str]:
    return {r["series_id"]: r["value"] for r in ex.rows}


def unplaced_with(ex: Extraction, text: str) -> list:
    return [u for u in ex.unplaced if text in u]


# ----------------------------------------------------------------------------------------------
# extract
# ----------------------------------------------------------------------------------------------


def test_communique_half_width_punctuation():
    ex = extract(COMMUNIQUE)
    assert ex.year == 2024
    rows = by_series(ex)
    assert {s: (r["value"], r["unit"]) for s, r in rows.items()} == EXPECTED
    for r in ex.rows:
        assert r["year"] == 2024 and r["status"] == "初步核算"
        assert 0 < len(r["matched"]) <= 40
        assert r["value"] in r["matched"]
    assert rows["gdp"]["matched"] == "地区生产总值2841.37亿元"
    assert rows["tourist_visits"]["matched"] == "接待国内外游客6812.44万人次"
    # look-alikes and figures without a series are listed, never placed
    assert unplaced_with(ex, "人均地区生产总值77310元")
    assert unplaced_with(ex, "全体居民人均可支配收入32451元")
    assert unplaced_with(ex, "出口92.85亿元")
    assert all(len(u) <= 40 and u.reason for u in ex.unplaced)


def test_units_are_those_of_series_csv():
    with open(paths.DATA_DIR / "series.csv", encoding="utf-8") as f:
        units = {r["series_id"]: r["unit"] for r in csv.DictReader(f)}
    for r in extract(COMMUNIQUE).rows:
        assert r["unit"] == units[r["series_id"]]


def test_full_width_digits_and_punctuation_give_the_same_rows():
    text = full_width(COMMUNIQUE)
    assert "２８４１．３７亿元，按不变价格计算" in text  # the fixture really is full-width
    ex = extract(text)
    assert ex.year == 2024
    assert values(ex) == {s: v for s, (v, _) in EXPECTED.items()}  # values printed half-width
    # matched fragments are quoted from the original text
    assert by_series(ex)["gdp"]["matched"] == "地区生产总值２８４１．３７亿元"


def test_traditional_reprint_with_pinyin():
    ex = extract(TRADITIONAL)
    assert ex.year == 2024
    assert values(ex) == {
        "gdp": "2841.37", "gdp_real_growth": "6.8", "resident_population": "366.12",
        "urbanization_rate": "39.28", "grain_output": "111.35", "highland_barley_output": "87.06",
        "fixed_investment_growth": "-3.2", "tourist_visits": "6812.44", "tourism_revenue": "1013.52",
        "foreign_trade": "131.07", "fiscal_revenue": "291.64", "urban_income": "57012",
        "urban_income_growth": "6.1", "rural_income": "23307", "rural_income_growth": "8.0",
    }
    rows = by_series(ex)
    assert rows["gdp"]["unit"] == "亿元" and rows["tourist_visits"]["unit"] == "万人次"
    assert rows["rural_income"]["matched"] == "農(nóng)村居民人均可支配收入23307元"  # as printed


def test_normalize_strips_pinyin_and_folds_width_and_script():
    norm, pos = normalize("全區地(dì)區(qū)生產總值（GDP）２７６４．９４ 億元")
    assert norm == "全区地区生产总值(GDP)2764.94亿元"
    assert len(pos) == len(norm)
    # "(不含农户)" and "(GDP)" are not pinyin and stay
    assert normalize("固定資產投資（不含農戶）")[0] == "固定资产投资(不含农户)"


def test_html_release():
    ex = extract(RELEASE_HTML)
    assert ex.year == 2024
    assert values(ex) == {
        "gdp": "2841.37", "gdp_real_growth": "6.8", "fixed_investment_growth": "-3.2",
        "retail_sales": "968.21", "urban_income": "57012", "urban_income_growth": "6.1",
        "rural_income": "23307", "rural_income_growth": "8.0",
    }
    assert "9999.99" not in str(ex.rows) + "".join(ex.unplaced)  # script contents are not text
    # the sidebar's figure is for another year: listed, not placed
    assert any("2392.67" in u and "2023" in u.reason for u in ex.unplaced)


def test_html_to_text_uses_blocks_and_entities():
    text = html_to_text("<p>地区生产总值<b>2841.37</b>亿元</p><p>A&nbsp;&amp;&gt;B</p><script>x=1</script>")
    assert text.split("\n") == ["地区生产总值2841.37亿元", "A &>B"]


def test_wan_yuan_where_yi_yuan_is_expected_is_unplaced():
    text = ("2024年,全年地方一般公共预算收入2916400万元,比上年增长5.3%。"
            "全年全区货物进出口总额18.52亿美元。全区城镇居民人均可支配收入5.7万元。")
    ex = extract(text)
    assert ex.rows == []
    reasons = {u.reason for u in ex.unplaced}
    assert "unit 万元 is not the unit of fiscal_revenue (亿元)" in reasons
    assert "unit 亿美元 is not the unit of foreign_trade (亿元)" in reasons
    assert "unit 万元 is not the unit of urban_income (元)" in reasons
    assert unplaced_with(ex, "地方一般公共预算收入2916400万元")


def test_decrease_is_negative():
    ex = extract("2022年,全区固定资产投资(不含农户)比上年下降8.0%。全区城镇居民人均可支配收入比上年下降0.4%。")
    assert values(ex) == {"fixed_investment_growth": "-8.0", "urban_income_growth": "-0.4"}
    ex = extract("2022年,全区固定资产投资比上年增长-8.0%。")
    assert values(ex) == {"fixed_investment_growth": "-8.0"}
    ex = extract("2022年,全区固定资产投资比上年下降-8.0%。")  # double negative: not guessed
    assert ex.rows == [] and ex.unplaced


def test_unrecognised_series_is_unplaced_never_guessed():
    text = ("2024年,全区城镇新增就业5.12万人,城镇调查失业率4.9%。全年全区一般公共预算收入291.64亿元。"
            "户籍人口城镇化率为31.05%。年末森林覆盖率为12.36%。全国城镇新增就业1256万人。")
    ex = extract(text)
    assert ex.rows == []
    assert any(u.startswith("城镇新增就业5.12万人") and "urban_new_jobs" in u.reason for u in ex.unplaced)
    assert any("森林覆盖率" in u and "forest_coverage" in u.reason for u in ex.unplaced)
    assert any("1256万人" in u and "no national series" in u.reason for u in ex.unplaced)
    assert unplaced_with(ex, "一般公共预算收入291.64亿元")  # not 地方一般公共预算收入
    assert unplaced_with(ex, "户籍人口城镇化率为31.05%")  # not 常住人口城镇化率


@pytest.mark.parametrize("text, fragment", [
    # approximate
    ("2024年,全区接待国内外游客6800余万人次。", "6800余万人次"),
    ("2024年,全区旅游总收入超过1000亿元。", "超过1000亿元"),
    ("2024年,全区地区生产总值增长7%左右。", "增长7%左右"),
    # part of a year
    ("2024年前三季度,全区地区生产总值1988.12亿元。", "1988.12亿元"),
    ("2024年1-11月,全区社会消费品零售总额870.3亿元。", "870.3亿元"),
    # another year in the sentence
    ("2024年,全区地区生产总值比2020年增长40.2%。", "40.2%"),
    # estimates and targets
    ("2024年,全区地区生产总值预计达到2840亿元。", "2840亿元"),
    # not the plain series
    ("2024年,全区城镇和农村居民人均可支配收入分别为57012元和23307元。", "57012元"),
    ("2024年,全区民间固定资产投资比上年下降5.1%。", "5.1%"),
    ("2024年,全区地区生产总值比上年增加300亿元。", "300亿元"),
    # growth on the wrong price basis
    ("2024年,全区地区生产总值2841.37亿元,按现价计算名义增长8.1%。", "8.1%"),
    ("2024年,全区城镇居民人均可支配收入57012元,扣除价格因素实际增长5.2%。", "5.2%"),
    # population without 年末
    ("2024年,全区常住人口366万人。", "366万人"),
    # digit grouping and ranges
    ("2024年,全区城镇居民人均可支配收入57,012元。", "57,012元"),
    ("2024年,全区地区生产总值增长6%-7%。", "6%-7%"),
])
def test_ambiguous_phrasings_are_unplaced(text, fragment):
    ex = extract(text, 2024)
    placed = {r["series_id"] for r in ex.rows}
    assert not any(fragment.replace(",", "") in (r["matched"] + r["value"]) for r in ex.rows), ex.rows
    assert any(fragment in u for u in ex.unplaced), (placed, list(ex.unplaced))


def test_level_still_placed_when_its_growth_is_refused():
    ex = extract("2024年,全区城镇居民人均可支配收入57012元,名义增长6.1%,扣除价格因素实际增长4.9%。")
    assert values(ex) == {"urban_income": "57012", "urban_income_growth": "6.1"}
    assert unplaced_with(ex, "4.9%")


def test_conflicting_figures_are_not_placed():
    ex = extract("2024年,全区地区生产总值2841.37亿元。全区地区生产总值2841.37亿元。全区地区生产总值2850.00亿元。")
    assert ex.rows == []
    assert all("conflicting figures for gdp" in u.reason for u in ex.unplaced)
    # the same figure printed twice is one row
    twice = "2024年,全区地区生产总值2841.37亿元。全年全区地区生产总值2841.37亿元。"
    assert values(extract(twice)) == {"gdp": "2841.37"}


def test_year_from_the_text():
    assert detect_year(COMMUNIQUE) == 2024
    assert detect_year("二〇二四年,全区地区生产总值2841.37亿元。") == 2024
    assert detect_year("2024年西藏自治区国民经济和社会发展统计公报\n……") == 2024
    assert extract("二〇二三年全年全区地区生产总值2392.67亿元。").year == 2023
    # the year given wins; figures the text dates otherwise are then refused
    ex = extract(COMMUNIQUE.replace("西藏自治区2024年", "西藏自治区"), 2023)
    assert ex.year == 2023 and {r["year"] for r in ex.rows} == {2023}


@pytest.mark.parametrize("text", [
    "全区地区生产总值2841.37亿元。",  # no year at all
    "2023年全区地区生产总值2392.67亿元。2024年全区地区生产总值2841.37亿元。",  # two, neither dominant
])
def test_no_clear_year_is_an_error(text):
    with pytest.raises(IngestError, match="--year"):
        extract(text)


def test_read_source_decodes_gb18030_and_bom(tmp_path):
    p = tmp_path / "gb.txt"
    p.write_bytes("2024年,全区地区生产总值2841.37亿元。".encode("gb18030"))
    assert values(extract(read_source(p))) == {"gdp": "2841.37"}
    p.write_bytes("\ufeff2024年".encode("utf-8"))
    assert read_source(p) == "2024年"


# ----------------------------------------------------------------------------------------------
# diff
# ----------------------------------------------------------------------------------------------


def small_dataset(tmp_path) -> data.Dataset:
    obs = pd.DataFrame([
        {"series_id": "gdp", "year": 2024, "value": 2841.37, "unit": "亿元", "status": "初步核算",
         "source_id": "s1", "note": ""},
        {"series_id": "urban_income", "year": 2024, "value": 56800.0, "unit": "元", "status": "公布",
         "source_id": "s2", "note": ""},
    ])
    empty = pd.DataFrame()
    return data.Dataset(targets=empty, series=empty, observations=obs, sources=empty, milestones=empty,
                        breaks=empty, plan_results=empty, main_indicators=empty, conflicts=empty, data_dir=tmp_path)


def test_diff_against_a_small_dataset(tmp_path):
    rows = extract(COMMUNIQUE).rows
    d = {x["series_id"]: x for x in diff(rows, small_dataset(tmp_path))}
    assert len(d) == len(rows)
    assert d["gdp"]["status"] == "same" and d["gdp"]["existing"] == "2841.37" and d["gdp"]["action"] == "none"
    assert d["urban_income"]["status"] == "different"
    assert (d["urban_income"]["value"], d["urban_income"]["existing"]) == ("57012", "56800")
    assert d["urban_income"]["existing_status"] == "公布" and d["urban_income"]["action"] == "conflict"
    assert d["urban_income"]["existing_source"] == "s2"
    assert d["tourist_visits"]["status"] == "new" and d["tourist_visits"]["existing"] is None
    assert d["tourist_visits"]["action"] == "add"
    # the conflict is replaced only when asked to
    d = {x["series_id"]: x for x in diff(rows, small_dataset(tmp_path), replace=True)}
    assert d["urban_income"]["action"] == "replace" and d["gdp"]["action"] == "none"


def test_diff_against_the_bundled_data(ds):
    obs = ds.observations
    first = obs.iloc[0]
    existing = {"series_id": first["series_id"], "year": int(first["year"]), "value": "0.001"}
    missing = {"series_id": "gdp", "year": 2035, "value": "1"}
    d = diff([existing, missing], ds)
    assert d[0]["status"] == "different" and d[0]["existing"] is not None
    assert d[1]["status"] == "new"


# ----------------------------------------------------------------------------------------------
# apply
# ----------------------------------------------------------------------------------------------

SOURCE = {"url": "https://tjj.example.org/tjgb/202504/t20250408_1234.html",
          "title": "西藏自治区2024年国民经济和社会发展统计公报（测试用）",
          "publisher": "西藏自治区统计局（测试）", "published": "2025-04-08"}


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def snapshot(data_dir):
    return {p.name: p.read_bytes() for p in sorted(data_dir.iterdir()) if p.is_file()}


def test_source_id_from_url():
    assert source_id_from_url(SOURCE["url"]) == "tjj.example.org-t20250408_1234"
    assert source_id_from_url("http://www.tjcn.org/tjgb/26xz/36827.html") == "tjcn.org-36827"
    assert source_id_from_url("http://x.cn/display.php?id=16834") == "x.cn-display-16834"
    with pytest.raises(ValueError):
        source_id_from_url("not a url")


def test_apply_on_a_copy_adds_rows_and_source(data_copy):
    rows = [{"series_id": "gdp", "year": 2034, "value": "5123.45", "unit": "亿元", "status": "初步核算",
             "matched": "地区生产总值5123.45亿元"},
            {"series_id": "tourist_visits", "year": 2034, "value": "9001.10", "unit": "万人次",
             "status": "初步核算", "matched": "接待国内外游客9001.10万人次"}]
    assert apply(rows, data_copy, SOURCE) == 2
    assert data.validate(data_copy) == []
    obs = read_rows(data_copy / "observations.csv")
    sid = "tjj.example.org-t20250408_1234"
    got = {(r["series_id"], r["year"]): r for r in obs}
    assert got[("gdp", "2034")]["value"] == "5123.45"
    assert got[("tourist_visits", "2034")]["value"] == "9001.10"  # as printed
    assert got[("gdp", "2034")]["source_id"] == sid
    assert got[("gdp", "2034")]["note"] == f"由 planbook ingest 自 {sid} 录入"
    assert [(r["series_id"], int(r["year"])) for r in obs] == sorted((r["series_id"], int(r["year"])) for r in obs)
    src = read_rows(data_copy / "sources.csv")
    assert [r["source_id"] for r in src] == sorted(r["source_id"] for r in src)
    new = next(r for r in src if r["source_id"] == sid)
    assert (new["kind"], new["original"], new["url"]) == ("统计公报", "原文", SOURCE["url"])
    # the other rows are byte for byte as they were
    original = (paths.DATA_DIR / "observations.csv").read_text(encoding="utf-8").splitlines()
    now = (data_copy / "observations.csv").read_text(encoding="utf-8").splitlines()
    assert sorted(set(now) - set(original)) == sorted(
        line for line in now if line.startswith(("gdp,2034,", "tourist_visits,2034,")))
    assert set(original) <= set(now)
    # applying again changes nothing
    before = snapshot(data_copy)
    assert apply(rows, data_copy, SOURCE) == 0
    assert snapshot(data_copy) == before


def test_apply_replaces_only_when_asked_and_keeps_final_figures(data_copy):
    on_file = {(r["series_id"], r["year"]): r for r in read_rows(data_copy / "observations.csv")}
    plain, final = on_file[("gdp", "2021")], on_file[("gdp", "2022")]
    assert plain["status"] != "最终核实" and final["status"] == "最终核实"
    proposed = [{"series_id": "gdp", "year": 2021, "value": "1.2345", "unit": "亿元", "status": "初步核算"},
                {"series_id": "gdp", "year": 2022, "value": "1.2345", "unit": "亿元", "status": "初步核算"}]
    before = snapshot(data_copy)
    assert apply(proposed, data_copy, SOURCE) == 0  # a different figure on file is a conflict
    # 1.2345 after 1902.74 with a real growth of 6.7% is implausible: --replace alone does not write it
    assert apply(proposed, data_copy, SOURCE, replace=True) == 0
    assert snapshot(data_copy) == before
    assert apply(proposed, data_copy, SOURCE, replace=True, accept_implausible=True) == 1
    got = {(r["series_id"], r["year"]): r for r in read_rows(data_copy / "observations.csv")}
    replaced = got[("gdp", "2021")]
    assert replaced["value"] == "1.2345"
    assert f"替换此前的 {plain['value']}（{plain['status']}，{plain['source_id']}）" in replaced["note"]
    assert "经人工确认" in replaced["note"]
    assert got[("gdp", "2022")] == final  # a 最终核实 figure is not replaced by a preliminary one
    assert data.validate(data_copy) == []


@pytest.mark.parametrize("source, message", [
    ({k: v for k, v in SOURCE.items() if k != "url"}, "URL"),       # no URL
    ({**SOURCE, "published": "8 April 2025"}, "published"),          # caught by validation
    ({**SOURCE, "title": ""}, "title"),                                # required field empty
    ({**SOURCE, "kind": "论文"}, "kind"),                              # not an allowed kind
])
def test_bad_apply_writes_nothing(data_copy, source, message):
    before = snapshot(data_copy)
    rows = [{"series_id": "gdp", "year": 2034, "value": "5123.45", "unit": "亿元", "status": "初步核算"}]
    with pytest.raises(data.DataError) as exc:
        apply(rows, data_copy, source)
    assert message in str(exc.value)
    assert snapshot(data_copy) == before
    assert not [p for p in data_copy.iterdir() if p.name.endswith(".tmp")]


def test_bad_row_writes_nothing(data_copy):
    before = snapshot(data_copy)
    rows = [{"series_id": "gdp", "year": 2034, "value": "5123.45", "unit": "万元", "status": "初步核算"}]
    with pytest.raises(data.DataError, match="measured in '亿元'"):
        apply(rows, data_copy, SOURCE)
    assert snapshot(data_copy) == before


def test_source_id_taken_by_another_url_writes_nothing(data_copy):
    taken = read_rows(data_copy / "sources.csv")[0]["source_id"]
    before = snapshot(data_copy)
    rows = [{"series_id": "gdp", "year": 2034, "value": "5123.45", "unit": "亿元", "status": "初步核算"}]
    with pytest.raises(data.DataError, match="already used"):
        apply(rows, data_copy, {**SOURCE, "source_id": taken})
    assert snapshot(data_copy) == before


# ----------------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------------


@pytest.fixture
def communique_file(tmp_path):
    p = tmp_path / "gongbao-2034.txt"
    p.write_text(COMMUNIQUE.replace("2024年", "2034年"), encoding="utf-8")
    return p


def test_cli_preview_writes_nothing(data_copy, communique_file):
    before = snapshot(data_copy)
    r = runner.invoke(app, ["ingest", str(communique_file), "--data-dir", str(data_copy)])
    assert r.exit_code == 0, r.output
    assert "recognised for 2034" in r.output
    assert "gdp_real_growth" in r.output and "2841.37" in r.output and "new" in r.output
    assert "人均地区生产总值77310元" in r.output  # unplaced fragments are shown
    assert "nothing written" in r.output
    assert snapshot(data_copy) == before


def test_cli_apply_needs_the_source(data_copy, communique_file):
    before = snapshot(data_copy)
    r = runner.invoke(app, ["ingest", str(communique_file), "--data-dir", str(data_copy), "--apply",
                            "--source-url", SOURCE["url"]])
    assert r.exit_code != 0
    assert "--source-title" in r.output and "--publisher" in r.output and "--published" in r.output
    assert snapshot(data_copy) == before


def test_cli_apply_writes_valid_data(data_copy, communique_file):
    r = runner.invoke(app, ["ingest", str(communique_file), "--data-dir", str(data_copy), "--apply",
                            "--source-url", SOURCE["url"], "--source-title", SOURCE["title"],
                            "--publisher", SOURCE["publisher"], "--published", SOURCE["published"]])
    assert r.exit_code == 0, r.output
    assert f"{len(EXPECTED)} observation(s) written" in r.output
    assert "added: gdp 2034 = 2841.37 亿元" in r.output
    got = {(o["series_id"], o["year"]): o["value"] for o in read_rows(data_copy / "observations.csv")}
    assert {s: got[(s, "2034")] for s in EXPECTED} == {s: v for s, (v, _) in EXPECTED.items()}
    assert data.validate(data_copy) == []


def test_cli_html_file_and_explicit_year(data_copy, tmp_path):
    p = tmp_path / "release.html"
    p.write_text(RELEASE_HTML, encoding="utf-8")
    r = runner.invoke(app, ["ingest", str(p), "--data-dir", str(data_copy), "--year", "2024"])
    assert r.exit_code == 0, r.output
    assert "fixed_investment_growth" in r.output and "-3.2" in r.output


def test_cli_errors_are_clear(data_copy, tmp_path):
    p = tmp_path / "undated.txt"
    p.write_text("全区地区生产总值2841.37亿元。", encoding="utf-8")
    r = runner.invoke(app, ["ingest", str(p), "--data-dir", str(data_copy)])
    assert r.exit_code == 1 and "--year" in r.output
    r = runner.invoke(app, ["ingest", str(tmp_path / "missing.txt"), "--data-dir", str(data_copy)])
    assert r.exit_code != 0
    bad = tmp_path / "bad-data"
    shutil.copytree(data_copy, bad)
    (bad / "sources.csv").write_text("", encoding="utf-8")
    p.write_text("2024年,全区地区生产总值2841.37亿元。", encoding="utf-8")
    r = runner.invoke(app, ["ingest", str(p), "--data-dir", str(bad)])
    assert r.exit_code == 1 and "sources.csv" in r.output


def test_ingested_release_reaches_the_rebuilt_chapter(tmp_path):
    """End to end: ingest --apply into a copy of the project, re-run part 1, the new figure is shown."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import nbformat

    from planbook import paths, pipeline

    root = tmp_path / "proj"
    for d in ("data", "notebooks", "book"):
        shutil.copytree(paths.REPO_ROOT / d, root / d, ignore=shutil.ignore_patterns(".run-*", "_static"))
    release = tmp_path / "release.txt"
    # A release written for this test in the usual phrasing; its figures are invented and stay in the copy.
    release.write_text("西藏自治区2024年国民经济和社会发展统计公报\n"
                       "年末全区常住人口365.10万人，常住人口城镇化率39.87%。\n", encoding="utf-8")
    env = {**os.environ, "PLANBOOK_ROOT": str(root), "COLUMNS": "200"}
    bin_ = Path(sys.executable).parent
    p = subprocess.run([str(bin_ / "planbook"), "ingest", str(release), "--data-dir", str(root / "data"), "--apply",
                        "--source-url", "https://example.org/xizang-2024-gongbao.html", "--source-title", "测试公报",
                        "--publisher", "测试发布者", "--published", "2025-04-01"],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    stale = [j.name for j in pipeline.jobs_for(None, root=root) if pipeline.staleness(j, root)]
    assert "part01" in stale  # urbanization is main indicator m02
    p = subprocess.run([str(bin_ / "planbook"), "run", "--part", "1"], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    nb = nbformat.read(root / "book" / "parts" / "part01.ipynb", as_version=4)
    shown = "".join(o.get("data", {}).get("text/html", "") + o.get("data", {}).get("text/markdown", "")
                    for c in nb.cells for o in c.get("outputs", []))
    assert "39.87%（2024年）" in shown  # the scorecard's latest figure
    assert "测试公报" in shown  # and its source
