"""Numbers QA: every number of the Chinese must be in the translation, said any way a
translator may say it, and nothing else is reported.

What the Chinese may write, and what answers it in the translation:

- digits, scaled by 万 and 亿: 12.5亿 is 1.25 billion, 1,250 million or 1,250,000,000;
- Chinese numerals counting something (三项, 两个, 一百六十名) or ordered (第七届: seventh,
  7th); a lone 一 (a, an) and numerals in set phrases (千家万户, 十分) are not numbers;
- 百分之十五 and 15%: 15 percent;
- years (2021年, 二〇二一年), months (3月, 三月: March) and days (3月15日: March 15);
  holidays named by their date (“七一”: July 1);
- 余 and 多 after a number (80余, 1.2万余, 十多个): "more than 80", "80-plus";
- in the translation, digits as the target language groups them (1,600; German 1.600)
  and numbers in words (nine, ninth, one hundred and sixty, twenty-five, centenary).

A number the source repeats in the same words (光荣在党50年 twice) needs saying once.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from parabook.lang import Language, language
from parabook.lang.script import HAN

ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
ZH_SCALES = {"万": 10**4, "亿": 10**8}
ZH_NUMERAL = "零〇一二两三四五六七八九十百千万亿"
CLASSIFIERS = ("个项名位人次批场件枚届家所座条支户块种类处天周年岁元亩台辆本期轮部篇份套间"
               "栋层米吨倍期组队村站只头")
"""Measure words: a Chinese numeral before one of them counts something (三项, 两个)."""
SET_PHRASES = ("千家万户", "万家灯火", "千方百计", "千千万万", "一五一十", "三番五次", "四面八方",
               "五花八门", "七嘴八舌", "十全十美", "九牛一毛", "百年大计", "千里之行", "万无一失",
               "十分", "万一", "第一时间", "三三两两", "一百个放心", "百家", "百姓")
"""Numerals that are not numbers here; blanked before reading."""
HOLIDAYS = {"五一": (5, 1), "七一": (7, 1), "八一": (8, 1), "六一": (6, 1), "三八": (3, 8),
            "五四": (5, 4), "十一": (10, 1)}
"""Days named by their date: “七一”重要讲话 is the speech of July 1."""
MORE_THAN = {
    "en": (r"(?:more than|over|above|upwards of|in excess of|at least|some)\s+$",
           r"^(?:\s*\+|-plus\b|\s+plus\b|\s+or more\b|-odd\b|\s+odd\b)"),
    "de": (r"(?:mehr als|über|weit über|gut|knapp über|mindestens)\s+$",
           r"^(?:\s*\+|\s+und mehr\b)"),
}
"""How a language says "more than N": words before the number, or after it."""
EXTRA_SCALES = {"en": {"thousand": 10**3, "thousands": 10**3, "trillion": 10**12},
                "de": {"tausend": 10**3}}
UNITS_EN = {w: n for n, w in enumerate(("one", "two", "three", "four", "five", "six", "seven",
                                        "eight", "nine", "ten", "eleven", "twelve", "thirteen",
                                        "fourteen", "fifteen", "sixteen", "seventeen",
                                        "eighteen", "nineteen"), 1)}
TENS_EN = {w: 10 * n for n, w in enumerate(("twenty", "thirty", "forty", "fifty", "sixty",
                                            "seventy", "eighty", "ninety"), 2)}
MULTIPLIERS_EN = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9}


@dataclass(frozen=True)
class Mention:
    """One number the source says."""

    value: Decimal
    written: str
    """As the source writes it, for messages (80余, 第七届, 3月)."""
    key: str
    """Mentions with one key are one fact said again (光荣在党50年 twice)."""
    month: int | None = None
    """A month: its name answers it (3月: March)."""
    day: int | None = None
    """With `month`: a date named by the day (“七一”: July 1)."""
    more_than: bool = False
    """余 or 多 follows it: "more than"."""


def parse_chinese(text: str) -> Decimal | None:
    """二〇二一 -> 2021, 一百六十 -> 160, 十五 -> 15, 两万 -> 20000, 三点五 -> 3.5."""
    if "点" in text:
        whole, _, frac = text.partition("点")
        head = parse_chinese(whole)
        if head is None or not frac or any(c not in ZH_DIGITS for c in frac):
            return None
        return head + Decimal("0." + "".join(str(ZH_DIGITS[c]) for c in frac))
    if not text or any(c not in ZH_NUMERAL for c in text):
        return None
    if all(c in ZH_DIGITS for c in text):  # read digit by digit: 二〇二一
        return Decimal("".join(str(ZH_DIGITS[c]) for c in text)) if len(text) > 1 \
            else Decimal(ZH_DIGITS[text])
    total = section = digit = 0
    for char in text:
        if char in ZH_DIGITS:
            digit = ZH_DIGITS[char]
        elif char in ZH_UNITS:
            section += (digit or 1) * ZH_UNITS[char]
            digit = 0
        else:  # 万, 亿
            scale = ZH_SCALES[char]
            total = (total + section + digit) * scale if scale > 10**4 else \
                total + (section + digit) * scale
            section = digit = 0
    return Decimal(total + section + digit)


ARABIC = re.compile(r"(?<![\d.])(\d+(?:,\d{3})*(?:\.\d+)?)(余|多)?([百千万亿]+)?(余|多)?(%|％)?")
KILO = "米克瓦卡伏帕焦"
"""千米, 千克, 千瓦: a unit (km, kg, kW), not a thousand."""
APPROXIMATE = "几数上成好若近"
"""几十个, 数百名, 上千人, 成千: approximate, rendered "dozens", "hundreds", "thousands"."""
CHINESE = re.compile(rf"(第)?([{ZH_NUMERAL}]+(?:点[〇零一二三四五六七八九]+)?)(余|多)?(?=(.?))")
PERCENT_ZH = re.compile(rf"百分之([{ZH_NUMERAL}点]+)")


def source_mentions(source: str) -> list[Mention]:
    """The numbers of a Chinese text, in order."""
    text = unicodedata.normalize("NFKC", source)
    for phrase in SET_PHRASES:
        text = text.replace(phrase, "\0" * len(phrase))
    out: list[Mention] = []
    for found in PERCENT_ZH.finditer(text):
        value = parse_chinese(found[1])
        if value is not None:
            out.append(Mention(value, found[0], f"{value}%"))
    text = PERCENT_ZH.sub(lambda m: "\0" * len(m[0]), text)
    for found in ARABIC.finditer(text):
        digits, more1, scale, more2, percent = found.groups()
        value = Decimal(digits.replace(",", ""))
        after = text[found.end():found.end() + 2]
        if scale and scale.endswith("千") and not (more2 or percent) and after[:1] in KILO:
            scale = scale[:-1]  # 5千米: 5 km
        for char in scale or "":  # 3千万: 3 × 1000 × 10,000
            value *= {**ZH_UNITS, **ZH_SCALES}[char]
        month = int(value) if (not scale and not percent and after[:1] == "月"
                               and value == int(value) and 1 <= value <= 12) else None
        out.append(Mention(value, found[0], f"{value}{scale or ''}{percent or ''}{after}",
                           month=month, more_than=bool(more1 or more2)))
    for found in CHINESE.finditer(text):
        ordinal, numeral, more, following = found.groups()
        start = found.start()
        if start and text[start - 1] in ZH_NUMERAL + "0123456789.":
            continue  # the tail of a longer run (1.2万 was read above)
        if (start and text[start - 1] in APPROXIMATE) or following == "几":
            continue  # 几十个, 十几个: "dozens", "a dozen or so"
        if len(numeral) == 2 and all(c in ZH_DIGITS for c in numeral) \
                and numeral not in HOLIDAYS:
            continue  # 一两个, 三四名: "one or two", "three or four"
        quoted = (start > 0 and text[start - 1] in "“‘「『\"'") or (
            following != "" and following in "节”’」』\"'讲重前")
        if numeral in HOLIDAYS and quoted:
            month, day = HOLIDAYS[numeral]
            out.append(Mention(Decimal(day), numeral, numeral, month=month, day=day))
            continue
        value = parse_chinese(numeral)
        if not value:
            continue  # not a numeral, or 万 alone
        counted = (following != "" and following in CLASSIFIERS + "月日号") or (
            following == "年" and value > 1)
        if ordinal:
            out.append(Mention(value, found[0] + following, found[0] + following))
        elif counted and (value != 1 or following in ("月", "日", "号")):
            month = int(value) if following == "月" and 1 <= value <= 12 else None
            out.append(Mention(value, found[0], found[0] + following, month=month,
                               more_than=bool(more)))
        elif more and value > 1:
            out.append(Mention(value, found[0], found[0], more_than=True))
    return out


@cache
def _target_pattern(tag: str) -> re.Pattern[str]:
    lang = language(tag)
    group, point = re.escape(lang.thousands_separator), re.escape(lang.decimal_mark)
    words = {**lang.scale_words, **EXTRA_SCALES.get(lang.tag.split("-")[0], {})}
    scales = "|".join(re.escape(w) + ("" if HAN.match(w) else r"(?![^\W\d_])")
                      for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\d{group}{point}])(\d+(?:{group}\d{{3}})*(?:{point}\d+)?)"
                      rf"(?:\s*({scales}))?", re.IGNORECASE)


@dataclass(frozen=True)
class Said:
    """A number the translation says, where."""

    value: Decimal
    start: int
    end: int


def target_numbers(target: str, lang: Language) -> list[Said]:
    """The numbers of a translation: digits (scaled: 1.25 billion) and words."""
    text = unicodedata.normalize("NFKC", target)
    scales = {**lang.scale_words, **EXTRA_SCALES.get(lang.tag.split("-")[0], {})}
    out = []
    for found in _target_pattern(lang.tag).finditer(text):
        digits, scale = found.groups()
        value = Decimal(digits.replace(lang.thousands_separator, "")
                        .replace(lang.decimal_mark, "."))
        out.append(Said(value * scales[scale.lower()] if scale else value,
                        found.start(), found.end()))
    out += _words(text, lang)
    return out


def _words(text: str, lang: Language) -> list[Said]:
    """Numbers in words: each number word (ninth, twice, centenary), and in English a run
    of them read as one number (one hundred and sixty, twenty-five, a thousand)."""
    by_word = {w: n for n, ws in lang.number_words.items() for w in ws}
    out = []
    tokens = list(re.finditer(r"[^\W\d_]+", text))
    for token in tokens:
        word = token[0].lower()
        value = by_word.get(word, by_word.get(word[:-1]) if word.endswith("s") else None)
        if value is not None:
            out.append(Said(Decimal(value), token.start(), token.end()))
    if not lang.tag.startswith("en"):
        return out
    run: list[re.Match[str]] = []
    ends: list[re.Match[str] | None] = [*tokens, None]
    for tok in ends:
        word = tok[0].lower() if tok else ""
        if word == "and" and run and run[-1][0].lower() in MULTIPLIERS_EN:
            continue  # one hundred and sixty
        joined = tok is not None and (not run or re.fullmatch(
            r"[\s-]+(?:and\s+)?", text[run[-1].end():tok.start()]) is not None)
        if tok is not None and joined and (word in UNITS_EN or word in TENS_EN
                                             or word in MULTIPLIERS_EN):
            run.append(tok)
            continue
        if len(run) > 1:
            out.append(Said(Decimal(_english_value([t[0].lower() for t in run])),
                            run[0].start(), run[-1].end()))
        run = [tok] if tok is not None and (word in UNITS_EN or word in TENS_EN) else []
    return out


def _english_value(words: list[str]) -> int:
    total = current = 0
    for word in words:
        if word in UNITS_EN or word in TENS_EN:
            current += UNITS_EN.get(word, 0) + TENS_EN.get(word, 0)
        elif word == "hundred":
            current = (current or 1) * 100
        else:
            total += (current or 1) * MULTIPLIERS_EN[word]
            current = 0
    return total + current


def check_numbers(source: str, target: str, lang: str = "en") -> list[tuple[str, str]]:
    """(check, message) for each number of `source` that `target` does not say, and for
    each "more than" (余, 多) it drops."""
    target_lang = language(lang)
    said = target_numbers(target, target_lang)
    counts = Counter(s.value for s in said)
    lowered = target.lower()
    months = Counter({n: len(re.findall(rf"\b{re.escape(name.lower())}\b", lowered))
                      for n, name in enumerate(target_lang.months, 1)})
    mentions = source_mentions(source)
    needed: dict[Decimal, set[str]] = {}
    for mention in mentions:
        if mention.month is None:
            needed.setdefault(mention.value, set()).add(mention.key)
    out = []
    reported: set[Decimal] = set()
    for mention in mentions:
        if mention.value in reported:
            continue
        if mention.day is not None and mention.month is not None:  # “七一”: July 1
            missing = not (months[mention.month] and counts[mention.value])
        elif mention.month is not None:  # 3月: March, or 3
            missing = not (months[mention.month] or counts[mention.value])
        else:
            missing = counts[mention.value] < len(needed[mention.value])
        if missing:
            reported.add(mention.value)
            shown = f"{mention.value.normalize():f}"
            if re.sub(r"[余多,]", "", mention.written) != shown:  # 1.2万, 第七届; not 80余
                shown += f" ({mention.written})"
            out.append(("numbers", f"number {shown} is in the source but not in the "
                                   "translation"))
    more = MORE_THAN.get(target_lang.tag.split("-")[0])
    if more:
        before, after = re.compile(more[0], re.I), re.compile(more[1], re.I)
        for mention in mentions:
            if not mention.more_than or mention.value in reported:
                continue
            places = [s for s in said if s.value == mention.value]
            if places and not any(before.search(target[max(0, s.start - 24):s.start])
                                  or after.search(target[s.end:s.end + 10]) for s in places):
                reported.add(mention.value)
                out.append(("numbers.more-than",
                            f"{mention.written} means more than {mention.value.normalize():f}"
                            ": the translation gives the number without “more than”"))
    return out
