"""German: 30. Dezember 2021, „Anführungszeichen“ with ‚inneren‘, 1.600,5."""

from __future__ import annotations

from parabook.lang import Language, Quotes

CARDINALS = ("eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn",
             "elf", "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn",
             "achtzehn", "neunzehn")
ORDINALS = ("erst", "zweit", "dritt", "viert", "fünft", "sechst", "siebt", "acht", "neunt",
            "zehnt", "elft", "zwölft", "dreizehnt", "vierzehnt", "fünfzehnt", "sechzehnt",
            "siebzehnt", "achtzehnt", "neunzehnt")
"""Ordinal stems, declined with ENDINGS."""
TENS = ("zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig")
ENDINGS = ("e", "en", "er", "es", "em")
"""An ordinal is declined: der zweite Platz, am zweiten Tag, ein zweiter Preis."""
EXTRA = {2: ("beide", "beiden", "beides"), 12: ("dutzend",)}


def _ordinal(stem: str) -> tuple[str, ...]:
    return tuple(stem + ending for ending in ENDINGS)


def _times(cardinal: str) -> str:
    """einmal, zweimal: ein, not eins, before -mal."""
    return ("ein" if cardinal == "eins" else cardinal) + "mal"


LANGUAGE = Language(
    tag="de",
    pending_label="[Übersetzung ausstehend]",
    notes_label="Notizen",
    contents_label="Inhalt",
    plural_forms="nplurals=2; plural=(n != 1);",
    months=("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
            "Oktober", "November", "Dezember"),
    date_formats=("{year}", "{month} {year}", "{day}. {month} {year}"),
    # "ein" and "eine" are left out: as the article they would say 1 in every sentence.
    number_words={
        **{n: (c, _times(c), *_ordinal(o), *EXTRA.get(n, ()))
           for n, (c, o) in enumerate(zip(CARDINALS, ORDINALS, strict=True), 1)},
        **{10 * n: (t, *_ordinal(t + "st")) for n, t in enumerate(TENS, 2)},
        100: ("hundert", "einhundert", *_ordinal("hundertst"), *_ordinal("hundertjährig")),
        1000: ("tausend", "eintausend", *_ordinal("tausendst")),
    },
    # A German Billion is a million millions (an English trillion).
    scale_words={"million": 10**6, "millionen": 10**6, "mio": 10**6, "milliarde": 10**9,
                 "milliarden": 10**9, "mrd": 10**9, "billion": 10**12, "billionen": 10**12},
    thousands_separator=".",
    decimal_mark=",",
    quotes=Quotes(primary=("„", "“"), secondary=("‚", "‘")),
    hyphenation="de_DE",
    # pyphen reads LibreOffice's two-level German files as one, which adds false points
    # (Fort-s-chritt, Partei-a-r-beit: Kozea/Pyphen#24); a true part has two letters and
    # a vowel, so a point beside any other part is dropped.
    hyphenation_part=r"(?i)(?=.*[aeiouyäöü]).{2,}",
    font_family="Noto Serif",
    hyphenate_capitalised=True,  # every noun is capitalised
)
