"""Propose observation rows from a saved statistical communiqué or statistics release.

:func:`extract` reads the text (or HTML) of a 统计公报, a 统计局 release or a press report in three
steps:

1. **Whose figures.**  :func:`release_geography` reads the title and issuer (中华人民共和国…统计公报 /
   国家统计局 → the nation; 拉萨市…统计公报, 全市 → a prefecture or city; 西藏自治区 → the region),
   and :func:`passages` splits the text on sentence and clause boundaries wherever a clause opens
   with a place of its own (全国…, 西藏…, 拉萨市…), so that a news report comparing Tibet with the
   national average is read passage by passage.
2. **Which figures.**  The figures of known series are recognised from their standard phrasing.  It
   never guesses: a figure near a known keyword whose phrasing, unit, period or year is not exactly
   what a rule expects is listed in ``Extraction.unplaced`` with the reason, and no row is proposed.
3. **Where they go.**  Region figures go to the region's series, national figures to the series of
   scope 全国 named "全国" + the region series' name (``national_urban_income`` …); a national figure
   without such a series, and every figure of a prefecture or city, is listed as not placed.

:func:`diff` compares proposed rows with the observations on file and says what :func:`apply` will do
with each: add it, leave it (already on file), refuse it (a different figure on file: a *conflict*
that needs ``replace``; a figure that departs from its neighbouring years beyond what its growth rate
allows: *implausible*, needs ``accept_implausible``).  :func:`apply` writes only what is allowed, after
validating the result on a temporary copy.

Matching is done on a normalised copy of the text: full-width characters folded to half-width
(NFKC), traditional characters mapped to simplified ones (a small explicit table that covers the
vocabulary of the rules), pinyin annotations such as ``達(dá)`` removed, insignificant whitespace
dropped.  Every normalised character remembers its position in the original, so fragments shown to
the user are quoted from the original text whenever they fit in 40 characters.
"""

from __future__ import annotations

import bisect
import csv
import io
import os
import re
import shutil
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from planbook.data import DataError, Problem, validate
from planbook.paths import DATA_DIR

STATUS = "初步核算"
FINAL_STATUS = "最终核实"
MAX_FRAGMENT = 40
NOTE = "由 planbook ingest 自 {source_id} 录入"
SOURCE_DEFAULTS = {"kind": "统计公报", "original": "原文", "original_publisher": "", "note": ""}


class IngestError(ValueError):
    """The text cannot be read as asked (e.g. the year it reports on cannot be told)."""


class Fragment(str):
    """A piece of the text (at most 40 characters); ``reason`` says why it was not placed."""

    reason: str

    def __new__(cls, text: str, reason: str = "") -> Fragment:
        obj = super().__new__(cls, text)
        obj.reason = reason
        return obj


@dataclass
class Extraction:
    """What :func:`extract` found: proposed rows, and figures it could not place safely."""

    year: int
    rows: list[dict] = field(default_factory=list)
    unplaced: list[Fragment] = field(default_factory=list)
    geography: Geography | None = None  # the release's, from its title and issuer
    passages: list[Passage] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------

# Traditional (and a few variant) characters -> simplified, one character for one.  It covers the
# vocabulary of the rules below (keywords, fillers, periods, units, titles) and common words around
# them; other characters are left as they are, which matters only if they belong to a keyword.
_T2S_PAIRS = (
    "萬万 與与 醜丑 專专 業业 東东 絲丝 兩两 嚴严 個个 豐丰 臨临 為为 爲为 麗丽 麼么 義义 烏乌 樂乐 習习 "
    "鄉乡 書书 買买 爭争 於于 虧亏 雲云 產产 産产 畝亩 親亲 億亿 僅仅 從从 倉仓 儀仪 們们 價价 眾众 衆众 "
    "優优 夥伙 會会 偉伟 傳传 傷伤 倫伦 體体 餘余 側侧 倆俩 値值 傾倾 償偿 儲储 兒儿 黨党 蘭兰 關关 興兴 "
    "養养 內内 岡冈 寫写 軍军 農农 衝冲 準准 減减 憑凭 擊击 劃划 則则 製制 勸劝 辦办 務务 動动 勵励 勞劳 "
    "勢势 區区 醫医 協协 單单 賣卖 佔占 衛卫 廠厂 廳厅 歷历 曆历 壓压 縣县 參参 雙双 發发 髮发 変变 變变 "
    "疊叠 隻只 臺台 颱台 號号 後后 嗎吗 噸吨 聽听 員员 週周 響响 囑嘱 迴回 團团 園园 圍围 國国 圖图 圓圆 "
    "聖圣 場场 壞坏 壩坝 墾垦 墊垫 牆墙 壯壮 聲声 處处 備备 復复 複复 夠够 頭头 誇夸 奪夺 奮奋 獎奖 奧奥 "
    "婦妇 媽妈 薑姜 孫孙 學学 孿孪 寧宁 牠它 寶宝 實实 審审 寬宽 賓宾 對对 尋寻 導导 將将 盡尽 層层 屆届 "
    "屬属 歲岁 島岛 嶺岭 嶽岳 鉅巨 幣币 佈布 帥帅 師师 帳帐 帶带 幫帮 幹干 並并 廣广 莊庄 慶庆 庫库 應应 "
    "廟庙 廢废 開开 彈弹 歸归 當当 錄录 徵征 徑径 禦御 憶忆 誌志 懷怀 態态 總总 縂总 驚惊 癒愈 願愿 戲戏 "
    "戰战 戶户 戸户 紮扎 擴扩 護护 報报 擔担 擁拥 擇择 據据 攜携 攝摄 攤摊 敵敌 數数 鬥斗 斷断 無无 舊旧 "
    "時时 顯显 晉晋 曉晓 暫暂 術术 機机 雜杂 權权 條条 來来 楊杨 鬆松 闆板 極极 構构 樞枢 櫃柜 標标 樣样 "
    "檔档 橋桥 樁桩 檢检 樓楼 歐欧 殘残 畢毕 氣气 匯汇 彙汇 漢汉 溝沟 註注 潔洁 濟济 瀏浏 濃浓 漲涨 漁渔 "
    "溫温 遊游 灣湾 濕湿 滯滞 滿满 濱滨 潛潜 滅灭 燈灯 靈灵 災灾 燦灿 點点 煙烟 熱热 犛牦 氂牦 犧牺 獨独 "
    "豬猪 貓猫 獻献 瑪玛 環环 現现 璽玺 甕瓮 電电 畫画 療疗 瘋疯 鹽盐 監监 蓋盖 盜盗 盤盘 矚瞩 礦矿 碼码 "
    "礎础 確确 礙碍 禮礼 禍祸 禪禅 離离 稈秆 種种 積积 稱称 稅税 穩稳 窮穷 窯窑 豎竖 競竞 筆笔 籠笼 築筑 "
    "籌筹 簡简 籃篮 類类 粵粤 糧粮 係系 緊紧 紅红 約约 級级 紀纪 純纯 縱纵 紛纷 紙纸 紡纺 線线 綫线 練练 "
    "組组 細细 織织 終终 經经 絨绒 結结 繪绘 絡络 絕绝 統统 繼继 績绩 續续 繩绳 維维 綜综 綠绿 緣缘 縮缩 "
    "網网 羅罗 罰罚 罷罢 聳耸 職职 聯联 肅肃 脅胁 勝胜 髒脏 腦脑 腳脚 臉脸 騰腾 艦舰 艙舱 藝艺 節节 蘇苏 "
    "範范 莖茎 薦荐 蕩荡 藥药 獲获 薩萨 蔣蒋 藍蓝 衊蔑 蟲虫 雖虽 蝕蚀 補补 襲袭 裝装 見见 觀观 規规 覓觅 "
    "視视 覽览 覺觉 觸触 計计 訂订 認认 討讨 讓让 訓训 議议 訊讯 記记 講讲 許许 論论 設设 訪访 證证 証证 "
    "評评 識识 訴诉 診诊 詞词 試试 詩诗 誠诚 話话 該该 詳详 語语 誤误 說说 請请 諸诸 諾诺 讀读 課课 誰谁 "
    "調调 談谈 謀谋 謂谓 謝谢 譜谱 穀谷 貝贝 負负 貢贡 財财 責责 賢贤 賬账 貨货 質质 販贩 貧贫 購购 貫贯 "
    "貴贵 貸贷 貿贸 費费 賀贺 賊贼 資资 賦赋 賞赏 賠赔 賴赖 賺赚 賽赛 贊赞 贈赠 贏赢 趙赵 趕赶 趨趋 躍跃 "
    "踐践 車车 軌轨 轉转 輪轮 軟软 轟轰 軸轴 輕轻 載载 較较 輔辅 輛辆 輩辈 輝辉 輯辑 輸输 轄辖 辭辞 邊边 "
    "達达 遷迁 過过 運运 還还 這这 進进 遠远 違违 連连 跡迹 適适 選选 邏逻 遺遗 郵邮 鄰邻 鬱郁 鄭郑 釀酿 "
    "釋释 裡里 裏里 鑒鉴 針针 釣钓 鈔钞 鐘钟 鋼钢 錢钱 鐵铁 銅铜 銖铢 銀银 鋪铺 鏈链 銷销 鎖锁 鍋锅 錯错 "
    "鍵键 鍛锻 鎮镇 鎭镇 鎊镑 鏡镜 鐳镭 長长 門门 閃闪 閉闭 問问 闖闯 閒闲 間间 鬧闹 聞闻 閣阁 閱阅 闊阔 "
    "隊队 陽阳 陰阴 陣阵 階阶 際际 陸陆 陳陈 險险 隨随 隱隐 隸隶 難难 僱雇 雛雏 霧雾 黴霉 靜静 麵面 韌韧 "
    "韓韩 韻韵 頁页 頂顶 項项 順顺 須须 顧顾 頓顿 頒颁 頌颂 預预 領领 頗颇 頸颈 頻频 顆颗 題题 顏颜 額额 "
    "顫颤 風风 飄飘 飛飞 饑饥 飯饭 飲饮 飽饱 飼饲 饒饶 餅饼 館馆 馬马 驅驱 駐驻 驕骄 驗验 騎骑 魚鱼 魯鲁 "
    "鮮鲜 鳥鸟 雞鸡 鴨鸭 鵝鹅 麥麦 黃黄 齊齐 齒齿 齡龄 龍龙 龜龟 壽寿 "
)
_T2S = {pair[0]: pair[1] for pair in _T2S_PAIRS.split()}

# Characters NFKC leaves alone but that should be folded.
_SPECIAL = {"\u2212": "-", "\u2012": "-", "\u2013": "-", "\ufe63": "-", "\u00a0": " ", "\u3000": " "}

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A pinyin annotation after a character: 達(dá), 地區(dì qū).  Lower-case letters only, so that
# (GDP) or (不含农户) are kept.
_PINYIN = re.compile(rf"(?<=[{_CJK}])\s?\((?:[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêɑɡńňǹḿ]+['’ ]?)+\)")
_CN_DIGITS = dict(zip("〇○零一二三四五六七八九", "000123456789", strict=True))
_CN_YEAR = re.compile("[〇○零一二三四五六七八九]{4}(?=年)")


def _is_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _drop(s: str, pos: list[int], pattern: re.Pattern) -> tuple[str, list[int]]:
    kept_s: list[str] = []
    kept_pos: list[int] = []
    last = 0
    for m in pattern.finditer(s):
        kept_s.append(s[last:m.start()])
        kept_pos.extend(pos[last:m.start()])
        last = m.end()
    kept_s.append(s[last:])
    kept_pos.extend(pos[last:])
    return "".join(kept_s), kept_pos


def normalize(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, its index in ``text``."""
    chars: list[str] = []
    pos: list[int] = []
    for i, ch in enumerate(text):
        if ch == "\r":
            ch = "\n"
        for c in _SPECIAL.get(ch) or unicodedata.normalize("NFKC", ch):
            chars.append(_T2S.get(c, c))
            pos.append(i)
    s = "".join(chars)

    # Years in Chinese numerals (二〇二四年) -> digits, one character for one.
    for m in _CN_YEAR.finditer(s):
        digits = "".join(_CN_DIGITS[c] for c in m.group())
        if 1990 <= int(digits) <= 2099:
            s = s[: m.start()] + digits + s[m.end():]

    s, pos = _drop(s, pos, _PINYIN)

    # Line breaks separate sentences; other whitespace is kept, as one space, only between two
    # ASCII letters or digits ("GDP 2764.94"); elsewhere it is dropped ("2764.94 亿元").
    out: list[str] = []
    out_pos: list[int] = []
    last = 0
    for m in re.finditer(r"\s+", s):
        out.append(s[last:m.start()])
        out_pos.extend(pos[last:m.start()])
        run = m.group()
        if "\n" in run:
            out.append("\n")
            out_pos.append(pos[m.start() + run.index("\n")])
        elif m.start() > 0 and m.end() < len(s) and _is_word(s[m.start() - 1]) and _is_word(s[m.end()]):
            out.append(" ")
            out_pos.append(pos[m.start()])
        last = m.end()
    out.append(s[last:])
    out_pos.extend(pos[last:])
    return "".join(out), out_pos


# --------------------------------------------------------------------------------------------
# HTML and files
# --------------------------------------------------------------------------------------------

_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th",
    "thead", "title", "tr", "ul",
}
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "iframe", "object"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))  # line breaks in HTML source mean nothing


def html_to_text(html: str) -> str:
    """The visible text of an HTML page, one line per block (standard library only)."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


_HTML_SNIFF = re.compile(r"<\s*(?:!doctype\s+html|html|head|body|p|div|br|span|table|meta)\b", re.I)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_SNIFF.search(text[:5000]))


def read_source(path: Path | str) -> str:
    """Decode a saved page: UTF-8 (BOM or not), else the charset it declares, else GB18030."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    m = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", raw[:4000])
    for enc in ([m.group(1).decode("ascii")] if m else []) + ["gb18030"]:
        try:
            return raw.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    raise IngestError(f"{path}: cannot decode the file (neither UTF-8 nor GB18030)")


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Subject:
    """A keyword and what the figures after it measure.

    ``level``: region series of the figure right after the keyword.  ``growth``: region series of a
    growth rate after the keyword (or after its level figure); ``basis`` says whether that rate is
    ``real`` (constant prices) or ``nominal``.  ``year_end``: a stock, whose sentence must say
    年末/年底.  ``known=False``: a look-alike of a known series (人均地区生产总值, 户籍人口城镇化率 …)
    whose figures are listed as unplaced, never placed.  ``scope``: the keyword itself names whose
    figure it is (国内生产总值 is the nation's), whatever the passage says.
    """

    pattern: str
    level: str | None = None
    growth: str | None = None
    basis: str | None = None
    year_end: bool = False
    known: bool = True
    other: str | None = None  # a series of series.csv that ingest has no rule for
    scope: str | None = None


_SUBJECTS = (
    _Subject(r"(?:地区|全区)生产总值(?:\(GDP\))?|(?<![A-Za-z])GDP(?![A-Za-z])",
             level="gdp", growth="gdp_real_growth", basis="real"),
    _Subject(r"国内生产总值(?:\(GDP\))?", level="gdp", growth="gdp_real_growth", basis="real", scope="nation"),
    _Subject(r"第一产业(?:实现)?增加值", level="value_added_primary"),
    _Subject(r"第二产业(?:实现)?增加值", level="value_added_secondary"),
    _Subject(r"第三产业(?:实现)?增加值", level="value_added_tertiary"),
    _Subject(r"城镇居民人均可支配收入", level="urban_income", growth="urban_income_growth", basis="nominal"),
    _Subject(r"农村居民(?:\(农牧民\))?人均可支配收入|农牧民人均可支配收入",
             level="rural_income", growth="rural_income_growth", basis="nominal"),
    _Subject(r"常住人口(?!城镇化率)(?:总量|总数)?", level="resident_population", year_end=True),
    # The NBS communiqué prints "城镇人口占全国人口比重(城镇化率)为67.00%".
    _Subject(r"(?:常住人口)?城镇化率|城镇(?:常住)?人口占(?:全国|全区|全市)?(?:总)?人口(?:的)?比重"
             r"(?:\((?:常住人口)?城镇化率\))?", level="urbanization_rate"),
    _Subject(r"(?:居民)?人均预期寿命|(?:人口)?平均预期寿命", level="life_expectancy"),
    _Subject(r"接待(?:国内外|海内外|中外)?游客", level="tourist_visits"),
    _Subject(r"旅游(?:总)?收入", level="tourism_revenue"),
    _Subject(r"粮食(?:总)?产量", level="grain_output"),
    _Subject(r"青稞(?:总)?产量", level="highland_barley_output"),
    _Subject(r"地方一般公共预算收入", level="fiscal_revenue"),
    _Subject(r"(?:货物|外贸)进出口总(?:额|值)", level="foreign_trade"),
    _Subject(r"社会消费品零售总额", level="retail_sales"),
    _Subject(r"固定资产投资(?:\(不含农户\))?", growth="fixed_investment_growth", basis="nominal"),
    # Look-alikes.  Where two keywords overlap the longest wins, so 人均地区生产总值 hides 地区生产总值.
    _Subject(r"人均(?:地区|全区|国内)?生产总值|人均GDP", known=False),
    _Subject(r"(?:全体)?居民人均可支配收入|人均(?:生活)?消费支出", known=False),
    _Subject(r"(?:城镇|农村)?居民人均可支配收入中位数", known=False),
    _Subject(r"户籍人口城镇化率|城镇(?:常住)?人口|乡村(?:常住)?人口", known=False),
    _Subject(r"健康预期寿命", known=False),
    _Subject(r"接待(?:国内|入境|过夜)游客|(?:国内|入境|过夜)游客", known=False),
    _Subject(r"(?:国内)?旅游外汇收入|国内旅游收入|入境旅游收入", known=False),
    _Subject(r"一般公共预算(?:收入|支出)|财政(?:总)?收入|税收收入", known=False),
    _Subject(r"进出口总(?:额|值)|出口总(?:额|值)|进口总(?:额|值)", known=False),
    _Subject(r"产业增加值|工业增加值", known=False),
    _Subject(r"粮食(?:作物)?播种面积", known=False),
    _Subject(r"民间(?:固定资产)?投资|全社会固定资产投资|(?:工业|基础设施|房地产开发|产业)投资", known=False),
)
_SUBJECT_RES = [(re.compile(s.pattern), s) for s in _SUBJECTS]

# A number and its unit.  Units other than the series' (万元 for 亿元, 亿美元 …) are recognised so
# that they can be refused rather than skipped over.
_UNITS = ("亿美元", "万美元", "美元", "亿元", "万元", "元", "万人次", "人次", "万人", "人", "万吨", "吨", "岁", "%")
_TOKEN = re.compile(
    r"(?<![\d.])(?P<sign>-)?(?P<num>\d+(?:\.\d+)?)(?P<approx>\s?(?:余|多))?\s?"
    r"(?P<unit>" + "|".join(_UNITS) + r")(?P<approx2>左右|以上|以内|上下|多)?"
)

# Sentences end at 。!?; or a line break, or at a "." that is not a decimal point (half-width text).
_SENTENCE = re.compile(r"(?:[^。!?;\n.]|\.(?=\d))+")
_CLAUSE_END = re.compile(r"[,:;。!?\n]|\.(?!\d)")

# What may stand between the start of a clause and a keyword ("2024年全区", "全年", "其中" …).
_PREFIX_OK = re.compile(
    r"(?:\d{4}年(?:度|末|底|全年)?|全年|全区|全自治区|西藏自治区|西藏|自治区|我区|年末|年底|截至|截止|到|同期|"
    r"全国|我国|初步核算|据初步核算|经初步核算|经最终核实|最终核实|据统计|经统计|其中|按常住地分|"
    r"实现|完成|累计|共|1-12月|的|当年)*"
)
# What may stand between a keyword and its level figure.
_LEVEL_GAP = re.compile(
    r"(?:\(GDP\))?(?:总量|总额|总数|总人数|人数)?"
    r"(?:为|是|达到|达|实现|完成|共计|总计|合计|累计|共|提高到|提高至|提升到|提升至)?了?:?"
)
# What may stand between a keyword (or its level figure) and a growth rate.
_GROWTH_GAP = re.compile(
    r",?(?:(?P<basis>按(?:不变价格|可比价格|可比价|现价|现行价格)计算|扣除价格因素后?),?)?"
    r"(?:比上年|比去年|较上年|同比)?(?P<nr>名义|实际)?"
    r"(?P<dir>增长|下降|减少|增速为|增速达|增速|增幅为|增幅)了?:?"
)
_NEGATIVE = ("下降", "减少")
_REAL_BASES = ("按不变价格计算", "按可比价格计算", "按可比价计算")

_SUBANNUAL = re.compile(
    r"季度|上半年|下半年|当月|本月|前(?:\d+|[一二三四五六七八九十]+)个?月"
    r"|(?<!\d)1\s*[-—~至]\s*(?:[1-9]|1[01])月(?!\d)|(?<!\d)(?:[1-9]|1[01])月(?:份|末|底)"
)
_FORWARD = re.compile(r"预计|预期(?!寿命)|目标|力争|计划|争取|确保|规划|有望|将达")
_APPROX_BEFORE = re.compile(r"(?:约|近|超|逾|接近|超过|不到|不足|大约|突破|不低于)$")
_RANGE_BEFORE = re.compile(r"[\d%]\s*[-~—至到]\s*-?$")
_RANGE_AFTER = re.compile(r"^\s*[-~—至到]\s*\d")
_GROUPED = re.compile(r"\d[, ]$")
_YEAR_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d\d)年")
_YEAR_END = re.compile(r"末|年底")

# A communiqué title: 西藏自治区2024年…, 2024年西藏自治区…, 中华人民共和国2024年…, 拉萨市2024年….
_TITLE_YEAR = re.compile(rf"(\d{{4}})年[{_CJK}]{{0,10}}?国民经济和社会发展统计公报")
_YEAR_CUES = re.compile(
    r"(?<!\d)(\d{4})年度?,?(?:全区|全年|西藏|我区|末|底|1-\d{1,2}月|全自治区|全国|我国|全市|全地区|全县|前三季度|上半年|"
    r"第?[一二三四]季度)"
)


# --------------------------------------------------------------------------------------------
# Geography: whose figures a release, and each passage of it, gives
# --------------------------------------------------------------------------------------------

REGION, PREFECTURE, NATION = "region", "prefecture", "nation"


@dataclass(frozen=True)
class Geography:
    """Whose figures a release or a passage gives.

    ``scope`` is ``region`` (西藏自治区), ``nation`` (全国) or ``prefecture``: any other place, a
    prefecture, city, county or district (拉萨市, 阿里地区, 城关区 …).  ``place`` is the word that
    named it (empty when nothing did); ``reason`` says how it was decided.
    """

    scope: str
    place: str
    reason: str


@dataclass(frozen=True)
class Passage:
    """A stretch of the normalised text (``start``:``end``) whose figures are ``geography``'s."""

    start: int
    end: int
    geography: Geography


# The words that name a geography (normalised text: simplified, half-width).  Longer alternatives
# come first where one begins another.  全国 followed by 平均/排名/第… compares rather than names.
_NATION_WORDS = r"中华人民共和国|全国(?!平均|排名|排在|第|前列|首位|人大|政协|各地|各族|重点|性)|我国|国内生产总值"
_REGION_WORDS = r"西藏自治区|全自治区|西藏|全区|我区|自治区(?!级)"
_PREFECTURE_WORDS = r"(?:拉萨|日喀则|昌都|林芝|山南|那曲)市|(?:日喀则|昌都|林芝|山南|那曲|阿里)地区|全市|全地区|全县"
_GEO_WORD = re.compile(
    rf"(?P<{NATION}>{_NATION_WORDS})|(?P<{REGION}>{_REGION_WORDS})|(?P<{PREFECTURE}>{_PREFECTURE_WORDS})"
)

# A place names the subject of a clause only at its opening, after at most these words; elsewhere
# ("增速高于全国平均水平", "占全区的35%", "从西藏自治区统计局获悉") it is a comparison or an aside.
_GEO_LEAD = re.compile(
    r"(?:\d{4}年(?:度|末|底|全年)?|\d{1,2}月(?:\d{1,2}日)?|全年|年末|年底|同期|同时|此外|另外|其中|而|但|"
    r"截至|截止|初步核算|据初步核算|经初步核算|经最终核实|据统计|经统计|按常住地分|分地市看)*"
)

# The owner of a communiqué, from its title: 中华人民共和国2024年…统计公报, 2024年西藏自治区…,
# 拉萨市2024年…, 日喀则市桑珠孜区2024年…; and the owner of a statistics bureau that issues it.
_TITLE_OWNER = re.compile(
    rf"^(?:\d{{4}}年度?)?(?P<owner>中华人民共和国|全国|我国|[{_CJK}]{{1,10}}?(?:自治区|地区|市|县|区))"
    rf"(?:\d{{4}}年度?)?[{_CJK}]*统计公报"
)
_ISSUER = re.compile(rf"(?P<owner>国家|[{_CJK}]{{1,10}}?(?:自治区|地区|市|县|区))统计局(?P<branch>西藏调查总队)?")
_HEADER_LINES = 3
_HEADER_WIDTH = 60


def _owner_geography(owner: str, reason: str) -> Geography:
    """Whose figures a communiqué or bureau of ``owner`` (中华人民共和国, 西藏自治区, 拉萨市 …) gives."""
    if owner in ("中华人民共和国", "全国", "我国", "国家"):
        return Geography(NATION, owner, reason)
    if owner.startswith("西藏") or owner in ("全区", "自治区", "全自治区"):
        return Geography(REGION, owner, reason)
    return Geography(PREFECTURE, owner, reason)


def release_geography(norm: str) -> Geography:
    """Whose figures the release gives by default, from its first lines (title, issuer, headline).

    In order: the owner a communiqué title names (拉萨市2024年国民经济和社会发展统计公报 → 拉萨市); the
    bureau that issues it (国家统计局 → the nation; 国家统计局西藏调查总队 → the region); the first place
    the first lines name (西藏城乡居民收入增速高于全国 → the region).  Otherwise the region: the project's.
    """
    lines = [ln for ln in norm.split("\n") if ln.strip()][:_HEADER_LINES]
    header = [ln for ln in lines if len(ln) <= _HEADER_WIDTH]
    for ln in header:
        m = _TITLE_OWNER.search(ln)
        if m:
            return _owner_geography(m.group("owner"), f"the title names {m.group('owner')}")
    for ln in header:
        m = _ISSUER.search(ln)
        if m:
            issuer = m.group()
            owner = "西藏" if m.group("branch") else m.group("owner")
            return _owner_geography(owner, f"issued by {issuer}")
    for ln in header:
        m = _GEO_WORD.search(ln)
        if m:
            return Geography(m.lastgroup, m.group(), f"the headline names {m.group()}")
    return Geography(REGION, "", "no place named in the title or issuer: read as the region's")


def _names_own_district(release: Geography) -> bool:
    """A county or district communiqué (城关区…, 墨竹工卡县…), whose 全区/全县 is the owner itself."""
    return release.scope == PREFECTURE and release.place.endswith(("区", "县")) and not release.place.endswith("自治区")


def _opening_geography(norm: str, start: int, end: int, release: Geography) -> Geography | None:
    """The geography a clause names at its opening, if it names one."""
    lead = _GEO_LEAD.match(norm, start, end)
    m = _GEO_WORD.match(norm, lead.end(), end)
    if m is None:
        return None
    word = m.group()
    if word in ("全区", "全县") and _names_own_district(release):
        return Geography(PREFECTURE, release.place, f"'{word}' in a release of {release.place}")
    if word in ("全市", "全地区", "全县") and release.scope == PREFECTURE and release.place:
        return Geography(PREFECTURE, release.place, f"'{word}' in a release of {release.place}")
    return Geography(m.lastgroup, word, f"the passage opens with '{word}'")


def passages(norm: str, release: Geography) -> list[Passage]:
    """Split the normalised text into passages, each with whose figures it gives.

    A paragraph (line) starts with the release's geography; a clause (sentence or part of one) that
    opens with a place of its own (全国城镇居民…, 西藏…, 拉萨市…) switches it, for that clause and
    what follows in the paragraph, until another clause names another place.
    """
    out: list[Passage] = []
    for line in re.finditer(r"[^\n]+", norm):
        geo = release
        bounds = [line.start(), *(m.end() for m in _CLAUSE_END.finditer(norm, line.start(), line.end())), line.end()]
        for a, b in pairwise(bounds):
            if a >= b:
                continue
            geo = _opening_geography(norm, a, b, release) or geo
            last = out[-1] if out else None
            if last and last.end == a and (last.geography.scope, last.geography.place) == (geo.scope, geo.place):
                out[-1] = Passage(last.start, b, last.geography)
            else:
                out.append(Passage(a, b, geo))
    return out


def _geography_at(parts: list[Passage], starts: list[int], pos: int, release: Geography) -> Geography:
    """The geography of the passage at normalised position ``pos`` (``starts``: the passages' starts)."""
    i = bisect.bisect_right(starts, pos) - 1
    return parts[i].geography if i >= 0 and pos < parts[i].end else release


def national_counterparts(series: list[dict]) -> dict[str, str]:
    """Region series -> the national series of the same figure (scope 全国, name "全国" + its name).

    E.g. ``urban_income`` (城镇居民人均可支配收入) -> ``national_urban_income`` (全国城镇居民人均可支配收入).
    """
    national = {r["name_zh"]: r["series_id"] for r in series if r.get("scope") == "全国"}
    return {r["series_id"]: national["全国" + r["name_zh"]] for r in series
            if r.get("scope") != "全国" and "全国" + r["name_zh"] in national}


@dataclass(frozen=True)
class _Keyword:
    start: int
    end: int
    text: str
    subject: _Subject


def _find_keywords(norm: str, extra: list[tuple[re.Pattern, _Subject]] = ()) -> list[_Keyword]:
    found = [_Keyword(m.start(), m.end(), m.group(), subj)
             for rx, subj in [*_SUBJECT_RES, *extra] for m in rx.finditer(norm) if m.end() > m.start()]
    # Longest first (a known series before a look-alike on a tie); drop what overlaps a kept one.
    found.sort(key=lambda k: (-(k.end - k.start), not k.subject.known, k.start))
    kept: list[_Keyword] = []
    for k in found:
        if all(k.end <= o.start or k.start >= o.end for o in kept):
            kept.append(k)
    return sorted(kept, key=lambda k: k.start)


def detect_year(text: str) -> int:
    """The year a communiqué or release reports on, from its title or its usual openings.

    A communiqué title on the first two lines (“2024年西藏自治区国民经济和社会发展统计公报”)
    decides; otherwise openings such as “2024年，全区…”, “2024年末…”, “二〇二四年全年…” are counted
    and one year must have at least twice the count of any other.  A 政府工作报告 titled 2025 that
    reports 2024 is thus read as 2024 only if its openings say so; when in doubt pass the year.
    Raises :class:`IngestError` otherwise.
    """
    norm = normalize(html_to_text(text) if looks_like_html(text) else text)[0]
    return _year_of(norm)


def _year_of(norm: str) -> int:
    # A communiqué title on the first two lines decides; further down (a "related articles" list)
    # it only counts as one cue among the others.
    top = norm.lstrip("\n").split("\n", 2)
    top_end = len(norm) - len(norm.lstrip("\n")) + len("\n".join(top[:2]))
    titles = [(m.start(), int(m.group(1))) for m in _TITLE_YEAR.finditer(norm)]
    if titles and titles[0][0] < top_end:
        return titles[0][1]
    counts = Counter(int(y) for y in _YEAR_CUES.findall(norm))
    counts.update(y for _, y in titles)
    if not counts:
        raise IngestError("cannot tell which year the text reports on; give the year (--year)")
    (best, n), *rest = counts.most_common()
    if rest and n < 2 * rest[0][1]:
        years = ", ".join(str(y) for y, _ in counts.most_common())
        raise IngestError(f"the text speaks of several years ({years}); give the year (--year)")
    return best


def _read_series(data_dir: Path) -> list[dict]:
    with open(Path(data_dir) / "series.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


_HANDLED = {sid for s in _SUBJECTS for sid in (s.level, s.growth) if sid}


def _other_series_keywords(series: list[dict]) -> list[tuple[re.Pattern, _Subject]]:
    """Names of the series ingest has no rule for (城镇新增就业, 森林覆盖率 …), as look-alikes.

    Their figures are then listed as unplaced, naming the series, instead of being skipped.
    """
    handled = _HANDLED | set(national_counterparts(series).values())
    out = []
    for r in series:
        name = normalize(r["name_zh"])[0]
        if r["series_id"] not in handled and len(name) >= 4 and re.fullmatch(f"[{_CJK}]+", name):
            out.append((re.compile(re.escape(name)), _Subject(re.escape(name), known=False,
                                                               other=r["series_id"])))
    return out


def _nospace(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _decimal(value: str) -> Decimal | str:
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return str(value).strip()


class _Text:
    """The original text, its normalised form and the map between them."""

    def __init__(self, original: str):
        self.original = original
        self.norm, self.pos = normalize(original)

    def fragment(self, start: int, end: int) -> str:
        """Text between two normalised positions, quoted from the original when it fits."""
        if end <= start:
            return ""
        orig = re.sub(r"\s+", " ", self.original[self.pos[start]: self.pos[end - 1] + 1]).strip()
        if len(orig) <= MAX_FRAGMENT:
            return orig
        norm = self.norm[start:end].replace("\n", " ").strip()
        return norm if len(norm) <= MAX_FRAGMENT else norm[-MAX_FRAGMENT:]


def _classify(t: _Text, year: int, units: dict[str, str], sentence_start: int, kw: _Keyword,
              tok: re.Match, tokens: list[re.Match], doc_subannual: bool) -> tuple[str | None, str | None, str]:
    """Return (reason it cannot be placed, series, value); reason is None when it can.

    A growth rate printed after a level that has no growth series (旅游总收入…,增长8.2%) is not
    placed, but its value is returned with the reason: it tells whether the level is plausible.
    """
    norm = t.norm
    subj = kw.subject
    s, e = tok.start(), tok.end()
    num_start = tok.start("num")
    upto = norm[sentence_start:e]

    # Period, year, wording and precision of the figure itself.
    if doc_subannual or _SUBANNUAL.search(upto):
        return "refers to part of a year", None, ""
    other_years = sorted({int(y) for y in _YEAR_IN_TEXT.findall(upto)} - {year})
    if other_years:
        return f"the sentence speaks of {', '.join(map(str, other_years))}, not {year}", None, ""
    if _FORWARD.search(upto):
        return "an estimate or a target, not a published result", None, ""
    before = _nospace(norm[max(sentence_start, s - 4):s])
    if tok.group("approx") or tok.group("approx2") or _APPROX_BEFORE.search(before):
        return "an approximate figure", None, ""
    if _RANGE_BEFORE.search(norm[max(sentence_start, s - 4):num_start]) or _RANGE_AFTER.search(norm[e:e + 4]):
        return "part of a range", None, ""
    if _GROUPED.search(norm[max(0, s - 2):s]):
        return "digits grouped with separators; read it by hand", None, ""

    # Where the keyword stands in its clause.
    clause_start = max((m.end() for m in _CLAUSE_END.finditer(norm, sentence_start, kw.start)), default=sentence_start)
    prefix = _nospace(norm[clause_start:kw.start])
    if not _PREFIX_OK.fullmatch(prefix):
        return f"'{prefix}{kw.text}' is not the plain series", None, ""
    if subj.year_end and not _YEAR_END.search(norm[sentence_start:kw.start]):
        return f"'{kw.text}' without 年末: not clearly the year-end figure", None, ""

    # Level: the first figure after the keyword, with nothing but filler in between.
    between = [u for u in tokens if u.start() >= kw.end and u.end() <= s]
    if not between and _LEVEL_GAP.fullmatch(_nospace(norm[kw.end:s])):
        series = subj.level
        if series is None:
            return f"no series for the level of '{kw.text}'", None, ""
        if series not in units:
            return f"{series} is not in series.csv", None, ""
        if tok.group("unit") != units[series]:
            return f"unit {tok.group('unit')} is not the unit of {series} ({units[series]})", None, ""
        if tok.group("sign"):
            return "a negative level", None, ""
        return None, series, tok.group("num")

    # Growth: a rate right after the keyword, or after its level figure.
    if len(between) > 1 or (between and not _LEVEL_GAP.fullmatch(_nospace(norm[kw.end:between[0].start()]))):
        return f"not in a recognised phrasing after '{kw.text}'", None, ""
    gm = _GROWTH_GAP.fullmatch(_nospace(norm[between[0].end() if between else kw.end:s]))
    if gm is None:
        return f"not in a recognised phrasing after '{kw.text}'", None, ""
    negative = gm.group("dir") in _NEGATIVE
    printed = "" if tok.group("unit") != "%" or (negative and tok.group("sign")) else (
        ("-" if negative or tok.group("sign") else "") + tok.group("num"))
    series = subj.growth
    if series is None:
        return f"no series for the growth of '{kw.text}'", None, printed if subj.level else ""
    if series not in units:
        return f"{series} is not in series.csv", None, ""
    if tok.group("unit") != "%":
        return f"a growth in {tok.group('unit')}, not in %", None, ""
    basis, nr = gm.group("basis") or "", gm.group("nr") or ""
    if subj.basis == "real" and (nr == "名义" or (basis and basis not in _REAL_BASES)):
        return f"{series} is at constant prices; this rate is not", None, ""
    if subj.basis == "nominal" and (nr == "实际" or basis):
        return f"{series} is nominal; this rate is in real terms", None, ""
    if not printed:
        return "a decrease printed with a minus sign: ambiguous", None, ""
    return None, series, printed


def _matched(t: _Text, kw: _Keyword, tok: re.Match) -> str:
    """The fragment that carried a figure: keyword to figure, shortened if need be."""
    whole = t.fragment(kw.start, tok.end())
    if len(whole) <= MAX_FRAGMENT and (tok.end() - kw.start) <= 2 * MAX_FRAGMENT:
        return whole
    tail_start = max(kw.end, tok.end() - (MAX_FRAGMENT - len(kw.text) - 1))
    tail = t.norm[tail_start:tok.end()].lstrip(",")
    return f"{kw.text}…{tail}"[-MAX_FRAGMENT:]


def extract(text: str, year: int | None = None, *, data_dir: Path | str = DATA_DIR) -> Extraction:
    """Recognise the figures of known series in ``text`` (plain text or HTML), and whose they are.

    ``year`` is the year the figures refer to; by default it is read from the text (see
    :func:`detect_year`).  Units are those of ``data_dir/series.csv``.  Each row says its ``scope``
    (``region`` or ``nation``) and ``geography`` (why); figures of a prefecture or city, and national
    figures without a national series, are listed in ``unplaced`` with the reason.
    """
    if looks_like_html(text):
        text = html_to_text(text)
    t = _Text(text)
    norm = t.norm
    if year is None:
        year = _year_of(norm)
    series = _read_series(Path(data_dir))
    units = {r["series_id"]: r["unit"] for r in series}
    national = national_counterparts(series)
    release = release_geography(norm)
    parts = passages(norm, release)
    starts = [p.start for p in parts]
    keywords = _find_keywords(norm, _other_series_keywords(series))
    doc_subannual = bool(_SUBANNUAL.search(norm[:300]))

    found: dict[str, list[tuple[str, str, int, Geography, str]]] = {}  # series -> [(value, fragment, at, geo, status)]
    unplaced: list[Fragment] = []
    printed_growth: dict[str, set] = {}  # level series -> growth rates printed with it, with no series of their own

    def unplace(frag: str, reason: str) -> None:
        if not any(u == frag and u.reason == reason for u in unplaced):
            unplaced.append(Fragment(frag, reason))

    previous_had_keyword = False
    for sm in _SENTENCE.finditer(norm):
        a, b = sm.start(), sm.end()
        skw = [k for k in keywords if a <= k.start and k.end <= b]
        if skw or previous_had_keyword:
            tokens = list(_TOKEN.finditer(norm, a, b))
            for tok in tokens:
                s, e = tok.start(), tok.end()
                kw = next((k for k in reversed(skw) if k.end <= s), None)
                near = kw.start if kw is not None and e - kw.start <= MAX_FRAGMENT else max(a, e - MAX_FRAGMENT)
                if kw is None:
                    unplace(t.fragment(near, e), "no recognised keyword before the figure")
                    continue
                geo = _geography_at(parts, starts, kw.start, release)
                if kw.subject.scope == NATION and geo.scope != NATION:
                    geo = Geography(NATION, kw.text, f"'{kw.text}' is the nation's")
                reason, series_id, value = _place(t, year, units, national, a, kw, tok, tokens, doc_subannual, geo)
                if reason:
                    unplace(t.fragment(near, e), reason)
                    level = kw.subject.level if geo.scope == REGION else national.get(kw.subject.level or "")
                    if value and level:
                        printed_growth.setdefault(level, set()).add(_decimal(value))
                else:
                    status = FINAL_STATUS if "最终核实" in norm[a:b] else STATUS
                    found.setdefault(series_id, []).append((value, _matched(t, kw, tok), s, geo, status))
        previous_had_keyword = bool(skw)

    # One value per series: a figure printed twice is fine, two different ones are a conflict.
    rows: list[tuple[int, dict]] = []
    for series_id, hits in found.items():
        if len({_decimal(h[0]) for h in hits}) > 1:
            shown = ", ".join(h[0] for h in hits)
            for h in hits:
                unplace(h[1], f"conflicting figures for {series_id}: {shown}")
            continue
        value, frag, at, geo, status = hits[0]
        row = {"series_id": series_id, "year": year, "value": value, "unit": units[series_id],
               "status": status, "matched": frag, "scope": geo.scope, "geography": geo.reason}
        if len(printed_growth.get(series_id, ())) == 1:
            row["growth_printed"] = str(next(iter(printed_growth[series_id])))
        rows.append((at, row))
    rows.sort(key=lambda r: r[0])
    return Extraction(year=year, rows=[r for _, r in rows], unplaced=unplaced, geography=release, passages=parts)


def _place(t: _Text, year: int, units: dict[str, str], national: dict[str, str], sentence_start: int,
           kw: _Keyword, tok: re.Match, tokens: list[re.Match], doc_subannual: bool,
           geo: Geography) -> tuple[str | None, str | None, str]:
    """(reason the figure is not placed, series, value) for a figure of ``geo``; reason None when placed.

    With a reason, ``value`` may still hold a growth rate printed after a level that has no growth
    series (see :func:`_classify`).
    """
    if geo.scope == PREFECTURE:
        place = geo.place or "a prefecture or city"
        return f"a figure of {place}, not of the region ({geo.reason}): no prefecture or city series", None, ""
    nation = geo.scope == NATION
    whose = f"national figure ({geo.reason}): " if nation else ""
    if kw.subject.other:
        if nation:
            return f"{whose}no national series for '{kw.text}'", None, ""
        return f"'{kw.text}' ({kw.subject.other}) has no ingest rule; enter it by hand", None, ""
    if not kw.subject.known:
        return f"{whose}'{kw.text}' is not a series ingest recognises", None, ""
    reason, series_id, value = _classify(t, year, units, sentence_start, kw, tok, tokens, doc_subannual)
    if reason:
        return whose + reason, None, value  # value: a growth rate printed with no series of its own
    if nation:
        if series_id not in national:
            printed = value if series_id == kw.subject.growth else ""
            return f"{whose}no national series for {series_id} ('{kw.text}')", None, printed
        series_id = national[series_id]
        if units.get(series_id) != tok.group("unit"):
            return f"{whose}unit {tok.group('unit')} is not the unit of {series_id}", None, ""
    return None, series_id, value


# --------------------------------------------------------------------------------------------
# Plausibility
# --------------------------------------------------------------------------------------------

# A level and the growth rate published for the later of two years must agree.  A nominal rate
# (income) is the change of the two levels, up to revisions and sampling: at most 3 points apart.  A
# real rate (GDP at constant prices; or a rate printed next to a level that has no growth series,
# whose basis is not known) leaves room for prices: the level's change may fall short of it by 10
# points or exceed it by 15.
NOMINAL_SLACK = 3.0
REAL_BELOW, REAL_ABOVE = 10.0, 15.0
# A level with no growth rate to judge it by may at most fall to 1/2.5 or rise to 2.5 times its
# neighbour (foreign trade has doubled within a year) ...
LEVEL_FACTOR = 2.5
# ... and a level in years of age (life expectancy) move by at most 3 years.
MAX_STEP = {"岁": 3.0}
# A share (城镇化率 …) that moves by this many points from one year to the next.
SHARE_JUMP = 10.0


@dataclass(frozen=True)
class _Figure:
    value: Decimal
    where: str  # "this release" or "on file, <source_id>"

    def __str__(self) -> str:
        return f"{_plain(self.value)} ({self.where})"


def _plain(d: Decimal) -> str:
    return format(d, "f")


def _growth_pairs(series: list[dict]) -> dict[str, tuple[str, str]]:
    """Level series -> (its growth-rate series, ``real`` or ``nominal``)."""
    pairs = {s.level: (s.growth, s.basis or "nominal") for s in _SUBJECTS if s.level and s.growth}
    for r in series:
        if r.get("growth_of"):
            pairs[r["growth_of"]] = (r["series_id"], "nominal")
    national = national_counterparts(series)
    for level, (growth, basis) in list(pairs.items()):
        if level in national and growth in national:
            pairs[national[level]] = (national[growth], basis)
    return pairs


def _step(level: str, a: int, b: int, values: dict, pairs: dict, printed: dict, unit: str) -> str:
    """Why the change of ``level`` from year ``a`` to ``b`` is implausible ('' when it is not)."""
    la, lb = values.get((level, a)), values.get((level, b))
    if la is None or lb is None:
        return ""
    if la.value <= 0 or lb.value <= 0:
        return f"{level} {a} {la} → {b} {lb}: a level that is not positive"
    change = float(lb.value / la.value - 1) * 100
    growth, basis = pairs.get(level, (None, None))
    rate = values.get((growth, b)) if growth else None
    if rate is None and (level, b) in printed:
        rate, basis = printed[(level, b)], "printed"
    if rate is not None:
        dev = change - float(rate.value)
        ok = abs(dev) <= NOMINAL_SLACK if basis == "nominal" else -REAL_BELOW <= dev <= REAL_ABOVE
        if not ok:
            named = f"{growth} {b}" if basis != "printed" else "the growth rate printed with it"
            return (f"{level} {a} {la} → {b} {lb} is a change of {change:+.1f}%, "
                    f"but {named} is {_plain(rate.value)}% ({rate.where})")
        return ""
    if unit in MAX_STEP:
        if abs(lb.value - la.value) > Decimal(str(MAX_STEP[unit])):
            return f"{level} {a} {la} → {b} {lb}: moves by more than {MAX_STEP[unit]:g} {unit} in a year"
        return ""
    ratio = float(lb.value / la.value)
    if not 1 / LEVEL_FACTOR <= ratio <= LEVEL_FACTOR:
        return f"{level} {a} {la} → {b} {lb}: {ratio:.2f} times in a year, with no growth rate to explain it"
    return ""


def _implausible(key: tuple[str, int], unit: str, values: dict, series_info: dict, pairs: dict,
                 printed: dict) -> str:
    """Why the figure at ``key`` departs from its neighbouring years beyond what is plausible ('' if not)."""
    series_id, year = key
    measure = series_info.get(series_id, {}).get("measure") or ("level" if unit != "%" else "")
    growth_of = {g: level for level, (g, _) in pairs.items()}
    if series_id in growth_of:  # a growth rate: against the two levels it is the change of
        level = growth_of[series_id]
        return _step(level, year - 1, year, values, pairs, printed, series_info.get(level, {}).get("unit", ""))
    if measure == "share":
        this = values[key]
        for other in (year - 1, year + 1):
            near = values.get((series_id, other))
            if near is not None and abs(this.value - near.value) >= Decimal(str(SHARE_JUMP)):
                return (f"{series_id} {year} {this} is {abs(this.value - near.value):g} points from "
                        f"{other} {near}: a share that jumps by {SHARE_JUMP:g} points or more")
        return ""
    if measure == "level" or series_id in pairs:
        return (_step(series_id, year - 1, year, values, pairs, printed, unit)
                or _step(series_id, year, year + 1, values, pairs, printed, unit))
    return ""


# --------------------------------------------------------------------------------------------
# Diff and apply
# --------------------------------------------------------------------------------------------


def _same_value(a, b) -> bool:
    da, db = _decimal(_show(a)), _decimal(_show(b))
    return da == db


def _show(value) -> str:
    """A value as text: floats without a spurious '.0'."""
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)


# What apply does with a proposed figure.  Only ``add`` and ``replace`` write; ``conflict`` and
# ``implausible`` are refusals that --replace / --accept-implausible lift.
ACTIONS = ("add", "replace", "none", "keep", "conflict", "implausible")


def _action(old: dict | None, value: str, status: str, flag: str, *, replace: bool, accept_implausible: bool,
            replace_final: bool) -> str:
    """What :func:`apply` does with a proposed figure (one of :data:`ACTIONS`)."""
    if old is not None and _same_value(old["value"], value):
        return "none"
    if old is not None and old["status"] == FINAL_STATUS and status != FINAL_STATUS and not replace_final:
        return "keep"
    if old is not None and not replace:
        return "conflict"
    if flag and not accept_implausible:
        return "implausible"
    return "add" if old is None else "replace"


def _plan(rows: Iterable[dict], on_file: dict[tuple[str, int], dict], series: list[dict], *, replace: bool,
          accept_implausible: bool, replace_final: bool) -> list[dict]:
    """Each proposed row with the figure on file (``old``), its plausibility ``flag`` and ``action``.

    ``on_file`` maps (series_id, year) to the row on file (value as text, status, source_id).
    """
    rows = [dict(r, year=int(r["year"]), value=str(r["value"]).strip()) for r in rows]
    values: dict[tuple[str, int], _Figure] = {}
    for key, old in on_file.items():
        if isinstance(_decimal(old["value"]), Decimal):
            values[key] = _Figure(_decimal(old["value"]), f"on file, {old['source_id']}")
    printed: dict[tuple[str, int], _Figure] = {}
    for r in rows:
        if isinstance(_decimal(r["value"]), Decimal):
            values[(r["series_id"], r["year"])] = _Figure(_decimal(r["value"]), "this release")
        if isinstance(_decimal(r.get("growth_printed", "")), Decimal):
            printed[(r["series_id"], r["year"])] = _Figure(_decimal(r["growth_printed"]), "this release")
    info = {r["series_id"]: r for r in series}
    pairs = _growth_pairs(series)
    out = []
    for r in rows:
        key = (r["series_id"], r["year"])
        old = on_file.get(key)
        flag = ""
        if key in values and not (old is not None and _same_value(old["value"], r["value"])):
            flag = _implausible(key, r.get("unit", ""), values, info, pairs, printed)
        action = _action(old, r["value"], r.get("status") or STATUS, flag, replace=replace,
                         accept_implausible=accept_implausible, replace_final=replace_final)
        out.append({"row": r, "key": key, "old": old, "flag": flag, "action": action})
    return out


def _raw_values(ds) -> dict[tuple[str, int], str]:
    """Observation values as written in ``ds.data_dir/observations.csv`` (empty if unreadable)."""
    try:
        _, rows = _read_csv(Path(ds.data_dir) / "observations.csv")
        return {(r["series_id"], int(r["year"])): r["value"] for r in rows}
    except (OSError, KeyError, ValueError, AttributeError, TypeError):
        return {}


def diff(rows: Iterable[dict], ds, *, replace: bool = False, accept_implausible: bool = False,
         replace_final: bool = False) -> list[dict]:
    """Each proposed row against the observations of ``ds`` (a :class:`planbook.data.Dataset`).

    ``status`` is ``new`` (no row for the series and year), ``same`` (equal value) or
    ``different`` (``existing``, ``existing_status`` and ``existing_source`` describe the row on
    file).  ``implausible`` says why the figure departs from its neighbouring years ('' when it does
    not).  ``action`` says what :func:`apply` with the same options would do: ``add``, ``replace``,
    ``none`` (already on file), ``keep`` (a 最终核实 figure is not replaced by a preliminary one),
    ``conflict`` (a different figure on file, and no ``replace``) or ``implausible`` (flagged, and no
    ``accept_implausible``).
    """
    raw = _raw_values(ds)
    on_file = {}
    for r in ds.observations.to_dict("records"):
        key = (str(r["series_id"]), int(r["year"]))
        text = _show(r["value"])
        # As written in the CSV ("6389.10") when the loaded number is that one (6389.1).
        if key in raw and _same_value(raw[key], text):
            text = raw[key]
        on_file[key] = {**r, "value": text}
    series = ds.series.to_dict("records") if "series_id" in ds.series else []
    out = []
    for p in _plan(rows, on_file, series, replace=replace, accept_implausible=accept_implausible,
                   replace_final=replace_final):
        row, old = p["row"], p["old"]
        if old is None:
            status = "new"
        else:
            status = "same" if _same_value(old["value"], row["value"]) else "different"
        out.append({
            "series_id": row["series_id"], "year": row["year"], "value": row["value"],
            "unit": row.get("unit", ""), "status": status,
            "existing": None if old is None else old["value"],
            "existing_status": None if old is None else old["status"],
            "existing_source": None if old is None else old["source_id"],
            "new_status": row.get("status") or STATUS, "implausible": p["flag"], "action": p["action"],
            "matched": row.get("matched", ""), "scope": row.get("scope", REGION),
            "geography": row.get("geography", ""),
        })
    return out


def source_id_from_url(url: str) -> str:
    """A source id from a page address: host and last path segment, e.g. ``tjcn.org-36827``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname.lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    last = re.sub(r"\.(?:s?html?|php|aspx?|jsp|cgi)$", "", segments[-1], flags=re.I) if segments else ""
    tail = "-".join(x for x in [last, *(v for _, v in parse_qsl(parts.query))] if x)
    sid = re.sub(r"[^a-z0-9_.-]+", "-", f"{host}-{tail}".lower() if tail else host)
    return sid.strip("-.")[:80].rstrip("-.")


def _read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _render_csv(fields: list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: r.get(k, "") for k in fields} for r in rows)
    return buf.getvalue()


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _source_row(source: dict, fields: list[str]) -> dict:
    src = {**SOURCE_DEFAULTS, **{k: ("" if v is None else str(v).strip()) for k, v in (source or {}).items()}}
    if not src.get("url"):
        raise DataError([Problem("sources.csv", None, "url", "",
                                 "the source needs a URL (the page the figures were read from)")])
    if not src.get("source_id"):
        try:
            src["source_id"] = source_id_from_url(src["url"])
        except ValueError as exc:
            raise DataError([Problem("sources.csv", None, "url", src["url"], str(exc))]) from None
    return {k: src.get(k, "") for k in fields}


def apply(rows: Iterable[dict], data_dir: Path | str = DATA_DIR, source: dict | None = None, *,
          replace: bool = False, accept_implausible: bool = False, replace_final: bool = False) -> int:
    """Write proposed rows and their source into ``data_dir``; return the observations written.

    New (series, year) rows are added; equal values are left as they are.  A different value on file
    is a conflict and is left as it is, unless ``replace``: then it is replaced and the note keeps the
    old value, its status and its source id (a 最终核实 figure is replaced by a preliminary one only
    with ``replace_final``).  A figure that departs from its neighbouring years beyond what its growth
    rate allows (see :func:`diff`) is not written unless ``accept_implausible``.

    The source is added to sources.csv, every column written (empty where unknown; ``source_id``
    derived from the URL unless given; an existing id must have the same URL).  The files are kept
    sorted (observations by series_id then year, sources by source_id), the result is validated on a
    temporary copy first, and only then are the real files replaced (tmp + os.replace).  On any
    problem nothing is written and :class:`DataError` is raised.
    """
    data_dir = Path(data_dir)
    obs_path, src_path = data_dir / "observations.csv", data_dir / "sources.csv"
    obs_fields, observations = _read_csv(obs_path)
    src_fields, sources = _read_csv(src_path)
    src = _source_row(source or {}, src_fields)
    sid = src["source_id"]

    by_id = {r["source_id"]: (i, r) for i, r in enumerate(sources)}
    if sid in by_id:
        line, old = by_id[sid]
        if old["url"] != src["url"]:
            raise DataError([Problem("sources.csv", line + 2, "source_id", sid,
                                     f"already used for {old['url']}; give another source id")])
        add_source = False
    else:
        add_source = True

    proposed: dict[tuple[str, int], dict] = {}
    for row in rows:
        key = (str(row["series_id"]), int(row["year"]))
        value = str(row["value"]).strip()
        if key in proposed:
            if not _same_value(proposed[key]["value"], value):
                raise DataError([Problem("observations.csv", None, "value", value,
                                         f"two proposed values for {key[0]} {key[1]}: "
                                         f"{proposed[key]['value']} and {value}")])
            continue
        proposed[key] = {**row, "series_id": key[0], "year": key[1], "value": value}

    index = {(r["series_id"], r["year"]): i for i, r in enumerate(observations)}
    on_file = {(r["series_id"], int(r["year"])): r for r in observations if r["year"].strip().isdigit()}
    _, series = _read_csv(data_dir / "series.csv")
    written = 0
    for p in _plan(proposed.values(), on_file, series, replace=replace, accept_implausible=accept_implausible,
                   replace_final=replace_final):
        if p["action"] not in ("add", "replace"):
            continue
        row, old = p["row"], p["old"]
        key = (row["series_id"], str(row["year"]))
        note = NOTE.format(source_id=sid)
        if old is not None:
            note += f"；替换此前的 {old['value']}（{old['status']}，{old['source_id']}）"
            if old.get("note"):
                note += f"；原注：{old['note']}"
        if p["flag"]:
            note += "；录入时提示与相邻年份不一致，经人工确认后写入"
        new = {"series_id": key[0], "year": key[1], "year_inferred": "false", "value": row["value"],
               "unit": row.get("unit", ""), "status": row.get("status") or STATUS, "source_id": sid, "note": note}
        if old is None:
            index[key] = len(observations)
            observations.append(new)
        else:
            observations[index[key]] = new
        written += 1
    if not written:
        return 0
    if add_source:
        sources.append(src)

    def year_key(r):
        try:
            return (r["series_id"], 0, int(r["year"]), "")
        except ValueError:
            return (r["series_id"], 1, 0, r["year"])

    observations.sort(key=year_key)
    sources.sort(key=lambda r: r["source_id"])
    obs_text, src_text = _render_csv(obs_fields, observations), _render_csv(src_fields, sources)

    with tempfile.TemporaryDirectory(prefix="planbook-ingest-") as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data_dir, copy)
        (copy / "observations.csv").write_text(obs_text, encoding="utf-8", newline="")
        (copy / "sources.csv").write_text(src_text, encoding="utf-8", newline="")
        problems = validate(copy)
    if problems:
        raise DataError(problems)
    _atomic_write(src_path, src_text)  # the source first: observations always find theirs
    _atomic_write(obs_path, obs_text)
    return written
