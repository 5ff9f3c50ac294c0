"""`when:` conditions in words, as the blank answers file shows them to an inspector."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import load_rules
from engine.blank import blank_answers
from engine.conditions import condition_in_words
from helpers import RULES

CHECKLIST = """\
id: fumes
title: 餐饮油烟检查表
version: "1"
site_types:
  restaurant: 餐饮单位
  canteen: 单位食堂
basis: [air_law_art18_standards]
site_facts:
  - id: residential
    question: 是否位于居民楼内
    kind: yes_no
params:
  min_rate:
    value: 60
    unit: "%"
sections:
  - id: purifier
    title: 油烟净化
    items:
      - id: purifier_installed
        question: 是否安装油烟净化器
        kind: yes_no
        finding: 未安装
        rectification: 安装
      - id: purifier_kind
        question: 净化器类型
        kind: choice
        options: {electrostatic: 静电式, filter: 滤网式}
      - id: stoves
        question: 灶头数
        kind: count
        unit: 个
      - id: rate
        question: 净化效率
        kind: percentage
      - id: measures
        question: 其他措施
        kind: multi_choice
        options: {hood: 集气罩, pipe: 专用烟道}
      - id: cleaned_on
        question: 最近一次清洗日期
        kind: date
      - id: target
        question: 目标项
        kind: text
        required: false
"""


@pytest.fixture(scope="module")
def checklist(tmp_path_factory: pytest.TempPathFactory):
    folder: Path = tmp_path_factory.mktemp("rules")
    (folder / "_legal.yaml").write_bytes((RULES / "_legal.yaml").read_bytes())
    (folder / "fumes.yaml").write_text(CHECKLIST, encoding="utf-8")
    return load_rules(folder).checklists["fumes"]


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("purifier_installed", "第 1.1 项“是否安装油烟净化器”为“是”"),
        ("purifier_installed == true", "第 1.1 项“是否安装油烟净化器”为“是”"),
        ("purifier_installed != true", "第 1.1 项“是否安装油烟净化器”为“否”"),
        ("false == purifier_installed", "第 1.1 项“是否安装油烟净化器”为“否”"),
        ("not purifier_installed", "第 1.1 项“是否安装油烟净化器”为“否”"),
        ('purifier_kind == "filter"', "第 1.2 项“净化器类型”为“滤网式”"),
        ('purifier_kind != "filter"', "第 1.2 项“净化器类型”不为“滤网式”"),
        ("stoves > 2", "第 1.3 项“灶头数”大于 2 个"),
        ("stoves >= 2", "第 1.3 项“灶头数”不小于 2 个"),
        ("stoves < 2", "第 1.3 项“灶头数”小于 2 个"),
        ("2 >= stoves", "第 1.3 项“灶头数”不大于 2 个"),
        ("1 <= stoves <= 4", "第 1.3 项“灶头数”不小于 1 个，且第 1.3 项“灶头数”不大于 4 个"),
        ("rate < params.min_rate", "第 1.4 项“净化效率”小于参数 min_rate（60 %）"),
        ("stoves * 2 > 3", "第 1.3 项“灶头数”乘以2大于 3"),
        ("stoves + 1 - 1 / 2 > 3", "（第 1.3 项“灶头数”加1）减（1除以2）大于 3"),
        ('site.type in ["restaurant", "canteen"]', "单位类型为“餐饮单位”或“单位食堂”"),
        ('site.type not in ["canteen"]', "单位类型不为“单位食堂”"),
        ('"pipe" in measures', "第 1.5 项“其他措施”选了“专用烟道”"),
        ('"pipe" not in measures', "第 1.5 项“其他措施”没有选“专用烟道”"),
        ("len(measures) >= 2", "第 1.5 项“其他措施”的项数不小于 2"),
        ("site.residential and stoves > 0", "单位情况“是否位于居民楼内”为“是”，且第 1.3 项“灶头数”大于 0 个"),
        ("site.residential or (purifier_installed and stoves > 0)", "单位情况“是否位于居民楼内”为“是”，或（第 1.1 项“是否安装油烟净化器”为“是”，且第 1.3 项“灶头数”大于 0 个）"),
        ('in_force("eco_code")', "《中华人民共和国生态环境法典》已施行"),
        ('not in_force("eco_code")', "《中华人民共和国生态环境法典》尚未施行"),
        ('not in_force("air_law_2018")', "《中华人民共和国大气污染防治法》已失效"),
        ('cleaned_on >= date("2024-10-01")', "第 1.6 项“最近一次清洗日期”不小于 2024年10月1日"),
        ("days_between(cleaned_on, inspection.date) > 90", "从第 1.6 项“最近一次清洗日期”到检查日期的天数大于 90"),
        ("abs(stoves - 2) > 1", "第 1.3 项“灶头数”减2的绝对值大于 1"),
        ("min(stoves, 3) > 1", "第 1.3 项“灶头数”、3中较小的大于 1"),
        ('site.residential if in_force("eco_code") else purifier_installed', "《中华人民共和国生态环境法典》已施行时，单位情况“是否位于居民楼内”为“是”；否则，第 1.1 项“是否安装油烟净化器”为“是”"),
        ('site.village == "东关村"', "所属村或社区为“东关村”"),
    ],
)
def test_condition__every_operator__in_the_checklist_words(checklist, source: str, words: str) -> None:
    """Should say a condition with the items' numbers and questions, options' labels and laws' titles."""
    assert condition_in_words(source, checklist) == words


@pytest.mark.parametrize("source", ["-stoves > 1", 'in_force("no_such_law")', "1 > 2"])
def test_condition__without_words__none(checklist, source: str) -> None:
    """Should give up on the whole condition, not half-translate it, when a part has no words."""
    assert condition_in_words(source, checklist) is None


def test_blank_answers__conditions_in_words_else_as_written(checklist) -> None:
    """Should print an item's condition in words, and fall back to the expression as written."""
    import dataclasses

    text = blank_answers(checklist)
    assert "适用条件：" not in text  # no item of this checklist has a when
    stoves = checklist.item("stoves")
    sections = checklist.sections
    from engine.expressions import compile_expression

    def with_when(source: str):
        item = dataclasses.replace(stoves, when=compile_expression(source, _scope()))
        section = dataclasses.replace(sections[0], items=tuple(item if i.id == "stoves" else i for i in sections[0].items))
        return dataclasses.replace(checklist, sections=(section,))

    assert "#     适用条件：第 1.1 项“是否安装油烟净化器”为“是”时（否则不适用，可删除本项）" in blank_answers(with_when("purifier_installed == true"))
    assert "#     适用条件：-rate < -10（不适用时可删除本项）" in blank_answers(with_when("-rate < -10"))


def _scope():
    from engine.expressions import Scope, Type

    return Scope({"purifier_installed": Type.BOOL, "rate": Type.NUMBER})


def test_blank_answers__bundled__no_raw_condition_left() -> None:
    """Should put every condition of the bundled checklists in words."""
    rules = load_rules(RULES)
    for checklist in rules.checklists.values():
        for item in checklist.items:
            if item.when is not None:
                assert condition_in_words(item.when.source, checklist) is not None, item.when.source
        assert "== true" not in blank_answers(checklist) and "site." not in blank_answers(checklist).split("answers:")[1]
