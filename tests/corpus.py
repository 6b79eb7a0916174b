"""A corpus of test books in different shapes, made from the sample and from text of
their own, each with a reviewed English PO file, for the line-setting rules to hold on
text they were not written for (issue 14):

- `corpus-long`: translations about twice as long as usual (parallel, A5);
- `corpus-photos`: many photos, full and half width, portrait and landscape;
- `corpus-a4-stacked`: A4 pages, the stacked layout;
- `corpus-mixed`: numbers, Latin words, units and quotes inside the Chinese;
- `corpus-names`: people's names with rare characters (𪚥 U+2A6A5, 𱍊 U+3134A).

`make_corpus(root)` writes them into a project made by `conftest.copy_project`.
"""

from __future__ import annotations

from pathlib import Path

import polib
from PIL import Image, ImageDraw

from parabook.project import Project
from parabook.service import update

SAMPLE = "chuzhou-2021"
BOOKS = ("corpus-long", "corpus-photos", "corpus-a4-stacked", "corpus-mixed", "corpus-names")

MIXED = [
    ("2021年，城北新区共开展“我为群众办实事”活动120余场，受益群众9000余人次，"
     "新增LED显示屏36块、5G基站12座，辖区GDP同比增长8.5%。",
     "In 2021, Chengbei New District held more than 120 “I Do Practical Things for the "
     "Masses” events, benefiting more than 9,000 residents; it added 36 LED screens and "
     "12 5G base stations, and the area’s GDP grew by 8.5% year on year."),
    ("社区引入WiFi全覆盖和APP预约服务，居民可通过“皖事通”办理医保、社保等34项业务，"
     "平均办理时间由3天缩短至1.5天。",
     "The community brought in full WiFi coverage and booking by app: through the "
     "“Wanshitong” app residents can handle 34 services such as medical and social "
     "insurance, and the average processing time fell from 3 days to 1.5 days."),
    ("“我们的目标是让每一位老人都能用好手机App。”志愿者小王说，今年已培训老年人"
     "1600余人次，开设课程48节，覆盖小区15个。",
     "“Our goal is for every elderly person to be able to use phone apps well,” said "
     "volunteer Xiao Wang. This year more than 1,600 elderly people were trained, with 48 "
     "lessons held in 15 residential communities."),
    ("在“十四五”规划开局之年，办事处投入资金2.3亿元，完成老旧小区改造17个、"
     "道路提升12.6公里，新建停车位800个。",
     "In the first year of the 14th Five-Year Plan, the office invested 230 million yuan, "
     "renovated 17 old residential compounds, upgraded 12.6 kilometres of road and built "
     "800 new parking spaces."),
]
NAMES = [
    ("社区网格员王𪚥同志扎根基层十余年，走访困难家庭300余户，被评为“最美网格员”。",
     "Community grid worker Wang Zhe has served at the grassroots for more than ten years, "
     "visiting more than 300 families in difficulty, and was named “Most Admired Grid "
     "Worker”."),
    ("退役军人李𱍊主动报名参加疫情防控志愿服务，连续值守卡口42天，"
     "用行动诠释了“退伍不褪色”的誓言。",
     "Veteran Li Biang volunteered for epidemic prevention and control, staffing a "
     "checkpoint for 42 days in a row, and lived up to the pledge that “a soldier’s "
     "colours never fade after leaving the army”."),
    ("张𪚥、赵𱍊等12名同志获评“优秀共产党员”，他们的事迹在辖区广为传颂。",
     "Twelve comrades, among them Zhang Zhe and Zhao Biang, were named “Outstanding "
     "Communist Party Members”, and their deeds are widely told across the district."),
]


def _sample(root: Path) -> tuple[list[str], dict[str, str]]:
    """The sample's blocks (Markdown) and its translations {Chinese: English}."""
    blocks = (root / "book" / SAMPLE / "source.zh.md").read_text(encoding="utf-8").split("\n\n")
    catalog = polib.pofile(str(root / "translations" / f"{SAMPLE}.en.po"))
    return [b.strip() for b in blocks if b.strip()], {e.msgid: e.msgstr for e in catalog}


def _photo(path: Path, size: tuple[int, int], shade: int) -> None:
    image = Image.new("RGB", size, (40 + shade % 180, 90, 160 - shade % 120))
    draw = ImageDraw.Draw(image)
    for step in range(0, size[0], 60):
        draw.line([(step, 0), (size[0] - step, size[1])], fill=(200, 200 - shade % 150, 80),
                  width=9)
    image.save(path, quality=85)


def _write_book(root: Path, slug: str, meta: dict[str, str], blocks: list[str],
                english: dict[str, str]) -> None:
    folder = root / "book" / slug
    (folder / "photos").mkdir(parents=True, exist_ok=True)
    lines = [f"{key}: {value}" for key, value in meta.items()]
    (folder / "book.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "source.zh.md").write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    update(Project(root), slug, "en")
    po_path = root / "translations" / f"{slug}.en.po"
    catalog = polib.pofile(str(po_path))
    for entry in catalog:
        entry.msgstr = english[entry.msgid]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalog.save(str(po_path))


def make_corpus(root: Path) -> tuple[str, ...]:
    """Write the corpus's books into the project at `root`; return their slugs."""
    blocks, english = _sample(root)
    paragraphs = [b for b in blocks if not b.startswith(("## ", "!["))]
    headings = [b for b in blocks if b.startswith("## ")]
    english.update({"滁州经开区城北新区办事处": "Chengbei New District Office, Chuzhou "
                    "Economic and Technological Development Zone", "安徽省滁州市":
                    "Chuzhou, Anhui Province"})
    base = {"title": "躬身力行守初心 真抓实干促发展", "byline": "刘金鑫", "date": "'2021'",
            "target_langs": "[en]"}

    # Long translations: each English text followed by a paraphrase of itself.
    long = dict(english)
    for chinese in paragraphs[:9]:
        long[chinese] = (english[chinese] + " In other words, and to put it at greater "
                         "length for readers abroad: " + english[chinese])
    _write_book(root, "corpus-long", base, [*paragraphs[:3], headings[0], *paragraphs[3:9]],
                long)

    # Many photos: full and half width, landscape and portrait.
    photo_blocks = []
    photos = _mkdir(root / "book" / "corpus-photos" / "photos")
    for number in range(1, 13):
        size = (1800, 1200) if number % 3 else (1000, 1500)
        _photo(photos / f"{number:02d}.jpg", size, number * 37)
        option = ' "half"' if number in (3, 4, 9, 10) else ""
        caption = f"城北新区活动剪影之{number}"
        english[caption] = f"Scenes from activities in Chengbei New District, no. {number}"
        photo_blocks.append(f"![{caption}](photos/{number:02d}.jpg{option})")
    body = []
    for index, chinese in enumerate(paragraphs[9:15]):
        body += [chinese, *photo_blocks[2 * index:2 * index + 2]]
    _write_book(root, "corpus-photos", base, [headings[1], *body], english)

    # A4, stacked.
    _write_book(root, "corpus-a4-stacked", {**base, "page_size": "A4", "layout": "stacked"},
                [*paragraphs[:4], headings[0], *paragraphs[4:8], headings[2],
                 *paragraphs[15:19]], english)

    # Numbers, Latin and quotes inside the Chinese.
    mixed = dict(english)
    heading = "## 数字赋能 “5G+社区”提速"
    mixed[heading[3:]] = "Digital Empowerment: “5G + Community” Picks Up Speed"
    mixed.update(MIXED)
    _write_book(root, "corpus-mixed", {**base, "subtitle": "——2021年GDP增长8.5%的背后"},
                [MIXED[0][0], heading, *(c for c, _ in MIXED[1:]), paragraphs[20]],
                {**mixed, "——2021年GDP增长8.5%的背后": "Behind the 8.5% GDP Growth of 2021"})

    # Rare characters in names: the byline, a heading and the text.
    names = dict(english)
    names.update(NAMES)
    names["王𪚥 李𱍊"] = "Wang Zhe and Li Biang"
    names["表彰先进 王𪚥李𱍊等受表扬"] = "Honouring Models: Wang Zhe, Li Biang and Others Commended"
    _write_book(root, "corpus-names", {**base, "byline": "王𪚥 李𱍊"},
                [NAMES[0][0], "## 表彰先进 王𪚥李𱍊等受表扬", NAMES[1][0], NAMES[2][0],
                 paragraphs[21]], names)
    return BOOKS


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
