"""Problems in files people edit, and the catalogue of their codes.

Every problem the engine reports to a person carries a stable English code, a Chinese
message and a Chinese hint on how to fix it, and the place in the file where it is.
Codes are never reused; docs/errors.md has one section per code (a test checks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, Self


@dataclass(frozen=True)
class Detail:
    name: str  #: short English label, for developers
    message: str  #: Chinese template, filled with str.format from the problem's context
    hint: str  #: Chinese template: how to fix it


class ErrorCode(Enum):
    IO_001 = Detail("unreadable", "无法读取文件：{reason}", "请检查文件名和路径是否正确")
    IO_002 = Detail(
        "not_utf8",
        "文件不是 UTF-8 编码（第 {line} 行附近），{guess}",
        "用记事本或 WPS 打开，“另存为”时把编码选为 UTF-8 再保存",
    )
    IO_003 = Detail("too_large", "文件过大（{size} 字节，上限 {limit} 字节）", "请确认选择的是检查表或答卷文件")
    YAML_001 = Detail("syntax", "YAML 格式错误：{problem}", "{hint}")
    YAML_002 = Detail(
        "duplicate_key",
        "键 “{key}” 重复出现，第一次在第 {first_line} 行",
        "删除或合并重复的一行；同一个键只能出现一次",
    )
    YAML_003 = Detail("empty", "文件是空的", "请填写内容；可用 lantian template 生成空白答卷")
    YAML_004 = Detail(
        "alias",
        "不支持 YAML 锚点和别名（& 和 *）",
        "请把引用的内容直接写出来",
    )
    YAML_005 = Detail(
        "bad_tagged_value",
        "“{value}” 不是有效的{kind}（标签 {tag}）",
        "去掉 !! 开头的标签，直接写值；要写文字就加引号",
    )
    YAML_006 = Detail(
        "number_too_long",
        "数字过长（{digits} 位，最多 {limit} 位）",
        "请核对这个数；编号、证号等要当作文字的，请加引号",
    )
    JSON_001 = Detail("syntax", "JSON 格式错误：{problem}", "检查这一位置附近的逗号、引号和括号")
    SCHEMA_001 = Detail("required", "缺少字段 “{field}”", "请补上，例如 {example}")
    SCHEMA_002 = Detail("unknown_field", "未知字段 “{field}”", "{suggestion}允许的字段：{allowed}")
    SCHEMA_003 = Detail("type", "“{field}” 应为{expected}，实际为 {actual}", "{hint}")
    SCHEMA_004 = Detail("invalid", "“{field}” 的值 {actual} 不符合要求：{reason}", "{hint}")
    RULE_001 = Detail(
        "id_mismatch",
        "检查表 id “{id}” 与文件名 “{stem}” 不一致",
        "检查表 id 必须等于文件名（不含 .yaml），请改为 id: {stem}",
    )
    RULE_002 = Detail("duplicate_id", "编号 “{id}” 重复，第一次在第 {first_line} 行", "每个分节和检查项的 id 必须唯一")
    RULE_003 = Detail("invalid", "{reason}", "{hint}")
    RULE_004 = Detail("points", "{reason}", "{hint}")
    RULE_005 = Detail("dates", "{reason}", "{hint}")
    RULE_006 = Detail("control_character", "“{field}” 中有不能使用的控制字符 {char}（第 {position} 个字）", "删除这个字符（多半是从别的程序复制来的）；标题、题目、选项和单位只写一行")
    RULE_007 = Detail("text_too_long", "“{field}” 有 {length} 个字，超过上限 {limit} 个字", "标题、题目、选项和单位不超过 200 个字；说明、问题描述和整改要求不超过 2000 个字，详细内容写在法律依据或另附材料中")
    RULE_008 = Detail("percent_as_fraction", "{where}中的 {number} 是百分比，看起来写成了小数", "百分比写作 {percent}，不是 {number}（答案 85% 在表达式中是 85）")
    EXPR_001 = Detail("syntax", "表达式语法错误：{reason}", "表达式写法见 docs/rules.md“表达式”一节，例如 value >= 1.8")
    EXPR_002 = Detail("unknown_name", "表达式中的名称 “{name}” 未定义", "{suggestion}可用的名称：{allowed}")
    EXPR_003 = Detail("not_allowed", "表达式中不允许使用{construct}", "只能使用比较、and/or/not、四则运算、in 和规定的函数")
    EXPR_004 = Detail("type", "表达式类型不符：{reason}", "{hint}")
    EXPR_005 = Detail("too_complex", "表达式过长或嵌套过深（{reason}）", "请拆成几个简单的检查项")
    EXPR_006 = Detail("function", "{reason}", "可用的函数：{allowed}")
    TEXT_001 = Detail("placeholder", "文字模板中的 “{name}” 无法识别：{reason}", "{suggestion}可用的占位符：{allowed}")
    LEGAL_001 = Detail("unknown_ref", "法律依据 “{key}” 不存在", "{suggestion}法律依据在 {legal_file} 中定义")
    LEGAL_002 = Detail(
        "not_in_force",
        "法律依据 “{key}” 在 {date} 没有有效的条款{effect}",
        "在 {legal_file} 的 “{key}” 下补充该日期有效的条款（含生效日期）；条文号未经核实前不得填写",
    )
    LEGAL_003 = Detail("overlap", "法律依据 “{key}” 的条款有效期重叠：{reason}", "同一时间只能有一个有效条款，请调整 effective_from / effective_to")
    LEGAL_004 = Detail(
        "gap",
        "法律依据 “{key}” {date}没有有效条款{used_by}",
        "在 {legal_file} 的 “{key}” 下补充该日期有效的条款；在此之前，这一天的检查发现此项问题时检查结果照常给出，但不能出具文书",
    )
    LEGAL_005 = Detail("provision", "法律依据 “{key}” 的条款有误：{reason}", "{hint}")
    LEGAL_006 = Detail(
        "undecided",
        "法律依据 “{key}”：无法根据录入的罚则判断新旧规定哪个处罚较轻（{reason}），按违法行为发生时（{act_day}）的规定引用",
        "请对照第一千零五十七条人工核对；如新规定较轻，补全 {legal_file} 中两条款的罚款幅度后重新生成",
    )
    CASE_001 = Detail("no_cases", "检查表 “{id}” 没有测试用例", "请在 {file} 中至少写一个合格和一个不合格的用例，见 docs/rules.md“测试用例”一节")
    CHECKLIST_001 = Detail("unknown_checklist", "检查表 “{id}” 不存在", "{suggestion}现有检查表：{allowed}")
    CHECKLIST_002 = Detail(
        "not_in_force",
        "检查表 “{id}” 在检查日期 {date} 不适用（有效期 {period}）",
        "请核对检查日期，或选用当时有效的检查表版本",
    )
    ANSWER_001 = Detail("unknown_item", "检查表 “{checklist}” 中没有检查项 “{item}”", "{suggestion}用 lantian template {checklist} 查看全部检查项")
    ANSWER_002 = Detail("kind", "“{actual}” 不是有效的{kind}", "{hint}")
    ANSWER_003 = Detail("range", "{reason}", "{hint}")
    ANSWER_020 = Detail(
        "date_too_late",
        "{what} {date} 太晚：整改期限和书面报告的日期会超出日历的最后一天（9999年12月31日）",
        "请核对检查日期 inspection.date 和出具日期 --issued 是否填错",
    )
    ANSWER_004 = Detail(
        "missing",
        "缺少必答检查项 “{item}”（{question}）",
        "请补上一行 {item}: <答案>；暂时无法判断可留空（{item}:），结果将为“未完成”；不适用填 不适用",
    )
    ANSWER_005 = Detail("site_type", "单位类型 “{actual}” 不在检查表 “{checklist}” 的适用范围内", "{suggestion}可选：{allowed}")
    ANSWER_006 = Detail("choice", "“{actual}” 不是检查项的可选答案", "{suggestion}可选：{allowed}")
    ANSWER_007 = Detail("photo", "照片路径 “{photo}” 不可用：{reason}", "照片应放在答卷所在文件夹内，用相对路径填写，例如 photos/1.jpg")
    ANSWER_008 = Detail(
        "inspectors",
        "只填写了 {count} 名检查人员",
        "现场检查应由不少于两名执法人员进行：请列出参加检查的全部人员",
    )
    ANSWER_009 = Detail("photo_missing", "照片 “{photo}” 不存在", "请把照片放到答卷所在文件夹的相应位置，或更正路径")
    ANSWER_010 = Detail(
        "not_applicable_refused",
        "检查项 “{item}” 不能填“不适用”",
        "该项对所有适用的单位都必须检查，请填写检查结果；如确实不适用，请核对 site.type 等单位情况",
    )
    ANSWER_011 = Detail(
        "answer_ignored",
        "检查项 “{item}” 不适用（{reason}），填写的答案未计入",
        "如该项其实适用，请核对被检查单位的情况（单位类型等）或它所依据的答案",
    )
    ANSWER_012 = Detail("text_too_long", "“{field}” 有 {length} 个字，超过上限 {limit} 个字", "{hint}")
    ANSWER_013 = Detail("control_character", "“{field}” 中有不能使用的控制字符 {char}（第 {position} 个字）", "{hint}")
    ANSWER_014 = Detail("future_date", "检查日期 {date} 在今天（{today}）之后", "请核对检查日期；预先准备的答卷可以忽略这个警告")
    ANSWER_015 = Detail("too_many_entries", "“{field}” 有 {count} 项，超过上限 {limit} 项", "{hint}")
    ANSWER_017 = Detail("too_deep", "“{field}” 嵌套过深：这里不能再写列表或映射", "{hint}")
    ANSWER_016 = Detail("more_problems", "这份答卷还有 {more} 个错误未列出（只列出前 {limit} 个）", "先改正上面列出的错误，再检查一次")
    ANSWER_018 = Detail("fraction_as_percentage", "百分比写的是 {value}，按 {value}% 计", "若是指 {percent}%，请写 {percent} 或 {percent}%；确是 {value}% 的可以忽略这个警告")
    PHOTO_001 = Detail("outside", "照片 “{photo}” 是指向答卷所在文件夹之外的链接", "把照片本身复制到答卷所在的文件夹中，不要用链接（快捷方式）")
    PHOTO_002 = Detail("not_a_file", "照片 “{photo}” 不是普通文件（{kind}）", "照片应是 JPEG 或 PNG 图片文件")
    PHOTO_003 = Detail("too_large", "照片 “{photo}” 过大（{size} 字节，上限 {limit} 字节）", "在手机或电脑上把照片缩小（例如选“中等”尺寸）后再用")
    PHOTO_004 = Detail("unreadable", "照片 “{photo}” 不是可以读取的图片：{reason}", "请换成原始照片（JPEG 或 PNG）；照片已损坏的，从相机或手机中重新复制")
    PHOTO_005 = Detail("format", "照片 “{photo}” 是 {format} 格式，只能用 JPEG 或 PNG", "用手机或电脑把照片另存为 JPEG（.jpg）或 PNG（.png）")
    PHOTO_006 = Detail("too_many_pixels", "照片 “{photo}” 有 {megapixels} 万像素，超过上限 {limit} 万像素", "在手机或电脑上把照片缩小（例如选“中等”尺寸）后再用")
    PHOTO_007 = Detail("hard_link", "照片 “{photo}” 是硬链接（这个文件共有 {links} 个名字），可能是答卷文件夹以外的文件", "把照片复制（不要用链接）到答卷所在的文件夹中")
    LEDGER_001 = Detail(
        "follows_unknown",
        "复查所依据的检查 “{ref}” 不在台账中",
        "follows 填被复查检查的整改通知书文号，或它的答卷中的 inspection.id；那份答卷须已登记，或放在同一批中",
    )
    LEDGER_002 = Detail(
        "follows_other_site",
        "复查的单位或检查表与被复查的检查 “{ref}” 不一致（那次是 {site}，检查表 {checklist}）",
        "复查须用同一检查表检查同一单位；请核对 follows、site.name 和 checklist",
    )
    LEDGER_003 = Detail(
        "changed_after_recording",
        "这次检查已作为检查 #{id} 登记（{file}，{day}），此后答卷被改过",
        "登记后的答卷不能再改：用 lantian verify 核对；如确需更正，另写一次复查或书面销号并写明理由。"
        "同一天按同一检查表再查同一单位的，复查写明 follows，另一次检查在两份答卷中都写明不重叠的 start_time、end_time",
    )
    IO_004 = Detail("unwritable", "无法写入文件：{reason}", "请检查输出文件夹是否存在、是否有写入权限、磁盘是否已满")
    IO_005 = Detail("not_a_file", "不是普通文件（{kind}），不能读取", "请给出答卷、检查表等文件本身，不要用管道、设备或文件夹")
    IO_006 = Detail(
        "link_outside",
        "是指向所在文件夹之外的链接，不能读取",
        "请把文件本身复制到这个文件夹中，不要用链接（快捷方式）指到别处",
    )
    SETTINGS_001 = Detail("not_found", "找不到办公室设置文件 office.yaml", "还没有设置文件时，运行 lantian init 生成一份（当前文件夹的 office.yaml），填好机关名称和文号格式；已有的用 --settings 指定，或放在当前文件夹、答卷文件夹中")
    SETTINGS_002 = Detail(
        "number_placeholder",
        "文号格式中的 “{placeholder}” 无法识别",
        "文号格式只能用 {{year}}（年份）和 {{seq}}（序号）两个占位符，此外不能有花括号，例如 XX镇环〔{{year}}〕{{seq}}号",
    )
    SETTINGS_003 = Detail(
        "number_placeholder_repeated",
        "文号格式中 “{placeholder}” 出现了 {count} 次",
        "{{year}} 和 {{seq}} 各只能出现一次，例如 XX镇环〔{{year}}〕{{seq}}号",
    )
    SETTINGS_004 = Detail("text_too_long", "设置 “{field}” 有 {length} 个字，超过上限 {limit} 个字", "请只写名称或地址本身，例如 office: XX镇人民政府")
    SETTINGS_005 = Detail("control_character", "设置 “{field}” 中有不能使用的控制字符 {char}（第 {position} 个字）", "删除这个字符（多半是从别的程序复制来的）；设置中的文字都只写一行")
    SETTINGS_006 = Detail(
        "review_body_missing",
        "办公室设置没有写 review_body（行政复议机关）：通知书上只能写“向有管辖权的行政复议机关申请行政复议”，没有写明是哪个机关",
        "在办公室设置中写明受理行政复议的机关，例如 review_body: XX县人民政府（见 docs/documents.md），再生成通知书",
    )
    NUMBER_001 = Detail("numbers_unusable", "文号记录文件不能使用：{reason}", "文号记录在办公室设置文件旁；文件损坏、是空的或不是文号记录的，从备份恢复，不要删除（删除后文号会重新从 1 编起）；从未有备份的，删除前先查清今年已发出的最大文号")
    NUMBER_002 = Detail(
        "issued_before",
        "这份答卷的通知书已于 {first} 出具（文号 {number}），本次按原出具日期重新生成，不按 {given}",
        "同一次检查只有一份通知书：日期、整改期限和所引条款都与原件相同。确需另行处理的，请按机关的程序办理，不要用 --issued 改日期",
    )
    NUMBER_003 = Detail(
        "issued_meanwhile",
        "同时运行的另一个命令已于 {first} 以文号 {number} 出具了这份通知书；本次按 {given} 写成的这一份已删除",
        "再运行一次同一个命令，会按原出具日期 {first} 重新生成；同一个文号只有一份通知书",
    )
    NUMBER_004 = Detail(
        "numbers_missing",
        "找不到发文号记录，台账中却已有 {count} 次检查编了整改通知书文号：只备份了台账",
        "发文号记录（设置文件旁的 <设置文件名>.numbers.sqlite）被删除或移走了：从备份恢复它，再出具文书；没有它，蓝天会从 1 重新编号，与已发出的文书重号",
    )
    ORDER_001 = Detail(
        "party_particular_missing",
        "决定书上当事人的{label}空着：答卷没有填写 site.{field}",
        "出具前在答卷 site 下填写 {field}（见 docs/answers.md；lantian check --settings 可先查看）；已出具的在打印件上手工填写，因为改过的答卷再生成会另分配文号",
    )
    ORDER_002 = Detail(
        "credit_code_invalid",
        "当事人的统一社会信用代码 “{code}” 不是有效的代码，也不是有效的身份证号码（位数或校验位不对）",
        "统一社会信用代码为 18 位，请对照营业执照核对后改正 site.credit_code",
    )
    ORDER_003 = Detail(
        "not_the_authority",
        "第{position}项问题所引{article}规定由{enforcer}处理，出具机关 “{office}” 看来不是这一部门",
        "请确认本机关有权作出这份决定（例如依法相对集中行政处罚权，或交由乡镇行使）；否则应移送有权的部门，由其出具决定书",
    )
    FONT_001 = Detail(
        "no_font",
        "找不到中文字体，无法生成文书",
        "Debian/Ubuntu 上运行 sudo apt-get install fonts-noto-cjk；或在办公室设置文件中用 font: 指定一个中文字体文件",
    )
    FONT_002 = Detail("font_missing", "办公室设置中指定的字体文件 {path} {reason}", "请更正 font: 的路径，或删去这一行使用系统中的中文字体")
    FONT_003 = Detail("font_unreadable", "字体文件 {path} 不是可用的字体", "font: 须指向 TrueType 或 OpenType 字体文件（.ttf、.otf、.ttc），例如仿宋 simfang.ttf；或删去这一行使用系统中的中文字体")
    FONT_004 = Detail("font_not_readable", "字体文件 {path} 无法读取：{reason}", "请检查这个文件的读取权限，或换一个字体文件；也可以删去 font: 这一行，使用系统中的中文字体")
    FONT_005 = Detail(
        "font_not_installed",
        "{role}字体 “{name}” 没有安装，{role}改用 {fallback}",
        "文书照常生成。要用这个字体，请在这台电脑上安装它，或在 fonts: 的 {key}: 中写字体文件的路径；名称须与已安装字体的名称一致（Linux 上 fc-list :lang=zh family 可列出）",
    )
    FONT_006 = Detail(
        "font_file_unusable",
        "{role}字体文件 {path} {reason}，{role}改用 {fallback}",
        "文书照常生成。请更正 fonts: 中 {key}: 的路径（相对路径从设置文件所在的文件夹算起），指向 .ttf、.otf 或 .ttc 字体文件",
    )
    RENDER_001 = Detail(
        "refused",
        "无法生成文书 {document}：{reason}",
        "文书只能使用蓝天自带的模板和答卷所在文件夹内的照片；请把照片放进答卷所在文件夹，用相对路径填写",
    )
    IO_010 = Detail("exists", "文件已存在，不会覆盖", "确要覆盖的，加 --force 重新运行；或换一个文件名或输出文件夹（-o）")
    IO_011 = Detail(
        "not_a_regular_file",
        "这里是一个{kind}，不是普通文件：不能写入，加 --force 也不能覆盖",
        "请换一个文件名或输出文件夹（-o）；蓝天只写普通文件，不替换链接、管道、设备或文件夹",
    )
    IO_012 = Detail(
        "render_disk",
        "生成文书时无法写入临时文件：{reason}",
        "请腾出磁盘空间，并确认临时文件夹和字体缓存文件夹可以写入，然后重新运行；临时文件夹是 {folder}",
    )
    IO_013 = Detail(
        "not_written",
        "没有写入：写入 {first} 时{reason}，此后的文书都没有再写",
        "腾出磁盘空间或换一个输出文件夹（-o）后，加 --force 重新运行；已经写入的文书都是完整的",
    )
    IO_014 = Detail(
        "is_database",
        "这里是一个数据库文件（台账或发文号记录），加 --force 也不能覆盖",
        "请换一个文件名或输出文件夹（-o）；台账和发文号记录只由蓝天自己写入，没有被改动",
    )
    IO_015 = Detail(
        "is_settings",
        "这里是办公室设置文件（有 office 和 number_pattern），加 --force 也不能覆盖",
        "请换一个文件名或输出文件夹（-o）；设置文件没有被改动",
    )
    IO_016 = Detail(
        "is_answers",
        "这里是一份答卷（有 checklist 和 answers），加 --force 也不能覆盖",
        "请换一个文件名或输出文件夹（-o）；答卷是检查的原始记录，台账按它的内容核对（lantian verify），没有被改动",
    )
    IO_017 = Detail(
        "too_many_rows",
        "{file} 写不下：表“{sheet}”要写 {rows} 行，超过 Excel 每张表 {limit} 行的上限，没有写入",
        "请分几次导出：lantian ledger list 加 --village、--checklist 或 --status 只列一部分问题，lantian report 用较短的期间",
    )
    BATCH_001 = Detail(
        "unfinished",
        "这份答卷的{document}没有生成（{code}）：{reason}",
        "{hint}；其他答卷的文书照常生成，改正后加 --force 重新运行",
    )
    BATCH_002 = Detail(
        "same_document_name",
        "这份答卷的文书会与 {other} 的文书同名（{name}），没有登记，也没有生成文书",
        "同一文件夹中的答卷文件名（不含 .yaml、.json）须各不相同；请给其中一份改名后再运行",
    )
    LEDGER_004 = Detail("newer_schema", "台账由更新版本的蓝天建立（结构版本 {version}，本版本只认识到 {known}）", "请升级蓝天后再使用这个台账")
    LEDGER_005 = Detail("unknown_finding", "台账中没有问题 #{id}", "用 lantian ledger list 查看问题编号")
    LEDGER_006 = Detail("already_closed", "问题 #{id} 已经销号", "用 lantian ledger show {id} 查看经过")
    LEDGER_007 = Detail(
        "closing_day",
        "销号日期 {day} 不可能：问题 #{id} 最近一次记录在 {last}",
        "销号日期（--on）应在 {last} 到今天之间",
    )
    LEDGER_008 = Detail("no_reason", "销号必须写明理由", "用 --note 写明整改情况，如“已加高围挡至2.5米，见整改照片”")
    LEDGER_009 = Detail(
        "not_a_ledger",
        "不是可用的整改台账：{reason}",
        "用 --ledger 指定 lantian batch 建立的台账文件；文件损坏的，从备份恢复",
    )
    LEDGER_010 = Detail("no_ledger", "台账不存在", "先用 lantian batch 登记检查，或用 --ledger 指定台账文件")
    LEDGER_011 = Detail(
        "damaged",
        "台账文件已损坏：{reason}",
        "台账没有被改动。用 lantian ledger check 查看损坏情况，再从备份恢复台账文件；恢复后重新运行 lantian batch，补登备份以后的答卷",
    )
    LEDGER_012 = Detail(
        "impossible_value",
        "台账中{what} #{row} 的 {column}（{value}）不可能：{reason}",
        "台账被蓝天以外的程序改过，或者文件已损坏：从备份恢复台账文件；不要直接修改台账",
    )
    LEDGER_013 = Detail(
        "disk_full",
        "台账没有写入：{reason}；台账保持上一次完整写入后的样子",
        "腾出磁盘空间（或把台账移到空间足够的磁盘）后重新运行；已经登记的检查不会重复登记",
    )
    LEDGER_014 = Detail(
        "read_only",
        "台账是只读的，不能写入：{reason}",
        "检查台账文件和它所在文件夹的写入权限（写入时要在同一文件夹中建立回滚日志 -journal），以及是否在只读的磁盘或网络共享上",
    )
    LEDGER_015 = Detail(
        "locked",
        "台账正被另一个程序使用，等了 {seconds} 秒仍未轮到",
        "等另一个 lantian batch 或 lantian ledger close 结束后再运行；用 SQLite 工具打开着台账的，先关闭它",
    )
    LEDGER_016 = Detail("unreadable", "无法读写台账：{reason}", "检查台账所在的磁盘或网络共享是否可用、文件是否可以读取；台账没有被改动")
    LEDGER_017 = Detail(
        "reinspection_day",
        "复查日期 {day} 不可能：{reason}",
        "复查日期（inspection.date）应在 {earliest} 到今天之间，写实际复查的那一天",
    )
    LEDGER_018 = Detail(
        "duplicate_in_batch",
        "与同一批中的 {first} 内容完全相同，只按 {first} 登记和出具文书",
        "删去多余的一份；如果这其实是另一次检查，请改正答卷中的单位、日期或检查时间",
    )
    LEDGER_019 = Detail("output_is_ledger", "要写的文件就是台账 {ledger}，不能把清单写在台账上", "用 -o 指定另一个文件，例如 未销号.xlsx；台账没有被改动")
    LEDGER_020 = Detail(
        "document_is_ledger",
        "这次要写的文书或清单就是台账 {ledger}，写入会覆盖台账",
        "用 --ledger 指定输出文件夹以外的台账（通常是 设置文件名.ledger.sqlite），或换一个输出文件夹（-o）；什么也没有登记和写入",
    )
    LEDGER_021 = Detail("bad_note", "{field}不能使用：{reason}", "--note 简要写明整改情况（2000 字以内），详细材料用 --evidence 附上；--by 只写姓名（一行，200 字以内）；台账没有改动")
    LEDGER_022 = Detail(
        "server_unreachable",
        "连接不上台账数据库：{reason}",
        "检查台账地址（--ledger、办公室设置中的 ledger 或环境变量 LANTIAN_LEDGER）、数据库服务器是否在运行、网络是否通。台账不会只写入一半：连上后重新运行同一个命令即可，已经写入的不会重复",
    )
    LEDGER_023 = Detail(
        "server_denied",
        "数据库用户没有权限这样做：{reason}",
        "登记和销号要对台账的表有 SELECT、INSERT、UPDATE 权限；建立和升级台账要由台账的所有者运行 lantian ledger upgrade（见 docs/county.md）；台账没有被改动",
    )
    LEDGER_024 = Detail(
        "server_backup",
        "台账在数据库服务器上，lantian ledger backup 只备份台账文件",
        "用 PostgreSQL 的 pg_dump 备份服务器上的台账（见 docs/county.md）",
    )
    LEDGER_025 = Detail(
        "sync_conflict",
        "问题 #{id} 在这里已于 {kept_day} 销号（{kept_actor}：{kept_reason}），另一处（那里的问题 #{other_id}）{day} 的记录（{status}，{actor}：{reason}）没有复制过来",
        "同一问题在两处都销号时，以先记入的销号为准（见 docs/ledger.md“上传与下载”）；如另一处的记录才对，请核实后在这里另行说明",
    )
    LEDGER_026 = Detail(
        "number_clash",
        "县局台账中本单位 {year} 年的第 {seq} 号（{kind}）已给了另一份文书，本单位文号记录中的这个号没有上传",
        "同一个文号发给了两份文书：本单位在改用县局台账后又用旧的文号记录出过文书。请核对这两份文书，必要时重新编号发文",
    )
    LEDGER_027 = Detail(
        "recorded_by_another_office",
        "这份答卷已由 {office} 登记（台账中的检查 #{id}），不能再登记为本单位的检查",
        "一份答卷是一次检查，属于登记它的单位；请核对是否放错了文件夹。确是本单位的另一次检查时，请用本单位自己填写的答卷",
    )
    LEDGER_028 = Detail(
        "no_ledger_on_server",
        "这个数据库中还没有台账（没有台账的表）",
        "新的数据库由它的所有者用所有者的地址运行一次 lantian ledger upgrade --ledger postgresql://所有者@主机/数据库 建立台账（见 docs/county.md）；已经建立的，检查地址中的数据库名和 search_path 是否写对",
    )
    LEDGER_029 = Detail(
        "another_office_s_finding",
        "问题 #{id} 是{office}的问题，不是本单位（{mine}）的：本单位的命令不查看、不销号它",
        "县局查看或销号各乡镇的问题时加 --county（lantian ledger show --county、ledger close --county）；乡镇只处理本镇的问题，请核对问题编号",
    )
    LEDGER_030 = Detail(
        "sync_out_of_order",
        "问题 #{id} 在这里已有 {kept_day} 的记录（{kept_status}，{kept_actor}：{kept_reason}），另一处（那里的问题 #{other_id}）更早的 {day} 的记录（{status}，{actor}：{reason}）没有复制过来",
        "一个问题的经过只能按日期往后记：另一处这条更早的记录（常见的是书面销号）晚到了，而这里此后的记录（如复查仍未整改）更新。请核实哪一条属实，需要时在这里另行销号",
    )
    UPLOAD_001 = Detail("upload", "{what}不能用：{reason}", "{hint}")
    USER_001 = Detail("user", "网页版用户：{detail}", "{hint}")
    USER_002 = Detail("users_file", "网页版的用户文件不能读写：{reason}", "{hint}")
    USER_003 = Detail("no_users", "网页版还没有用户，没有人能登录", "先运行 lantian users add 用户名 --role office --settings {settings}，再启动 lantian serve")
    USAGE_001 = Detail("usage", "命令写法有误：{detail}", "运行 {command} --help 查看这个命令的参数、选项和示例")


#: What `check` warns of an answers file itself, from which the documents are made as it
#: stands: fewer than two inspectors, a photo not there, a day to come, a percentage written as
#: a fraction, an answer to an item that does not apply. Said again where the documents are
#: made (lantian notice, batch) and on the web's result page.
ANSWER_WARNINGS = (ErrorCode.ANSWER_008, ErrorCode.ANSWER_009, ErrorCode.ANSWER_011, ErrorCode.ANSWER_014, ErrorCode.ANSWER_018)

#: Every warning said where documents are made (lantian notice and batch, the web app's
#: issuing), for the office to settle before it sends them: a notice that cannot name the
#: review body (SETTINGS_006), a citation the transitional rule
#: could not decide (LEGAL_006), a notice kept from another day (NUMBER_002), what an order
#: lacks (ORDER_*), a font that stood in for the office's (FONT_005, FONT_006), and the
#: answers' own.
ISSUING_WARNINGS = (
    ErrorCode.SETTINGS_006,
    ErrorCode.LEGAL_006,
    ErrorCode.NUMBER_002,
    ErrorCode.ORDER_001,
    ErrorCode.ORDER_002,
    ErrorCode.ORDER_003,
    ErrorCode.FONT_005,
    ErrorCode.FONT_006,
    *ANSWER_WARNINGS,
)


@dataclass(frozen=True)
class Location:
    file: str  #: as the user wrote it; "<stdin>" for "-"
    line: int | None = None  #: starting at 1
    column: int | None = None  #: starting at 1, counted in characters
    path: tuple[str | int, ...] = ()  #: keys and indexes inside the document
    item: str | None = None  #: the checklist item or section the problem is about
    #: False where ``file`` names no file but a command or a name the user typed ("lantian
    #: template"): the summary counts files, and that is none.
    in_file: bool = True

    def with_item(self, item: str | None) -> Location:
        return Location(self.file, self.line, self.column, self.path, item, self.in_file)


@dataclass(frozen=True)
class Problem:
    code: ErrorCode
    location: Location
    context: dict = field(default_factory=dict, compare=False)
    severity: Literal["error", "warning"] = "error"

    def __post_init__(self) -> None:
        # Fail where a problem is made, not later where it is printed, when its context
        # lacks a field the catalogue's text needs.
        self.code.value.message.format(**self.context)
        self.code.value.hint.format(**self.context)

    @property
    def message(self) -> str:
        return self.code.value.message.format(**self.context)

    @property
    def hint(self) -> str:
        return self.code.value.hint.format(**self.context).strip()

    @property
    def said(self) -> str:
        """The message and, after a dash, the hint: what is wrong and what to do, where the
        place is said otherwise (a page beside the item, a result's line) or not at all."""
        return f"{self.message} — {self.hint}" if self.hint else self.message

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.file, loc.line or 0, loc.column or 0, self.code.name)


class LantianError(Exception):
    """Everything the engine reports to a person: one or more problems, each with a code from
    the catalogue above, a message, a hint and where it is. The command line prints them and
    exits with 2 in one place."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(tuple(problems))
        self.problems = tuple(sorted(problems, key=Problem.sort_key))

    @classmethod
    def of(cls, code: ErrorCode, where: str | Location, **context: Any) -> Self:
        """One problem at ``where`` (a file, or a place in one)."""
        return cls([Problem(code, where if isinstance(where, Location) else Location(where), context)])

    def __str__(self) -> str:
        return "\n".join(format_problem_line(p) for p in self.problems)


class InputError(LantianError):
    """Problems in files a person edited (rules, answers, settings)."""


def format_problem_line(problem: Problem) -> str:
    """One line in the form ``file:line:col: [CODE] message (item) — hint``."""
    loc = problem.location
    where = loc.file
    if loc.line is not None:
        where += f":{loc.line}:{loc.column or 1}"
    label = "警告 " if problem.severity == "warning" else ""
    item = f" ({loc.item})" if loc.item else ""
    hint = problem.hint
    tail = f" — {hint}" if hint else ""
    return f"{where}: {label}[{problem.code.name}] {problem.message}{item}{tail}"


def suggestion(word: str, candidates: Sequence[str], template: str = "是否应为 “{}”？") -> str:
    """A "did you mean" sentence for the closest candidate, or an empty string."""
    import difflib

    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return template.format(close[0]) if close else ""


def listing(names: Sequence[str], limit: int = 12) -> str:
    names = list(names)
    shown = "、".join(names[:limit])
    return shown + (f" 等 {len(names)} 个" if len(names) > limit else "") if names else "（无）"
