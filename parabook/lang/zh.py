"""Chinese, the source language: 2021年12月30日, full-width punctuation, 200万."""

from __future__ import annotations

from parabook.lang import Language, Quotes

FULL_WIDTH = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
"""Half-width marks and the full-width forms Chinese text writes instead."""

LANGUAGE = Language(
    tag="zh",
    pending_label="[译文待补]",
    notes_label="笔记",
    contents_label="目录",
    plural_forms="nplurals=1; plural=0;",
    months=tuple(f"{n}月" for n in range(1, 13)),
    date_formats=("{year}年", "{year}年{month}", "{year}年{month}{day}日"),
    number_words={},
    scale_words={"万": 10**4, "亿": 10**8},
    thousands_separator=",",
    decimal_mark=".",
    quotes=Quotes(primary=("“", "”"), secondary=("‘", "’")),
    hyphenation=None,
    hyphenation_part=None,
    font_family="Noto Serif CJK SC",
)
