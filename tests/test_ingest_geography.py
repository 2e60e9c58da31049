"""planbook ingest: whose figures a release holds, no silent overwrite, plausibility.

The documents below are written for these tests in the phrasing of the real releases: a city's
communiqué (simplified, and a prefecture's in traditional characters), the national communiqué of
国家统计局, a 中新社-style report comparing Tibet with the nation, and a 统计局 notice printing the
final figure of a year on file.  The national and Tibetan 2024 income and urbanization figures are the
published ones (they are on file in data/); the city figures and the revised 2023 GDP are invented.
Every apply runs on a copy of data/.
"""

import csv
import dataclasses

import pytest
from typer.testing import CliRunner

from planbook import data, paths
from planbook.cli import EXIT_REFUSED, app
from planbook.ingest import (
    NATION,
    PREFECTURE,
    REGION,
    apply,
    diff,
    extract,
    national_counterparts,
    normalize,
    passages,
    release_geography,
)

runner = CliRunner()

LHASA = """拉萨市2024年国民经济和社会发展统计公报
拉萨市统计局
（2025年4月15日）
一、综合
初步核算，全年全市地区生产总值（GDP）976.45亿元，按不变价格计算，比上年增长6.5%。其中，第一产业增加值19.87亿元，\
增长4.2%；第二产业增加值361.02亿元，增长7.9%；第三产业增加值595.56亿元，增长5.8%。全市地区生产总值占全区的35.3%。
年末全市常住人口91.12万人，比上年末增加1.02万人。常住人口城镇化率为73.65%，比上年末提高0.6个百分点。
二、农业
全年粮食总产量19.43万吨，比上年增长1.2%。其中，青稞产量9.86万吨。
三、国内贸易和旅游
全年社会消费品零售总额412.36亿元，比上年增长7.1%。全年接待国内外游客4032.51万人次，比上年增长9.4%；\
实现旅游总收入568.92亿元，增长12.5%。
四、财政
全年地方一般公共预算收入98.76亿元，比上年增长6.9%。
五、人民生活
全年城镇居民人均可支配收入61234元，比上年增长6.2%；农村居民人均可支配收入26543元，比上年增长8.6%，增速高于全区平均水平。
"""

# A prefecture's communiqué as a traditional-character reprint gives it.
SHIGATSE_TRADITIONAL = """日喀則市2024年國民經濟和社會發展統計公報
日喀則市統計局
初步核算，全年全市地區生產總值（GDP）465.32億元，按不變價格計算，比上年增長7.1%。其中，第一產業增加值61.25億元，\
增長4.5%；第二產業增加值142.87億元，增長9.2%；第三產業增加值261.20億元，增長6.4%。
年末全市常住人口81.26萬人。常住人口城鎮化率為24.37%。
全年糧食總產量46.85萬噸，其中青稞產量38.12萬噸。
全年城鎮居民人均可支配收入52318元，比上年增長6.0%；農村居民人均可支配收入20875元，比上年增長8.9%。
"""

NATIONAL = """中华人民共和国2024年国民经济和社会发展统计公报
国家统计局
2025年2月28日
一、综合
初步核算，全年国内生产总值1349084亿元，比上年增长5.0%。其中，第一产业增加值91414亿元，比上年增长3.5%；\
第二产业增加值492087亿元，增长5.3%；第三产业增加值765583亿元，增长5.0%。全年人均国内生产总值95749元，比上年增长5.1%。
年末全国人口140828万人，比上年末减少139万人。年末城镇常住人口94350万人，比上年末增加1083万人；乡村常住人口46478万人，\
减少1222万人；城镇人口占全国人口比重（城镇化率）为67.00%，比上年末提高0.84个百分点。
二、农业
全年粮食产量70650万吨，比上年增加1109万吨，增产1.6%。
三、国内贸易
全年社会消费品零售总额487895亿元，比上年增长3.5%。
十、人民生活和社会保障
全年全国居民人均可支配收入41314元，比上年增长5.3%，扣除价格因素，实际增长5.1%。全国居民人均可支配收入中位数34707元，\
增长5.1%。按常住地分，城镇居民人均可支配收入54188元，比上年增长4.6%，扣除价格因素，实际增长4.4%。\
城镇居民人均可支配收入中位数49302元，增长4.6%。农村居民人均可支配收入23119元，比上年增长6.6%，扣除价格因素，实际增长6.3%。
"""
NATIONAL_ROWS = {"national_urbanization_rate": "67.00", "national_urban_income": "54188",
                 "national_rural_income": "23119"}

MIXED_REPORT = """西藏城乡居民收入增速继续高于全国平均水平
中新社拉萨1月22日电 (记者 赵朗)记者22日从西藏自治区统计局获悉，\
2024年，西藏城镇居民人均可支配收入55444元，比上年增长6.8%；\
农村居民人均可支配收入21578元，比上年增长8.3%，增速高于全国平均水平。
同期，全国城镇居民人均可支配收入54188元，农村居民人均可支配收入23119元。
2024年末，西藏常住人口城镇化率为39.87%，全国常住人口城镇化率为67.00%。全国人均预期寿命达到79岁。
拉萨市城镇居民人均可支配收入达到61234元，居全区首位。
"""

REVISION = """西藏自治区统计局关于2023年地区生产总值最终核实结果的公告
根据国家统计局统一部署，自治区统计局对2023年全区地区生产总值进行了最终核实。
经最终核实，2023年全区地区生产总值为2410.15亿元，按不变价格计算，比上年增长9.6%，比初步核算数增加17.48亿元。
"""

SOURCE = {"url": "https://tjj.example.org/tzgg/202509/t20250912_5678.html",
          "title": "关于2023年地区生产总值最终核实结果的公告（测试用）",
          "publisher": "西藏自治区统计局（测试）", "published": "2025-09-12"}
SOURCE_ID = "tjj.example.org-t20250912_5678"
SOURCE_OPTIONS = ["--source-url", SOURCE["url"], "--source-title", SOURCE["title"],
                  "--publisher", SOURCE["publisher"], "--published", SOURCE["published"]]


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def observations(data_dir) -> dict[tuple[str, str], dict]:
    return {(r["series_id"], r["year"]): r for r in read_rows(data_dir / "observations.csv")}


def snapshot(data_dir):
    return {p.name: p.read_bytes() for p in sorted(data_dir.iterdir()) if p.is_file()}


def national_series() -> set[str]:
    return {r["series_id"] for r in read_rows(paths.DATA_DIR / "series.csv") if r["scope"] == "全国"}


def ingest(path, data_dir, *options):
    return runner.invoke(app, ["ingest", str(path), "--data-dir", str(data_dir), *options])


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ----------------------------------------------------------------------------------------------
# Geography of the release and of each passage
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header, scope, place", [
    ("中华人民共和国2024年国民经济和社会发展统计公报\n国家统计局", NATION, "中华人民共和国"),
    ("2024年国民经济和社会发展统计公报\n国家统计局", NATION, "国家"),
    ("2023年我国卫生健康事业发展统计公报", NATION, "我国"),
    ("西藏自治区2024年国民经济和社会发展统计公报\n西藏自治区统计局 国家统计局西藏调查总队", REGION, "西藏自治区"),
    ("2024年西藏自治区国民经济和社会发展统计公报", REGION, "西藏自治区"),
    ("2024年国民经济和社会发展统计公报\n国家统计局西藏调查总队", REGION, "西藏"),
    ("拉萨市2024年国民经济和社会发展统计公报\n拉萨市统计局", PREFECTURE, "拉萨市"),
    ("2024年阿里地区国民经济和社会发展统计公报", PREFECTURE, "阿里地区"),
    ("日喀则市桑珠孜区2024年国民经济和社会发展统计公报", PREFECTURE, "日喀则市桑珠孜区"),
    ("西藏城乡居民收入增速继续高于全国平均水平", REGION, "西藏"),
    ("2024年全国城镇化率达67%", NATION, "全国"),
    ("2024年经济运行情况", REGION, ""),  # nothing named: the region, the project's default
])
def test_release_geography_from_title_issuer_and_headline(header, scope, place):
    geo = release_geography(normalize(header + "\n正文。")[0])
    assert (geo.scope, geo.place) == (scope, place), geo.reason
    assert geo.reason


def test_mixed_report_is_split_passage_by_passage():
    norm = normalize(MIXED_REPORT)[0]
    parts = passages(norm, release_geography(norm))
    assert [p.start for p in parts] == sorted(p.start for p in parts)

    def whose(phrase):
        at = norm.index(phrase)
        return next((p.geography.scope, p.geography.place) for p in parts if p.start <= at < p.end)

    assert whose("西藏城镇居民人均可支配收入55444元") == (REGION, "西藏")
    assert whose("农村居民人均可支配收入21578元") == (REGION, "西藏")  # carried within the paragraph
    assert whose("增速高于全国平均水平") == (REGION, "西藏")  # a comparison, not a change of subject
    assert whose("全国城镇居民人均可支配收入54188元") == (NATION, "全国")
    assert whose("农村居民人均可支配收入23119元") == (NATION, "全国")
    assert whose("西藏常住人口城镇化率") == (REGION, "西藏")
    assert whose("全国常住人口城镇化率") == (NATION, "全国")
    assert whose("全国人均预期寿命") == (NATION, "全国")
    assert whose("拉萨市城镇居民") == (PREFECTURE, "拉萨市")
    assert whose("居全区首位") == (PREFECTURE, "拉萨市")


def test_national_counterparts_come_from_series_csv():
    series = read_rows(paths.DATA_DIR / "series.csv")
    assert national_counterparts(series) == {
        "urban_income": "national_urban_income", "rural_income": "national_rural_income",
        "urbanization_rate": "national_urbanization_rate", "life_expectancy": "national_life_expectancy"}


# ----------------------------------------------------------------------------------------------
# A prefecture's or city's communiqué: nothing for the region
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, place, fragments", [
    (LHASA, "拉萨市", ["地区生产总值（GDP）976.45亿元", "城镇居民人均可支配收入61234元", "常住人口城镇化率为73.65%"]),
    (SHIGATSE_TRADITIONAL, "日喀则市", ["地區生產總值（GDP）465.32億元", "城鎮居民人均可支配收入52318元",
                                       "常住人口城鎮化率為24.37%", "青稞產量38.12萬噸"]),
])
def test_city_communique_proposes_nothing_and_says_why(text, place, fragments):
    ex = extract(text)
    assert ex.year == 2024
    assert (ex.geography.scope, ex.geography.place) == (PREFECTURE, place)
    assert ex.rows == []
    for fragment in fragments:
        hits = [u for u in ex.unplaced if u == fragment]
        assert hits, (fragment, list(ex.unplaced))
        assert all(place in u.reason and "no prefecture or city series" in u.reason for u in hits)


def test_city_communique_apply_writes_nothing(data_copy, tmp_path):
    before = snapshot(data_copy)
    for name, text in (("lhasa.txt", LHASA), ("shigatse.txt", SHIGATSE_TRADITIONAL)):
        r = ingest(write(tmp_path, name, text), data_copy, "--apply", *SOURCE_OPTIONS)
        assert r.exit_code == 0, r.output
        assert "prefecture" in r.output and "no prefecture or city series" in r.output
        assert "nothing written" in r.output
    assert snapshot(data_copy) == before  # not an observation, not a source row


def test_county_district_communique_reads_its_own_quanqu(data_copy):
    text = ("城关区2024年国民经济和社会发展统计公报\n"
            "初步核算，全年全区地区生产总值412.08亿元，比上年增长6.9%。全年城镇居民人均可支配收入63512元。\n")
    ex = extract(text, data_dir=data_copy)
    assert ex.rows == []  # 全区 here is 城关区, not the region
    assert any(u == "地区生产总值412.08亿元" and "城关区" in u.reason for u in ex.unplaced)


# ----------------------------------------------------------------------------------------------
# The national communiqué: the national series only
# ----------------------------------------------------------------------------------------------


def test_national_communique_goes_to_the_national_series():
    ex = extract(NATIONAL)
    assert ex.year == 2024 and ex.geography.scope == NATION
    assert {r["series_id"]: r["value"] for r in ex.rows} == NATIONAL_ROWS
    assert {r["scope"] for r in ex.rows} == {NATION}
    # national figures with no national series are listed, never placed in the region's
    gdp = [u for u in ex.unplaced if u == "国内生产总值1349084亿元"]
    assert gdp and "no national series for gdp" in gdp[0].reason
    assert any(u == "粮食产量70650万吨" and "no national series" in u.reason for u in ex.unplaced)
    assert any("54188元,比上年增长4.6%" in u.replace("，", ",") and "no national series for urban_income_growth"
               in u.reason for u in ex.unplaced)


def test_national_communique_apply(data_copy, tmp_path):
    # 2024: the figures are on file, nothing changes
    before = snapshot(data_copy)
    r = ingest(write(tmp_path, "nbs-2024.txt", NATIONAL), data_copy, "--apply", *SOURCE_OPTIONS)
    assert r.exit_code == 0, r.output
    for series_id, value in NATIONAL_ROWS.items():
        assert f"already on file: {series_id} 2024 = {value}" in r.output
    assert snapshot(data_copy) == before
    # the same communiqué for a year not on file: exactly the three national rows are added
    r = ingest(write(tmp_path, "nbs-2034.txt", NATIONAL.replace("2024年", "2034年")), data_copy,
               "--apply", *SOURCE_OPTIONS)
    assert r.exit_code == 0, r.output
    after = observations(data_copy)
    added = {k: v["value"] for k, v in after.items() if k not in observations_of(before)}
    assert added == {(s, "2034"): v for s, v in NATIONAL_ROWS.items()}
    assert {s for s, _ in added} <= national_series()
    assert data.validate(data_copy) == []


def observations_of(snap) -> dict:
    rows = csv.DictReader(snap["observations.csv"].decode("utf-8").splitlines())
    return {(r["series_id"], r["year"]): r for r in rows}


# ----------------------------------------------------------------------------------------------
# A report mixing Tibet and the nation
# ----------------------------------------------------------------------------------------------


def test_mixed_report_places_each_figure_with_its_geography():
    ex = extract(MIXED_REPORT)
    assert ex.year == 2024
    assert {(r["series_id"], r["value"], r["scope"]) for r in ex.rows} == {
        ("urban_income", "55444", REGION), ("urban_income_growth", "6.8", REGION),
        ("rural_income", "21578", REGION), ("rural_income_growth", "8.3", REGION),
        ("urbanization_rate", "39.87", REGION),
        ("national_urban_income", "54188", NATION), ("national_rural_income", "23119", NATION),
        ("national_urbanization_rate", "67.00", NATION), ("national_life_expectancy", "79", NATION),
    }
    assert any(u == "城镇居民人均可支配收入达到61234元" and "拉萨市" in u.reason for u in ex.unplaced)


def test_mixed_report_apply_writes_only_the_new_region_figure(data_copy, tmp_path):
    # make sure Tibet's 2024 urbanization rate is not on file, whatever data/ holds by now
    obs_path = data_copy / "observations.csv"
    lines = obs_path.read_text(encoding="utf-8").splitlines(keepends=True)
    obs_path.write_text("".join(ln for ln in lines if not ln.startswith("urbanization_rate,2024,")), encoding="utf-8")
    before = observations(data_copy)
    r = ingest(write(tmp_path, "cns.txt", MIXED_REPORT), data_copy, "--apply", *SOURCE_OPTIONS, "--kind", "媒体报道")
    assert r.exit_code == 0, r.output
    after = observations(data_copy)
    assert set(after) - set(before) == {("urbanization_rate", "2024")}
    assert after[("urbanization_rate", "2024")]["value"] == "39.87"
    assert {k: v for k, v in after.items() if k != ("urbanization_rate", "2024")} == before


# ----------------------------------------------------------------------------------------------
# A revised figure for a year on file: no silent overwrite
# ----------------------------------------------------------------------------------------------


def test_revised_figure_is_a_conflict(data_copy):
    ex = extract(REVISION)
    assert ex.year == 2023
    assert {r["series_id"]: (r["value"], r["status"]) for r in ex.rows} == {
        "gdp": ("2410.15", "最终核实"), "gdp_real_growth": ("9.6", "最终核实")}
    ds = data.load(data_copy)
    d = {x["series_id"]: x for x in diff(ex.rows, ds)}
    assert d["gdp"]["status"] == "different" and d["gdp"]["action"] == "conflict"
    assert (d["gdp"]["existing"], d["gdp"]["existing_source"]) == ("2392.67", "mac-2023-gongbao")
    before = snapshot(data_copy)
    assert apply(ex.rows, data_copy, SOURCE) == 0
    assert snapshot(data_copy) == before


def test_cli_revised_figure_needs_replace(data_copy, tmp_path):
    path = write(tmp_path, "revision.txt", REVISION)
    old = observations(data_copy)[("gdp", "2023")]
    before = snapshot(data_copy)
    r = ingest(path, data_copy, "--apply", *SOURCE_OPTIONS)
    assert r.exit_code == EXIT_REFUSED, r.output
    assert "conflict, not written: needs --replace: gdp 2023 = 2410.15 亿元" in r.output
    assert f"on file 2392.67 (初步核算, {old['source_id']}) → 2410.15 (最终核实, {SOURCE_ID})" in r.output
    assert "run again with --replace" in r.output
    assert snapshot(data_copy) == before

    r = ingest(path, data_copy, "--apply", "--replace", *SOURCE_OPTIONS)
    assert r.exit_code == 0, r.output
    assert "replaced: gdp 2023 = 2410.15 亿元; on file 2392.67" in r.output
    after = observations(data_copy)
    new = after[("gdp", "2023")]
    assert (new["value"], new["status"], new["source_id"]) == ("2410.15", "最终核实", SOURCE_ID)
    assert f"替换此前的 2392.67（{old['status']}，{old['source_id']}）" in new["note"]
    assert after[("gdp_real_growth", "2023")]["value"] == "9.6"
    changed = {k for k in after if after[k] != observations_of(before).get(k)}
    assert changed == {("gdp", "2023"), ("gdp_real_growth", "2023")}
    # the source row has every column of sources.csv, empty where unknown
    src = {r["source_id"]: r for r in read_rows(data_copy / "sources.csv")}[SOURCE_ID]
    assert (src["url"], src["original_url"], src["url_warning"]) == (SOURCE["url"], "", "")
    assert data.validate(data_copy) == []


# ----------------------------------------------------------------------------------------------
# Plausibility
# ----------------------------------------------------------------------------------------------


def test_level_that_falls_by_half_while_growth_is_positive_is_flagged(data_copy):
    on_file = observations(data_copy)
    assert ("urban_income", "2022") not in on_file and ("urban_income", "2021") in on_file
    rows = [{"series_id": "urban_income", "year": 2022, "value": "25000", "unit": "元", "status": "初步核算"}]
    d = diff(rows, data.load(data_copy))[0]
    assert d["status"] == "new" and d["action"] == "implausible"
    # the neighbour it is compared with, and that neighbour's own published growth rate, are named
    assert "urban_income 2022 25000" in d["implausible"] and "urban_income_growth 2023 is 6.5%" in d["implausible"]
    before = snapshot(data_copy)
    assert apply(rows, data_copy, SOURCE, replace=True) == 0  # --replace does not cover it
    assert snapshot(data_copy) == before
    # accepted, it would still contradict the published 2023 growth rate: data/ validation refuses it
    with pytest.raises(data.DataError, match="urban_income_growth 2023 disagrees with urban_income"):
        apply(rows, data_copy, SOURCE, accept_implausible=True)
    assert snapshot(data_copy) == before


def test_share_that_jumps_ten_points_is_flagged(data_copy):
    rows = [{"series_id": "urbanization_rate", "year": 2024, "value": "49.87", "unit": "%", "status": "初步核算"}]
    d = diff(rows, data.load(data_copy))[0]
    assert d["action"] == "implausible" and "jumps by 10 points" in d["implausible"]
    rows[0]["value"] = "39.87"
    assert diff(rows, data.load(data_copy))[0]["implausible"] == ""


def test_city_gdp_read_as_the_regions_is_refused_even_with_replace(data_copy, tmp_path):
    """A city's figure in a text that names no place: the conflict and the plausibility check both hold it."""
    path = write(tmp_path, "unnamed.txt", "2024年，地区生产总值976.45亿元，按不变价格计算，比上年增长6.5%。\n")
    before = snapshot(data_copy)
    r = ingest(path, data_copy, "--year", "2024", "--apply", "--replace", *SOURCE_OPTIONS)
    assert r.exit_code == EXIT_REFUSED, r.output
    assert "implausible, not written: needs --accept-implausible: gdp 2024 = 976.45" in r.output
    assert "run again with --accept-implausible" in r.output
    assert snapshot(data_copy) == before


def test_figures_on_file_are_not_flagged(ds):
    """Each figure of a series ingest writes, proposed afresh, agrees with its neighbours on file."""
    written_by_ingest = {
        "gdp", "gdp_real_growth", "value_added_primary", "value_added_secondary", "value_added_tertiary",
        "urban_income", "urban_income_growth", "rural_income", "rural_income_growth", "resident_population",
        "urbanization_rate", "life_expectancy", "tourist_visits", "tourism_revenue", "grain_output",
        "highland_barley_output", "fiscal_revenue", "foreign_trade", "retail_sales", "fixed_investment_growth",
        *national_series()}
    obs = ds.observations[ds.observations["series_id"].isin(written_by_ingest)]
    assert len(obs) > 100
    flagged = []
    for i, r in obs.iterrows():
        without = dataclasses.replace(ds, observations=ds.observations.drop(index=i))
        row = {"series_id": r["series_id"], "year": int(r["year"]), "value": str(r["value"]), "unit": r["unit"]}
        d = diff([row], without)[0]
        assert d["status"] == "new"
        if d["implausible"]:
            flagged.append(d["implausible"])
    assert flagged == []
