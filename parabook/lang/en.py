"""English: 30 December 2021, “quotes” with ‘inner’ ones, 1,600.5."""

from __future__ import annotations

from parabook.lang import Language, Quotes

CARDINALS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
             "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
             "eighteen", "nineteen")
TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
            "sixteenth", "seventeenth", "eighteenth", "nineteenth")
EXTRA = {1: ("once",), 2: ("twice", "both"), 12: ("dozen",)}

LANGUAGE = Language(
    tag="en",
    pending_label="[translation pending]",
    plural_forms="nplurals=2; plural=(n != 1);",
    months=("January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December"),
    date_formats=("{year}", "{month} {year}", "{day} {month} {year}"),
    number_words={
        **{n: (c, o) + EXTRA.get(n, ())
           for n, (c, o) in enumerate(zip(CARDINALS, ORDINALS, strict=True), 1)},
        **{10 * n: (t, t[:-1] + "ieth") for n, t in enumerate(TENS, 2)},
        100: ("hundred", "hundredth", "centenary"),
        1000: ("thousand", "thousandth"),
    },
    scale_words={"million": 10**6, "millions": 10**6, "billion": 10**9, "billions": 10**9},
    thousands_separator=",",
    decimal_mark=".",
    quotes=Quotes(primary=("“", "”"), secondary=("‘", "’")),
    hyphenation="en_US",  # en-GB asks for en_GB (pyphen's "en")
    hyphenation_part=None,
    font_family="Noto Serif",
)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`1 paragraph`, `3 paragraphs`: for the messages, which are in English."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
