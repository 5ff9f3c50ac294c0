"""Scoring: which items apply, pass or fail, points, veto, pass mark, findings and citations."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest

from engine import InputError, check, load_rules
from helpers import RULES, dedent, dust_answers


def status_of(result, item_id: str) -> str:
    return next(item.status for item in result.items if item.item_id == item_id)


def test_score__all_pass__compliant_full_marks(rules) -> None:
    result = check(dust_answers(), rules, name="a.yaml")
    assert result.verdict == "compliant"
    assert (result.score, result.max_score, result.percent) == (125, 125, 100.0)
    assert result.findings == ()


def test_score__not_applicable_items__left_out_of_the_maximum(rules) -> None:
    """Should leave items that do not apply, or are answered 不适用, out of the maximum."""
    result = check(dust_answers({"wet_earthwork": "不适用"}), rules, name="a.yaml")
    assert status_of(result, "wet_earthwork") == "not_applicable"
    assert status_of(result, "wet_demolition") == "not_applicable"  # construction site, when: is false
    assert status_of(result, "idle_land_covered") == "not_applicable"
    assert result.max_score == 115


def test_score__when_over_site_type__demolition_item_applies(rules) -> None:
    result = check(dust_answers({"wet_demolition": "否"}, site_type="demolition"), rules, name="a.yaml")
    assert status_of(result, "wet_demolition") == "fail"
    assert result.verdict == "non_compliant"
    assert result.veto_failed == ("wet_demolition",)


def test_score__when_over_other_answer__wash_in_use_follows_wash_facility(rules) -> None:
    """Should not ask whether washing works where there is no washing facility."""
    result = check(dust_answers({"wash_facility": "无", "wash_in_use": None}), rules, name="a.yaml")
    assert status_of(result, "wash_in_use") == "not_applicable"
    assert status_of(result, "wash_facility") == "fail"


def test_score__veto_failure__non_compliant_whatever_the_score(rules) -> None:
    result = check(dust_answers({"wash_facility": "否", "wash_in_use": None}), rules, name="a.yaml")
    assert result.percent is not None and result.percent >= 85
    assert result.verdict == "non_compliant"
    assert result.veto_failed == ("wash_facility",)


def test_score__deduction_per_occurrence__capped_at_points(rules) -> None:
    """Should deduct 5 a place for 1 place, and stop at the item's 10 points for 3."""
    one = check(dust_answers({"stockpile_covered": "{value: 否, count: 1}"}), rules, name="a.yaml")
    three = check(dust_answers({"stockpile_covered": "{value: 否, count: 3}"}), rules, name="a.yaml")
    lost = lambda r: next(i.lost for i in r.items if i.item_id == "stockpile_covered")  # noqa: E731
    assert (lost(one), lost(three)) == (5, 10)
    assert one.score == 120 and three.score == 115


def test_score__below_pass_mark__non_compliant(rules) -> None:
    """Should fail a site under 85 % even without a veto failure."""
    result = check(
        dust_answers({"hoarding_height": "1.0", "bare_soil_cover_rate": "50", "paving_main": "否"}),
        rules,
        name="a.yaml",
    )
    assert result.veto_failed == ()
    assert result.score == 100 and result.percent == 80.0  # paving_main: one place, 5 of its 10
    assert result.verdict == "non_compliant"


def test_score__minor_findings_above_pass_mark__compliant_with_findings(rules) -> None:
    result = check(dust_answers({"notice_board": "否"}), rules, name="a.yaml")
    assert result.verdict == "compliant"
    assert [f.item_id for f in result.findings] == ["notice_board"]


def test_score__blank_answer__incomplete(rules) -> None:
    """Should call an inspection with a blank required answer incomplete, and score the rest."""
    result = check(dust_answers({"paving_clean": ""}), rules, name="a.yaml")
    assert result.verdict == "incomplete"
    assert status_of(result, "paving_clean") == "unanswered"
    assert result.max_score == 120


def test_score__when_reads_blank_answer__unanswered_with_reason(rules) -> None:
    result = check(dust_answers({"wash_facility": "", "wash_in_use": None}), rules, name="a.yaml")
    item = next(i for i in result.items if i.item_id == "wash_in_use")
    assert item.status == "unanswered" and "wash_facility" in item.reason
    assert result.verdict == "incomplete"


def test_score__threshold_by_site_fact__key_area_needs_2_5_m(rules) -> None:
    """Should require 2.5 m in a key area and 1.8 m elsewhere, and say so in the finding."""
    key_area = check(dust_answers({"hoarding_height": "2.0"}, key_area="是"), rules, name="a.yaml")
    elsewhere = check(dust_answers({"hoarding_height": "2.0"}, key_area="否"), rules, name="a.yaml")
    assert status_of(key_area, "hoarding_height") == "fail"
    assert status_of(elsewhere, "hoarding_height") == "pass"
    finding = key_area.findings[0]
    assert finding.text == "围挡高度 2 米，低于要求的 2.5 米"
    assert finding.reason == "围挡高度 2 米，低于要求的 2.5 米（《中华人民共和国大气污染防治法》第六十九条）"
    assert finding.rectification == "将围挡加高至不低于 2.5 米"


def test_score__finding__deadline_citation_and_penalty(rules) -> None:
    result = check(dust_answers({"muck_trucks_sealed": "{value: 否, count: 2, note: 两辆渣土车未覆盖}"}), rules, name="a.yaml")
    (finding,) = result.findings
    assert finding.text == "发现 2 辆运输散装物料的车辆未密闭或未严密覆盖"
    assert finding.deadline == dt.date(2024, 11, 6) and finding.deadline_days == 1
    (citation,) = finding.citations
    assert citation.text == "《中华人民共和国大气污染防治法》第七十条"
    assert citation.penalty.startswith("《中华人民共和国大气污染防治法》第一百一十六条：")
    assert (citation.penalty_min_yuan, citation.penalty_max_yuan) == (2000, 20000)
    assert finding.note == "两辆渣土车未覆盖"


def test_score__date_item__days_between_inspection(rules) -> None:
    """Should fail a log last written four days before, and also one dated after the inspection."""
    before = check(dust_answers({"wash_log_date": "2024/11/1"}), rules, name="a.yaml")
    after = check(dust_answers({"wash_log_date": "2024-11-09"}), rules, name="a.yaml")
    assert before.findings[0].text.startswith("车辆冲洗、洒水降尘记录最近一次为 2024年11月1日，未按日记录至检查当日或前一日")
    assert [f.item_id for f in after.findings] == ["wash_log_date"]
    assert check(dust_answers({"wash_log_date": "2024-11-04"}), rules, name="a.yaml").findings == ()


def test_score__what_inspectors_type__accepted(rules) -> None:
    """Should accept 有/无, yes/no, true/false, ８５％ and units typed after numbers."""
    result = check(
        dust_answers({"hoarding_closed": "yes", "hoarding_base": "true", "stockpile_covered": "有", "bare_soil_cover_rate": "１００％", "hoarding_height": "2.6米"}),
        rules,
        name="a.yaml",
    )
    assert result.verdict == "compliant"


def test_score__citation_follows_inspection_date__law_changed_2026(rules) -> None:
    """Should cite the 2018 air law up to 2026-08-14 and the Code from 2026-08-15, by the day of the act."""
    result = check(dust_answers({"hoarding_height": "1.0"}, date="2026-08-15"), rules, name="a.yaml")
    assert result.findings[0].citations[0].text == "《中华人民共和国生态环境法典》第二百四十条第三款"
    result = check(dust_answers({"hoarding_height": "1.0"}, date="2026-08-14"), rules, name="a.yaml")
    assert result.findings[0].citations[0].text == "《中华人民共和国大气污染防治法》第六十九条"


def test_score__passing_site_after_2026__needs_no_citation(rules) -> None:
    assert check(dust_answers(date="2026-11-20"), rules, name="a.yaml").verdict == "compliant"


def test_score__provision_corrected__cited_after_its_date(rules_copy: Path) -> None:
    """Should cite whichever provision is in force, so that an editor can enter the next change of the law."""
    legal = rules_copy / "_legal.yaml"
    text = legal.read_text(encoding="utf-8")
    addition = (
        "        effective_to: 2027-12-31\n"
        "      - law: eco_code\n        article: 999\n        effective_from: 2028-01-01\n        status: verified_secondary\n\n  construction_waste_clearing:"
    )
    # The Code's provision of air_law_art69 is the last entry before the next reference.
    text = text.replace("          max_yuan: 100000\n\n  construction_waste_clearing:", "          max_yuan: 100000\n" + addition, 1)
    legal.write_text(text, encoding="utf-8")
    rules = load_rules(rules_copy)
    result = check(dust_answers({"hoarding_height": "1.0"}, date="2028-01-01"), rules, name="a.yaml")
    assert result.findings[0].citations[0].text == "《中华人民共和国生态环境法典》第九百九十九条"
    result = check(dust_answers({"hoarding_height": "1.0"}, date="2027-12-31"), rules, name="a.yaml")
    assert result.findings[0].citations[0].text == "《中华人民共和国生态环境法典》第二百四十条第三款"


def test_result__names_versions_and_hashes(rules) -> None:
    """Should name the checklist version and the SHA-256 of the rule, legal and answers files."""
    import hashlib

    raw = dust_answers()
    result = check(raw, rules, name="a.yaml")
    assert result.checklist_version == "2026.1"
    assert result.answers_sha256 == hashlib.sha256(raw).hexdigest()
    assert result.rules_sha256 == hashlib.sha256((RULES / "dust_six_100pct.yaml").read_bytes()).hexdigest()
    assert result.legal_sha256 == hashlib.sha256((RULES / "_legal.yaml").read_bytes()).hexdigest()


def test_score__json_answers__same_result_as_yaml(rules) -> None:
    import json

    import yaml

    data = yaml.safe_load(dust_answers({"hoarding_height": "1.5"}).decode())
    data["inspection"]["date"] = "2024-11-05"
    data["answers"]["wash_log_date"] = "2024-11-05"
    as_json = json.dumps(data, ensure_ascii=False).encode()
    from_json = check(as_json, rules, name="a.json")
    from_yaml = check(dust_answers({"hoarding_height": "1.5"}), rules, name="a.yaml")
    assert from_json.verdict == from_yaml.verdict == "compliant"
    assert [f.reason for f in from_json.findings] == [f.reason for f in from_yaml.findings]


def test_score__new_checklist_dropped_in__works_without_code(rules_copy: Path) -> None:
    """Should score against a checklist that only exists as a new file in rules/."""
    (rules_copy / "straw_mini.yaml").write_text(
        dedent(
            """
            id: straw_mini
            title: 秸秆禁烧巡查（简表）
            version: "1"
            site_types: {village: 行政村}
            basis: [air_law_art69]
            pass_mark: 60
            sections:
              - id: patrol
                title: 巡查
                items:
                  - id: fire_points
                    question: 卫星和无人机巡查发现的火点数
                    kind: count
                    severity: veto
                    points: 10
                    pass: value == 0
                    finding: 发现火点 {value} 个
                    rectification: 立即扑灭并追责
            """
        ),
        encoding="utf-8",
    )
    rules = load_rules(rules_copy)
    answers = dedent(
        """
        checklist: straw_mini
        site: {name: XX村, type: 行政村}
        inspection: {date: 2024-11-01, inspectors: [张三, 李四]}
        answers: {fire_points: 2}
        """
    ).encode()
    result = check(answers, rules, name="straw.yaml")
    assert result.verdict == "non_compliant" and result.findings[0].text == "发现火点 2 个"
    shutil.rmtree(rules_copy)


MINI = """\
id: mini
title: 简表
version: "1"
site_types: {village: 行政村}
basis: [air_law_art69]
pass_mark: 85
site_facts:
  - {id: windy, question: 是否大风, kind: yes_no, required: false}
sections:
  - id: s
    title: 节
    items:
"""


def mini_rules(tmp_path: Path, items: str):
    folder = tmp_path / "mini_rules"
    folder.mkdir()
    shutil.copy(RULES / "_legal.yaml", folder)
    (folder / "mini.yaml").write_text(MINI + items, encoding="utf-8")
    return load_rules(folder)


def mini_answers(answers: str, site: str = "") -> bytes:
    head = "checklist: mini\nsite: {name: XX村, type: village" + site + "}\ninspection: {date: 2024-11-01, inspectors: [甲, 乙]}\nanswers:\n"
    return (head + answers).encode("utf-8")


ITEM = """\
      - id: {id}
        question: 题
        kind: {kind}
        points: {points}
        pass: {passing}
        finding: 不合格 {{value}}
        rectification: 整改
"""


def test_score__everything_not_applicable__incomplete_not_compliant(rules) -> None:
    """Should not call a site compliant when nothing was judged."""
    na = {key: "不适用" for key in ("hoarding_base", "stockpile_covered", "muck_covered", "bare_soil_cover_rate", "wash_in_use", "wash_log_date", "paving_main", "paving_clean", "wet_earthwork", "muck_trucks_sealed")}
    assert check(dust_answers(na), rules, name="a.yaml").verdict == "compliant"  # the required-to-check items still were
    tiny = ITEM.format(id="a", kind="yes_no", points=10, passing="value == true")
    assert check(mini_answers("  a: 不适用\n"), mini_rules(Path(tempfile.mkdtemp()), tiny), name="m.yaml").verdict == "incomplete"


def test_score__not_applicable_refused_where_rules_forbid(rules) -> None:
    with pytest.raises(InputError) as exc:
        check(dust_answers({"hoarding_closed": "不适用"}), rules, name="a.yaml")
    (problem,) = exc.value.problems
    assert (problem.code.name, problem.location.line, problem.location.item) == ("ANSWER_010", 14, "hoarding_closed")


def test_score__answer_to_item_that_does_not_apply__warned(rules) -> None:
    result = check(dust_answers({"wet_demolition": "否"}), rules, name="a.yaml")
    assert result.verdict == "compliant"
    (warning,) = result.warnings
    assert (warning.code.name, warning.location.item) == ("ANSWER_011", "wet_demolition")


def test_score__failure_in_zero_places__refused(rules) -> None:
    with pytest.raises(InputError) as exc:
        check(dust_answers({"stockpile_covered": "{value: 否, count: 0}"}), rules, name="a.yaml")
    (problem,) = exc.value.problems
    assert (problem.code.name, problem.location.line, problem.location.column) == ("ANSWER_003", 17, 40)


def test_score__pass_mark__compared_before_rounding(tmp_path: Path) -> None:
    """Should fail 84.96 % against a pass mark of 85, though it prints as 85.0."""
    items = ITEM.format(id="a", kind="number", points=212.4, passing="value > 0") + ITEM.format(id="b", kind="number", points=37.6, passing="value > 0")
    result = check(mini_answers("  a: 1\n  b: 0\n"), mini_rules(tmp_path, items), name="m.yaml")
    assert result.percent == 85.0 and result.verdict == "non_compliant"


def test_score__division_by_zero__unanswered_with_reason(tmp_path: Path) -> None:
    items = ITEM.format(id="base", kind="number", points=0, passing="value >= 0") + ITEM.format(id="share", kind="number", points=10, passing="value / base >= 0.5")
    result = check(mini_answers("  base: 0\n  share: 3\n"), mini_rules(tmp_path, items), name="m.yaml")
    share = next(i for i in result.items if i.item_id == "share")
    assert share.status == "unanswered" and "除以零" in share.reason and result.verdict == "incomplete"


def test_score__blank_site_fact_in_when__unanswered_not_skipped(tmp_path: Path) -> None:
    items = ITEM.format(id="a", kind="yes_no", points=10, passing="value == true") + "        when: site.windy\n        severity: veto\n"
    result = check(mini_answers("  a: 否\n", site=", windy: "), mini_rules(tmp_path, items), name="m.yaml")
    (item,) = result.items
    assert item.status == "unanswered" and "site.windy" in item.reason and result.verdict == "incomplete"


def test_score__expression_in_finding_text(tmp_path: Path) -> None:
    items = ITEM.format(id="a", kind="date", points=10, passing="days_between(value, inspection.date) <= 365").replace("不合格 {value}", "报告已过期 {days_between(value, inspection.date) - 365} 天")
    result = check(mini_answers("  a: 2023-10-01\n"), mini_rules(tmp_path, items), name="m.yaml")
    assert result.findings[0].text == "报告已过期 32 天"


def test_score__multi_choice_equality__order_free(tmp_path: Path) -> None:
    items = (
        "      - id: m\n        question: 措施\n        kind: multi_choice\n        options: {fog: 雾炮, spray: 喷淋}\n"
        "        points: 10\n        pass: value == [\"spray\", \"fog\"]\n        finding: 措施不全\n        rectification: 补齐\n"
    )
    result = check(mini_answers("  m: 雾炮、喷淋\n"), mini_rules(tmp_path, items), name="m.yaml")
    assert result.verdict == "compliant"


def test_score__not_applicable_on_item_that_does_not_apply__accepted(rules) -> None:
    """Should accept 不适用 for a no-skip item whose when: is false, as a blank template invites."""
    result = check(dust_answers({"wet_demolition": "不适用", "alert_stop": "不适用"}), rules, name="a.yaml")
    assert result.verdict == "compliant" and result.warnings == ()


def test_score__dependency_deleted_because_it_does_not_apply__dependents_not_applicable(tmp_path: Path) -> None:
    """Should treat an item whose when: reads a deleted, inapplicable answer as not applicable."""
    items = (
        ITEM.format(id="sprays", kind="yes_no", points=10, passing="value == true")
        + ITEM.format(id="booth", kind="yes_no", points=10, passing="value == true") + "        when: sprays == true\n"
        + ITEM.format(id="carbon", kind="yes_no", points=10, passing="value == true") + "        when: booth == true\n"
    )
    rules = mini_rules(tmp_path, items)
    result = check(mini_answers("  sprays: 否\n"), rules, name="m.yaml")
    assert [i.status for i in result.items] == ["fail", "not_applicable", "not_applicable"]


def test_check__applicability_worked_out_once_per_law_day(rules, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should evaluate the items' `when:` once for a file read and scored on the inspection
    day, and once more only for a decision day under another law."""
    from engine import answers as answers_module
    from engine import scoring

    days: list[dt.date] = []
    for module in (answers_module, scoring):
        real = module.applicability

        def counting(*args, law_day=None, _real=real):
            result = _real(*args, law_day) if law_day else _real(*args)
            days.append(result.law_day)
            return result

        monkeypatch.setattr(module, "applicability", counting)
    result = check(dust_answers({"hoarding_closed": "否"}, date="2026-09-01"), rules, name="a.yaml")
    assert result.findings and days == [dt.date(2026, 9, 1)]
    days.clear()
    check(dust_answers({"hoarding_closed": "否"}, date="2026-08-10"), rules, name="a.yaml", issued=dt.date(2026, 8, 20))
    assert days == [dt.date(2026, 8, 10), dt.date(2026, 8, 20)]
