"""Every word of the households feature: the register (农户台账), visits (走访), monitoring
cases (防返贫监测), the monthly meeting's agenda, 群众监督员 confirmations, the
whereabouts board (去向公示牌), digest lines, sheets, and the error templates of
services/households.py, services/monitoring.py and services/oversight.py.

Commands are written the Telegram way (/visit); a channel without slash commands shows
them by their Chinese name (the first alias).
"""

from __future__ import annotations

from datetime import date

from core.words import errors

# -- commands ------------------------------------------------------------------------------
HOUSEHOLDS_CMD = "农户台账：查找农户、看谁久未走访"
HOUSEHOLDS_ALIASES = ("农户", "农户台账")
ADD_CMD = "添加一户农户"
ADD_ALIASES = ("添加农户",)
VISIT_CMD = "记一次入户走访"
VISIT_ALIASES = ("走访", "记走访")
CASES_CMD = "防返贫监测：在办的识别案件"
CASES_ALIASES = ("监测", "监测案件")
MEETING_CMD = "每月防返贫监测会议：议程和逐案决定"
MEETING_ALIASES = ("监测会议",)
APPLY_CMD = "申请防返贫监测（只有本村工作队看到）"
APPLY_ALIASES = ("申请监测",)
BOARD_CMD = "驻村工作队今天的去向和电话"
BOARD_ALIASES = ("去向", "去向公示")
CONFIRM_CMD = "请群众监督员确认今天到村"
CONFIRM_ALIASES = ("请监督员确认", "监督员确认")
SIGN_CMD = "签到：干部到村打卡；群众监督员确认干部到村"
SIGN_ALIASES = ("签到",)

# -- the register ------------------------------------------------------------------------------
CATEGORY_SEP = "、"
SUMMARY = "📒 {village}农户台账：共 {n} 户（{counts}）。"
SUMMARY_EMPTY = ("📒 {village}还没有农户台账。请管理员导入表格（bot.py admin households import），"
                 "或发送 /addhousehold 张三 脱贫户 一网格 13800000000 添加一户。")
MINE = "您联系 {n} 户，其中 {late} 户超过 {days} 天未走访{names}。"
MINE_NONE = "您还没有联系户。"
LATE_NAMES = "：{names}"
SEARCH_HINT = "查找农户：发送 /households 姓名（例如 /households 张三）。记走访：/visit 张三。"
FOUND = "找到 {n} 户：\n{lines}"
FOUND_NONE = "没有找到户主名字含「{name}」的农户。发送 /households 查看台账概况。"
FOUND_LINE = "· {name}（{category}，{grid}）最近走访：{last}"
NEVER = "未走访"
NO_GRID = "未分网格"
MORE = "……另有 {n} 户，请输入更完整的名字。"
CARD = ("🏠 {name}　{category}\n网格：{grid}　人口：{size}\n成员：{members}\n"
        "联系干部：{contact}　电话：{phone}\n最近走访：{visits}{case}")
CARD_NONE = "（未填）"
CARD_VISIT = "{day} {name}"
CARD_CASE = "\n⚠ 防返贫监测在办：#{id} {stage}，{clock}"
BTN_VISIT = "记一次走访"
BTN_EDIT = "修改"
BTN_FLAG = "发起监测"
BTN_CARD = "{name}（{grid}）"
ADDED = "已添加：{name}（{category}，{grid}），联系干部是您。需要改动时在 /households {name} 里点「修改」。"
ADD_USAGE = ("请这样发：/addhousehold 户主 属性 网格 电话，例如：\n/addhousehold 张三 脱贫户 一网格 "
             "13800000000\n属性可填：{choices}。")

EDIT_TITLE = "修改农户信息"
EDIT_PICK = "要修改{name}的哪一项？"
FIELD_LABELS = {"category": "属性", "grid": "网格", "phone": "电话", "members": "家庭成员/人口",
                "contact": "联系干部"}
EDIT_ASK = "请输入新的{label}："
EDIT_ASK_CATEGORY = "请选择{name}的属性："
EDIT_ASK_CONTACT = "请选择{name}的联系干部："
EDITED = "已修改{name}的{label}：{value}。"
EDIT_PRESS = "请点上面的按钮选择；放弃请发送 /cancel 。"

# -- visits ------------------------------------------------------------------------------------
VISIT_USAGE = "请这样发：/visit 户主姓名 情况（可不写），例如：/visit 张三 了解务工收入"
VISIT_DONE = "✅ 已记走访：{name}，{day}。{again}"
VISIT_AGAIN = "（今天已记过，不重复计）"
VISIT_NOT_FOUND = "台账里没有叫「{name}」的户主。发送 /addhousehold {name} 添加，或 /households 查找。"
VISIT_PICK = "「{name}」有 {n} 户，请点是哪一户："
NONE_OF_THEM = "都不是"
PICK_LABEL = "{name}（{grid}）"
PICKED = "✅ 已记走访：{name}（{grid}），{day}。"
PICK_SKIPPED = "好的，「{name}」这次不记走访。"
PICK_DONE = "这一项已经选过了。"
LOG_HEAD = "📒 已从您{day}的日志记下走访：{names}。"
LOG_HEAD_NONE = "📒 读了您{day}的日志：{rest}"
LOG_UNKNOWN = "台账里没有：{names}（发送 /addhousehold 姓名 添加）。"
LOG_PICK = "「{name}」有 {n} 户，请点是哪一户："
LIST_SEP = "、"

# -- monitoring cases ----------------------------------------------------------------------------
STAGE_LABELS = {"check": "入户核实", "review": "村级评议公示", "township": "乡镇审核",
                "county": "县级审批", "closed": "已办结"}
SOURCE_LABELS = {"self": "农户自主申报", "visit": "干部走访发现", "warning": "部门预警"}
OUTCOME_LABELS = {"included": "纳入监测", "not_included": "不纳入", "cleared": "风险消除"}
ACTION_LABELS = {"opened": "立案", "pass": "通过", "no": "不纳入", "hold": "会议暂缓",
                 "note": "补充材料", "clear": "风险消除"}
CLOCK = "已用{used}/{total}个工作日，{due}截止（还剩{left}个工作日）"
CLOCK_TODAY = "已用{used}/{total}个工作日，今天（{due}）截止"
CLOCK_OVERDUE = "已超期：{due}截止，已用{used}个工作日"
CLOCK_CLOSED = "用时{used}个工作日"
CLOCK_GUESS = "（{year}年节假日安排尚未公布，暂按周一至周五计算）"
NO_HOUSEHOLD = "未对应台账农户"
CASE_TITLE = "#{id} {who} · {source}"
CASE_CARD = ("📋 防返贫监测 #{id}\n农户：{who}　来源：{source}\n阶段：{stage}　{clock}\n"
             "本阶段负责：{responsible}{words}{risk}{outcome}\n经过：\n{events}")
CASE_WORDS = "\n农户原话：{text}"
CASE_RISK = "\n风险情况：{text}"
CASE_OUTCOME = "\n结果：{outcome}{reason}"
CASE_REASON = "（{reason}）"
CASE_EVENT = "· {when} {stage}·{action}{who}{note}{photos}"
CASE_EVENT_PHOTOS = "（照片{n}张）"
NOBODY = "（未设）"
CASES_HEAD = "📋 防返贫监测在办 {n} 件："
CASES_NONE = "目前没有在办的防返贫监测案件。"
CASES_COUNTY_HEAD = "📋 等待县级审批 {n} 件："
CASES_LINE = "· #{id} {who}｜{stage}｜{clock}"
BTN_CASE = "查看 #{id}"
BTN_PASS = {"check": "核实完成，提交评议", "review": "评议通过，已公示", "township": "乡镇审核通过",
            "county": "批准纳入监测"}
BTN_NO = "不纳入"
BTN_NOTE = "补充说明/照片"
BTN_CLEAR = "风险消除"
BTN_PHOTOS = "看照片（{n}张）"

NEW_CASE_TEAM = ("📋 新的防返贫监测申请 #{id}（{source}）\n农户：{who}\n{body}\n"
                 "请在{due}前完成识别（{total}个工作日）。本阶段：入户核实，负责：{responsible}。")
NEW_CASE_WORDS = "原话：{text}"
NEW_CASE_RISK = "情况：{text}"
STAGE_ARRIVED = "📋 防返贫监测 #{id}（{who}）到了「{stage}」，请您处理。{clock}"
CASE_CLOSED_TEAM = "📋 防返贫监测 #{id}（{who}）已办结：{outcome}{reason}。"
APPLICANT_RESULT = {
    "included": "您的防返贫监测申请已审批：纳入监测。驻村工作队会和您一起商量帮扶办法。",
    "not_included": "您的防返贫监测申请经核实，这次不纳入监测。原因：{reason}\n有疑问可以直接问驻村工作队。",
    "cleared": "您家的监测已按程序标注风险消除。以后有困难，随时可以再申请。",
}

STEP_TITLE = "补充监测信息"
STEP_ASK = {
    "pass": "{stage}：请写几句核实/评议情况，可以附照片；不需要就点「不写说明」。",
    "no": "请写不纳入监测的原因（会记入案件，申请人能看到原因）：",
    "note": "请发送补充的文字或照片：",
    "clear": "请写风险消除的依据（如：已稳定务工、医疗费用已报销）：",
    "flag": "{name}：请写发现的风险（如：因病住院，医疗支出大；务工中断）：",
    "mno": "请写会议决定不纳入的原因：",
    "vcno": "请写不属实的原因（会转给县里的监督员）：",
    "request": "",
}
SKIP_NOTE = "不写说明"
STEP_NEED_TEXT = "请输入文字（可以附照片）；放弃请发送 /cancel 。"
STEP_PHOTO_KEPT = "已收到照片（共{n}张），请再写几句说明，或点「不写说明」。"
PASSED = "✅ #{id} {stage}已通过，转入「{next}」，已通知{people}。"
PASSED_CLOSED = "✅ #{id} 已批准纳入监测，已通知工作队和申请人。"
DECLINED_CASE = "已记录：#{id} 不纳入监测，原因：{reason}。"
NOTED = "已补充到 #{id}。"
CLEARED = "已记录：#{id} 风险消除（{reason}）。"
FLAGGED = ("📋 已发起防返贫监测 #{id}：{name}。请在{due}前完成识别（{total}个工作日）；"
           "第一步入户核实。")

# -- the villager's own request ----------------------------------------------------------------------
REQUEST_TITLE = "申请防返贫监测"
REQUEST_ASK = ("好的，您可以申请防返贫监测。请用几句话说说家里遇到的困难，例如：家里有人生病住院、"
               "受灾、务工中断、收入明显下降。\n"
               "🔒 您说的话只交给本村驻村工作队，不会转给县里的监督员，也不会告诉其他村民。"
               "不想申请了发送 /cancel 。")
REQUEST_NEED_WORDS = "请用文字说说家里的情况（一两句就行）；不想申请了发送 /cancel 。"
REQUEST_FILED = ("✅ 已收到您的申请（编号 #{id}），已交给本村驻村工作队，{who}会上门了解情况。\n"
                 "按规定{total}个工作日内（{due}前）给您结果。您的话只有工作队能看到。")
REQUEST_ADDED = ("您的申请 #{id} 已在办理中（{stage}），刚才的话已补充进去，工作队会看到。")
REQUEST_WHO_TEAM = "工作队"
REQUEST_ADDED_TEAM = "📋 #{id}（{who}）申请人补充了情况：{text}"

# -- meeting -----------------------------------------------------------------------------------
AGENDA_HEAD = "🗒 每月防返贫监测会议议程（{team}）"
AGENDA_SINCE = "上次会议：{since}"
AGENDA_SINCE_NONE = "还没有记录过会议，以下为近一个月"
AGENDA_NEW = "一、上次会议以来新发现 {n} 户（{sources}）："
AGENDA_NEW_NONE = "一、上次会议以来没有新申报或新发现的农户。"
AGENDA_OPEN = "二、在办 {n} 件："
AGENDA_OPEN_NONE = "二、没有其他在办案件。"
AGENDA_DECIDED = "三、上次会议以来办结 {n} 件：{items}"
AGENDA_LINE = "· #{id} {who}｜{stage}｜{clock}"
AGENDA_SOURCE = "{label}{n}户"
AGENDA_TAIL = "开会时发送 /meeting，逐案记录决定。"
MEETING_HEAD = "🗒 今天（{day}）的监测会议，逐案记录决定："
MEETING_NOTHING = "今天没有需要会议研判的案件。"
MEETING_CASE = "#{id} {who}｜{stage}｜{clock}{risk}"
BTN_M_PASS = "#{id} 通过"
BTN_M_HOLD = "#{id} 暂缓"
BTN_M_NO = "#{id} 不纳入"
MEETING_HELD = "已记录：#{id} 会议决定暂缓，继续核实。"
MEETING_OTHERS = "乡镇、县级审核中 {n} 件（不在村里决定）：{items}"

# -- 群众监督员 confirmations ------------------------------------------------------------------------
CONFIRM_ASKED = ("🪪 今天的签到码：{code}\n见到群众监督员时给他们看这个号码，他们发送「签到 {code}」"
                 "就能确认；也已给{names}发去确认请求。")
CONFIRM_AGAIN = "今天已经请过确认了，签到码：{code}（{status}）。"
CONFIRM_STATUS = {"pending": "等待确认", "confirmed": "已确认", "declined": "监督员认为不属实"}
TO_OVERSEER = "🪪 驻村干部{name}请您确认：今天（{day}）到村{work}。属实请点「确认」。"
TO_OVERSEER_WORK = "，做了：{work}"
BTN_CONFIRM = "确认"
BTN_DECLINE = "不属实"
OVERSEER_LIST = "今天等待您确认的驻村干部：\n{lines}\n也可以发送「签到 签到码」确认。"
OVERSEER_LINE = "· {name}{work}"
OVERSEER_NONE = "今天没有等待您确认的驻村干部。干部到您家时会给您看一个4位签到码，发送「签到 签到码」即可确认。"
BTN_CONFIRM_NAME = "确认{name}"
BTN_DECLINE_NAME = "{name}不属实"
CONFIRMED = "✅ 已确认{name}今天到村。谢谢您的监督！"
TO_CADRE_CONFIRMED = "✅ 群众监督员{overseer}确认了您今天（{day}）到村，已计入考勤。"
DECLINED = "已记录您的意见，并转给县里的监督员。谢谢您的监督！"
TO_CADRE_DECLINED = "群众监督员{overseer}认为您今天（{day}）的到村不属实：{reason}。此意见已转县监督员。"
TO_SUPERVISORS_DECLINED = ("🪪 {village}群众监督员{overseer}认为驻村干部{name}{day}的到村不属实：{reason}")
NOT_OVERSEER_SIGN = ("「签到」是驻村干部到村打卡用的。如果您是本村的群众监督员，请联系驻村工作队或"
                     "管理员登记；想反映干部不在岗，发送 /complain 。")

# -- the whereabouts board -----------------------------------------------------------------------------
BOARD_HEAD = "📍 {team} 今天（{day}）去向："
BOARD_LINE = "· {name}（{role}）：{status}{phone}"
BOARD_PHONE = "　☎ {phone}"
BOARD_STATUS = {"in_village": "在村", "leave": "请假", "duty": "公差（开会、培训）", "unknown": "未知"}
BOARD_TEAM_PHONE = "工作队电话：{phone}"
BOARD_SUPERVISION = "监督电话：{phone}"
BOARD_EMPTY = "这个村还没有驻村工作队的信息。"
BOARD_NOTE = "「在村」是今天已到村打卡或经群众监督员确认；「未知」是今天还没有记录。"
BOARD_COMPLAIN = "反映问题请发送 /complain 。"

# -- digest and reminders ------------------------------------------------------------------------------
DIGEST_UNVISITED = "【走访】超过{days}天未走访：{items}"
DIGEST_UNVISITED_ITEM = "{name}联系的{n}户（{names}）"
DIGEST_NO_CONTACT = "未定联系干部"
DIGEST_CASES = "【防返贫监测】{items}"
DIGEST_OVERDUE = "已超期{n}件（{names}）"
DIGEST_SOON = "7天内到期{n}件（{names}）"
ETC = "等"

# -- sheets --------------------------------------------------------------------------------------------
SHEET_HOUSEHOLDS = "农户走访"
SHEET_HOUSEHOLDS_HEADERS = ("村", "户主", "属性", "网格", "人口", "家庭成员", "联系干部", "电话",
                            "本月走访次数", "本月走访（日期 干部）", "最近走访")
SHEET_CASES = "防返贫监测"
SHEET_CASES_HEADERS = ("村", "编号", "农户", "来源", "立案日期", "截止日期", "阶段", "结果",
                       "原因", "经过（时间 阶段 动作 说明）", "农户原话")
SHEET_CONFIRM = "群众监督员确认"
SHEET_CONFIRM_HEADERS = ("日期", "驻村干部", "状态", "群众监督员", "做了什么", "不属实原因")
WORDS_HIDDEN = "（仅工作队可见）"

# -- import (command line) -----------------------------------------------------------------------------
IMPORT_OK = "已导入：新增 {added} 户，更新 {updated} 户（共 {total} 行）。"
IMPORT_FAILED = "没有导入任何一户：{n} 行有问题，请改好后重新导入整张表。\n{lines}"
ROW = "第{row}行：{problem}"
WARNINGS_OK = "已按部门预警立案 {n} 件：{items}"

ERRORS = errors("households", {
    "team_only": "农户台账只对驻村工作队成员开放。发送 /help 查看您可以使用的命令。",
    "no_team": "没有找到您所在的工作队，请联系管理员。",
    "household_gone": "这户已不在台账里了。发送 /households 查找。",
    "other_village": "这户不是您驻村的村的农户，不能查看或修改。",
    "add_needs_name": ("没看出户主姓名（「{text}」）。请这样发：/addhousehold 张三 脱贫户 一网格 "
                       "13800000000"),
    "add_unknown_words": "这几个词没看懂：{words}。属性、网格（如“一网格”“三组”）、电话、人口（如“4人”）请分开写。",
    "bad_category": "「{value}」不是可用的属性。可填：{choices}。",
    "bad_grid": "网格名称请控制在32字以内（收到：「{value}」）。",
    "bad_phone": "「{value}」不像电话号码。请输入11位手机号或带区号的座机。",
    "bad_members": "「{value}」没看懂。请输入人口数（如 4）或成员姓名（用顿号隔开）。",
    "bad_contact": "请从按钮里选择联系干部。",
    "bad_field": "这一项不能在聊天里修改。",
    "file_missing": "找不到文件：{path}",
    "file_unreadable": "读不了这个文件（{path}）。请确认是 .xlsx 格式的 Excel 表格。",
    "sheet_empty": "表格是空的。第一行应是表头：户主、家庭成员、属性、网格、联系干部、联系电话。",
    "sheet_columns": "表头缺少：{missing}。第一行应是：{expected}。",
    "sheet_too_long": "表格有{n}行，一次最多导入{limit}行，请分开导入。",
    "row_no_name": "户主没有填",
    "row_bad_name": "户主「{value}」不像姓名（2–16个字）",
    "row_bad_category": "属性「{value}」不认识，可填：{choices}",
    "row_bad_contact": "联系干部「{value}」不是本村工作队成员（先请他注册，或留空）",
    "row_bad_phone": "电话「{value}」不像电话号码",
    "row_bad_members": "家庭成员「{value}」没看懂（填人口数或用顿号隔开的姓名）",
    "row_duplicate": "「{value}」和第{first}行重复（同一户主、同一网格）",
    "row_no_risk": "预警内容没有填",
    "row_no_household": "台账里没有户主「{value}」",
    "row_many_households": "台账里有几户叫「{value}」，请填网格列区分",
    "row_case_open": "「{value}」已有在办的监测案件",
    "warning_columns": "部门预警表的表头应有：户主、预警内容（可选：部门、网格）。",
    "case_not_yours": "您不能查看这个监测案件。",
    "stage_not_yours": "这一步不由您处理。发送 /cases 查看案件和各阶段负责人。",
    "villagers_only": "这个申请只对本村村民开放。",
    "request_empty": "请说说家里的情况。",
    "request_too_long": "内容有{n}字，请控制在{limit}字以内。",
    "risk_empty": "请写发现的风险情况。",
    "case_exists": "这户已有在办的监测案件 #{case}。发送 /cases 查看。",
    "note_empty": "请发送文字或照片。",
    "clear_not_included": "只有已纳入监测的案件才能标注风险消除。",
    "reason_needed": "请写明原因。",
    "case_closed": "这个案件已经办结了。",
    "bad_action": "这个操作不认识。",
    "case_staff_only": "监测案件只对本村工作队和县管理员开放。",
    "meeting_leaders_only": "监测会议由第一书记或组长记录。",
    "confirm_off": "本村没有启用群众监督员确认（由管理员设置）。到村打卡请发送 /checkin 。",
    "no_overseers": "本村还没有登记群众监督员，请联系管理员登记。",
    "overseers_only": "只有本村登记的群众监督员可以确认干部到村。",
    "code_unknown": "今天没有签到码 {code} 的确认请求。请核对干部给您看的4位号码。",
    "confirm_expired": "这是 {day} 的确认请求，已过期，只能确认当天的。",
    "confirm_done": "这次到村已经确认过了。",
    "overseer_other_village": "{name}不是这个村的村民，不能登记为本村群众监督员。",
    "bad_unvisited_days": "未走访天数应在1到366之间（收到：{value}）。",
    "board_registered_only": "请先注册后再查看工作队去向。",
    "board_no_village": "去向公示是给村里看的；您不属于某个村，请用 /reports 或 /attendance 查看。",
    "villager_unknown": "找不到村民：{name}",
    "pick_not_yours": "这个选择不是给您的。",
})


def day_label(d: date, today: date | None = None) -> str:
    if today is not None and d == today:
        return "今天"
    return f"{d.month}月{d.day}日"


def names(items: list[str], limit: int = 5) -> str:
    shown = LIST_SEP.join(items[:limit])
    return shown + (ETC if len(items) > limit else "")


# -- the handover sheet (conversations/households/handover.py) ------------------------------------
HANDOVER_HOUSEHOLDS = "联系的农户（共同走访）"
HANDOVER_CASES = "防返贫监测在办案件"


def handover_household(h) -> str:  # type: ignore[no-untyped-def]
    """"张三户（脱贫户，一网格），上次走访 11月20日": a line of the handover sheet."""
    where = f"，{h.grid}" if h.grid else ""
    seen = (f"，上次走访 {h.last_visited_on.month}月{h.last_visited_on.day}日" if h.last_visited_on
            else "，还没有走访记录")
    return f"{h.head_name}户（{h.category}{where}）{seen}"


def handover_case(c) -> str:  # type: ignore[no-untyped-def]
    """A case by number and stage only: the sheet is read beyond the village's team."""
    return f"监测案件 #{c.id}（{STAGE_LABELS.get(c.stage, c.stage)}，{c.due_on.month}月{c.due_on.day}日前办结）"
