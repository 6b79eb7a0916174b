"""Numbers QA both ways: each correct conversion is quiet, each wrong number is caught."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parabook.catalog.numbers import check_numbers, parse_chinese, source_mentions

pytestmark = pytest.mark.unit

CORRECT = [
    # 万 and 亿 scale the number before them
    ("投资12.5亿元", "1.25 billion yuan"),
    ("投资12.5亿元", "1,250 million yuan"),
    ("受益1.2万人", "12,000 people"),
    ("受益1.2万人", "12 thousand people"),
    ("新增就业3万人", "30,000 new jobs"),
    ("总投资200万元", "2 million yuan"),
    ("营收3亿元", "300 million yuan"),
    ("营收3亿元", "0.3 billion yuan"),
    ("GDP达1.5万亿元", "GDP reached 1.5 trillion yuan"),
    ("面积3千亩", "3,000 mu"),
    # percentages
    ("增长15%", "growth of 15%"),
    ("增长15%", "up 15 percent"),
    ("增长百分之十五", "up 15 percent"),
    ("增长百分之三点五", "up 3.5 percent"),
    # 余 and 多: more than
    ("志愿者160余名", "more than 160 volunteers"),
    ("收集问题80余件", "over 80 problems"),
    ("受益1.2万余人", "more than 12,000 people"),
    ("受益9000余人次", "9,000-plus beneficiaries"),
    ("开展十多场活动", "more than ten events"),
    # Chinese numerals
    ("落实三项制度", "three systems"),
    ("做到“两个维护”", "the Two Upholds"),
    ("分4个调研组", "four survey teams"),
    ("一百六十名志愿者", "one hundred and sixty volunteers"),
    ("二十五个村", "twenty-five villages"),
    ("上面千条线", "a thousand threads above"),
    ("庆祝党的百年华诞", "the Party's centenary"),
    ("“两个一百年”", "the Two Centenary Goals"),
    ("一名同志", "an official"),  # a lone 一 is "a"
    ("千家万户", "every household"),  # a set phrase, not a number
    ("十分重要", "very important"),
    ("周五一小时", "an hour on Friday"),
    # years, months, dates
    ("2021年3月", "March 2021"),
    ("二〇二一年", "in 2021"),
    ("三月", "in March"),
    ("3月15日", "on March 15"),
    ("3月15日", "on 15 March"),
    ("‘七一’重要讲话", "the important speech of July 1"),
    # ordinals
    ("第七届道德模范", "the seventh Moral Models"),
    ("第七届道德模范", "the 7th Moral Models"),
    ("勇夺第二名", "won second place"),
    ("四个第一", "the Four Firsts"),
    # 千万, 百万: scales multiply; 千米 is a unit
    ("投资3千万元", "30 million yuan"),
    ("投资一百万元", "one million yuan"),
    ("全长5千米", "5 km long"),
    # approximations are not figures
    ("几十个村", "dozens of villages"),
    ("一两个问题", "one or two problems"),
    ("十几名志愿者", "a dozen or so volunteers"),
    ("上千人参加", "thousands took part"),
    ("“十四五”规划", "the 14th Five-Year Plan"),
    ("第十四个五年规划", "the 14th Five-Year Plan"),
    ("检查两次", "checked twice"),
    # a fact said twice is said once
    ("“光荣在党50年”纪念章颁发，63枚“光荣在党50年”纪念章",
     "the “Glorious 50 Years” medals: all 63 presented"),
    ("3个组织、6名同志", "three organizations and six individuals"),
]

WRONG = [
    ("投资12.5亿元", "12.5 billion yuan"),
    ("投资12.5亿元", "125 million yuan"),
    ("受益1.2万人", "1,200 people"),
    ("新增就业3万人", "3,000 new jobs"),
    ("营收3亿元", "3 billion yuan"),
    ("增长15%", "growth of 5%"),
    ("增长百分之十五", "up 50 percent"),
    ("分4个调研组", "five survey teams"),
    ("落实三项制度", "two systems"),
    ("一百六十名志愿者", "one hundred volunteers"),
    ("二十五个村", "twenty villages"),
    ("2021年3月", "May 2021"),
    ("2021年3月", "March 2020"),
    ("二〇二一年", "in 2012"),
    ("‘七一’重要讲话", "the important speech of June 1"),
    ("第七届道德模范", "the sixth Moral Models"),
    ("勇夺第二名", "won third place"),
    ("3个组织、3名同志", "3 organizations and some people"),
    ("3月15日", "on March 16"),
    ("投资3千万元", "3 million yuan"),
    ("第十四个五年规划", "the 13th Five-Year Plan"),
    ("投资一百万元", "one hundred yuan"),
]

MORE_THAN_DROPPED = [
    ("志愿者160余名", "160 volunteers"),
    ("收集问题80多件", "80 problems were collected"),
    ("受益1.2万余人", "12,000 people benefited"),
]


@pytest.mark.parametrize(("source", "target"), CORRECT)
def test_a_correct_conversion_is_quiet(source, target):
    assert check_numbers(source, target) == []


@pytest.mark.parametrize(("source", "target"), WRONG)
def test_a_wrong_number_is_caught(source, target):
    assert [check for check, _ in check_numbers(source, target)] == ["numbers"]


@pytest.mark.parametrize(("source", "target"), MORE_THAN_DROPPED)
def test_a_dropped_more_than_is_caught(source, target):
    assert [check for check, _ in check_numbers(source, target)] == ["numbers.more-than"]


def test_the_table_is_large_enough():
    assert len(CORRECT) >= 30 and len(WRONG) + len(MORE_THAN_DROPPED) >= 15


@pytest.mark.parametrize(("text", "value"), [
    ("二〇二一", 2021), ("一百六十", 160), ("十五", 15), ("两万", 20000), ("三点五", "3.5"),
    ("十二亿", 1200000000), ("一千零五", 1005), ("两", 2), ("十", 10),
])
def test_chinese_numerals(text, value):
    assert parse_chinese(text) == Decimal(value)


def test_the_message_names_the_number_as_the_source_writes_it():
    [(_, message)] = check_numbers("第七届", "the sixth")
    assert message == "number 7 (第七届) is in the source but not in the translation"
    [(_, message)] = check_numbers("受益80余人", "80 people")
    assert "80余 means more than 80" in message


def test_german_groups_digits_its_own_way():
    assert check_numbers("受益1,600余人", "mehr als 1.600 Menschen", "de") == []
    assert [c for c, _ in check_numbers("受益1,600余人", "1.060 Menschen", "de")] == ["numbers"]


def test_the_article_that_cried_wolf_is_quiet():
    """A short article of the kind delegations get: nine correct conversions that the
    old check reported."""
    source = ("2021年，园区完成固定资产投资12.5亿元，同比增长15%，新增就业1.2万人，"
              "引进项目三项，其中两个项目投资超3万元，服务企业160余家，"
              "第七届招商大会于3月15日举行，百分之八十的企业参与。")
    target = ("In 2021 the park completed fixed-asset investment of 1.25 billion yuan, up "
              "15 percent year on year, and created 12,000 new jobs. It brought in three "
              "projects, two of which invested more than 30,000 yuan, and served more than "
              "160 companies. The seventh investment conference was held on March 15, with "
              "80 percent of companies taking part.")
    assert check_numbers(source, target) == []
    assert [v for m in source_mentions(source) for v in [m.value]].count(Decimal(2)) == 1
