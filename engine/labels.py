"""What a person reads for each code the engine keeps: one home for every label.

An item's status (符合, 不符合…) and a finding's status in the ledger (待整改, 整改中, 已销号)
are different things and have different names here.
"""

from __future__ import annotations

KIND_LABELS = {
    "yes_no": "是/否",
    "number": "数值",
    "percentage": "百分比",
    "count": "个数",
    "choice": "单选",
    "multi_choice": "多选",
    "date": "日期",
    "text": "文字",
}
SEVERITY_LABELS = {"veto": "一票否决", "major": "重要", "minor": "一般"}
#: how an item of a checklist came out in one inspection
ITEM_STATUS_LABELS = {"pass": "符合", "fail": "不符合", "not_applicable": "不适用", "unanswered": "未填写"}
VERDICT_LABELS = {"compliant": "合格", "non_compliant": "不合格", "incomplete": "未完成"}
#: where a finding stands in the rectification ledger
FINDING_STATUS_LABELS = {"open": "待整改", "rectifying": "整改中", "closed": "已销号"}
#: What the office of a row recorded without one (a town's own file, copied before offices
#: were kept) is called where the county's view names each row's office.
NO_OFFICE = "（未记单位）"


#: The heading of the column or count that names each row's office (a town, or the bureau).
OFFICE_HEADING = "乡镇（单位）"
#: The web app's users' roles, as the office reads them.
USER_ROLE_LABELS = {"inspector": "检查人员", "office": "镇环保办", "viewer": "只读"}
#: What each change to a web app's user is called where the office reads them.
USER_CHANGE_LABELS = {"add": "添加", "replace": "重新设置", "role": "改角色", "password": "改密码", "remove": "删除"}


def office_label(office: str | None) -> str:
    """The office of a row as the county's view shows it."""
    return office or NO_OFFICE

#: What each field of an answers file's ``site:`` block is called where a person reads it: the
#: web form's labels and a ``when:`` condition in words.
SITE_FIELD_LABELS = {
    "type": "单位类型",
    "name": "单位或点位名称",
    "address": "地址",
    "village": "所属村或社区",
    "operator": "运营单位或责任单位（当事人）",
    "credit_code": "统一社会信用代码",
    "representative": "法定代表人（负责人）",
    "contact": "现场负责人",
    "phone": "联系电话",
}

#: What each kind of document is called in messages.
DOCUMENT_LABELS = {"notice": "整改通知书", "record": "现场检查记录", "list": "整改清单（PDF）", "list_xlsx": "整改清单（XLSX）"}
#: The notice's title by the office's ``document_kind``: a town's notice or a department's order.
NOTICE_TITLES = {"town_notice": "责令整改通知书", "department_order": "责令改正违法行为决定书"}
#: The last word of the notice's file name, so that the file says which of the two it is.
NOTICE_FILE_WORDS = {"town_notice": "通知书", "department_order": "决定书"}
#: The last word of an inspection record's file name.
RECORD_FILE_WORD = "检查记录"


def document_label(kind: str, document_kind: str) -> str:
    """What a document of ``kind`` (notice, record, list) is called in messages, the notice
    by what the office issues."""
    return NOTICE_TITLES[document_kind] if kind == "notice" else DOCUMENT_LABELS.get(kind, kind)
