"""Every word of the complaints feature (群众反映): the villager's dialog and views, the
supervisors' card, status lines and notes, the escalation notice, the Excel export, and
the templates of the errors services/complaints.py raises.

Nothing here ever names an anonymous author: the card and the export get the author
from services.complaints.author, which is None for an anonymous ticket.
"""

from __future__ import annotations

from datetime import datetime

from core.words import errors
from services.clock import local_stamp
from services.complaints import RATINGS, STATUS_LABELS, Subject
from services.roles import ROLE_LABELS, SHORT_ROLE_LABELS, Role

# -- commands ---------------------------------------------------------------------------
COMPLAIN_CMD = "反映问题（投诉、监督，可以匿名）"
COMPLAIN_ALIASES = ("投诉", "反映问题", "我要反映问题")
MYTICKETS_CMD = "查看我反映过的问题和进度"
MYTICKETS_ALIASES = ("我的问题",)
TICKET_CMD = "按编号查看问题进度，例如 /ticket TS-20261201-0001"
TICKET_ALIASES = ("问题进度",)
TICKETS_CMD = "本县群众反映列表（/tickets all 看全部）"
TICKETS_ALIASES = ("反映列表",)
COMPLAIN_TITLE = "反映问题"
NOTE_TITLE = "填写办理说明"

# -- the villager's dialog --------------------------------------------------------------
WELCOME = ("您好！您反映的问题会直接交给县里的监督员办理，工作队看不到您反映的内容。\n"
           "先请选择问题的类别：")
PICK_CATEGORY = "请点上面的按钮选择类别（不确定就选「其他」）。放弃请发送 /cancel 。"
ASK_ABOUT = "类别：{category}。\n这个问题是关于驻村工作队哪位成员的吗？（您的名字不会告诉他们）"
WHOLE_TEAM = "整个工作队"
NOBODY = "不针对具体人"
PICK_ABOUT = "请点上面的按钮选择；和具体的人无关请点「不针对具体人」。"
ASK_WHAT = ("请说一说发生了什么事：谁、做了什么或没做什么、对您有什么影响。"
            "可以直接打字，也可以发照片并配上文字。")
PHOTO_NEEDS_WORDS = "收到照片（共{n}张）。请再用几句话说说发生了什么事。"
NEED_WORDS = "请用文字说一说发生了什么事。"
ONLY_EMOJI = ("只有表情我看不明白。请用几句话写一写发生了什么事，"
              "例如：村里的路灯坏了一个月没人修。")
TEXT_TOO_LONG = ("内容太长了（{length}字），请精简到{limit}字以内，"
                 "写清楚是什么事、涉及谁、什么时候就可以。")
ASK_WHERE = "在哪里、什么时候发生的？例如：村委会门口，11月28日上午。说不清楚可以点「跳过」。"
SKIP = "跳过"
PHOTO_THEN_WHERE = "照片收到了。在哪里、什么时候发生的？不清楚请点「跳过」。"
PLACE_TOO_LONG = "地点和时间请简短一些（{limit}字以内）。"
MORE_PHOTOS = "已收到{n}张照片。还有照片可以继续发，发完请点「发完了」。"
PHOTOS_DONE = "发完了"
ASK_PHOTOS = "有照片可以现在发过来（可以发多张），没有就点「没有照片」。"
NO_PHOTOS = "没有照片"
ASK_ANON = ("最后一步：实名还是匿名？\n"
            "· 实名：监督员能看到您的姓名，方便联系您核实。\n"
            "· 匿名：任何人（包括工作队和监督员）都看不到您是谁，办理进度只告诉您本人。")
NAMED, ANON = "实名反映", "匿名反映"
TYPED_NAMED, TYPED_ANON = "实名", "匿名"
PICK_ANON = "请点「实名反映」或「匿名反映」。"
CONFIRM = "{summary}\n\n确认提交吗？"
SUBMIT, DROP = "提交", "不提交了"
TYPED_SUBMIT = ("提交", "确认")
DROPPED = "好的，没有提交。需要时发送 /complain 重新反映。"
PICK_SUBMIT = "请点「提交」或「不提交了」。"
SUBMITTED = ("已提交，您的问题编号是 {ticket}。\n{summary}\n\n"
             "监督员一般在{hours}小时内受理，每一步进展都会告诉您。"
             "随时发送 /ticket {ticket} 查看进度，/mytickets 查看您反映过的所有问题。")
SUMMARY_CATEGORY = "类别：{category}"
SUMMARY_ABOUT = "涉及：{about}"
SUMMARY_TEXT = "情况：{text}"
SUMMARY_PLACE = "地点时间：{place}"
SUMMARY_PHOTOS = "照片：{n}张"
SUMMARY_WAY = "方式：{way}"
WAY_ANON, WAY_NAMED = "匿名", "实名"
LEFT_TEAM = "（已不在工作队）"
ELLIPSIS = "……"
SUMMARY_CHARS = 300

# -- the villager's views ---------------------------------------------------------------
NO_TICKETS = "您还没有反映过问题。有问题请发送 /complain 或直接说「反映问题」。"
MY_TICKETS = "您反映过的问题（最近{n}件）："
MY_TICKET_LINE = "{ticket} {category} {status}"
MY_RATING = "，您的评价：{rating}"
MY_TICKETS_FOOT = "发送 /ticket 编号 查看详细进度，例如 /ticket {ticket}"
VIEW = "问题编号：{ticket}\n类别：{category}\n提交时间：{filed}\n当前进度：{status}"
VIEW_EVENT = "{time} {label}"
WITH_NOTE = "：{note}"
PLEASE_RATE = "请您评价这次办理："
YOUR_RATING = "您的评价：{rating}"
RATED_TO_SUPERVISION = "{ticket} 反映人评价：{rating}"
THANKS = "谢谢您的评价（{rating}）！您的意见是考核驻村工作的重要依据。"
THANKS_BAD = "\n如果问题还没有解决，可以发送 /complain 再次反映。"
OFFER = ("您好！如果您想向监督员反映驻村工作队或村里的问题，请点下面的按钮，"
         "我一步一步帮您填写（可以匿名）。发送 /mytickets 查看已反映问题的进度。")
OFFER_BUTTON = "我要反映问题"

# -- the supervisors' side --------------------------------------------------------------
ANONYMOUS = "匿名"
SYSTEM = "系统"
CARD_HEAD = "【群众反映】{ticket}"
CARD_VILLAGE = "村：{village}"
CARD_CATEGORY = "类别：{category}"
CARD_ABOUT = "涉及：{about}"
CARD_AUTHOR = "反映人：{author}"
CARD_TEXT = "情况：{text}"
CARD_PLACE = "地点时间：{place}"
CARD_PHOTOS = "照片：{n}张"
CARD_FILED = "提交时间：{filed}"
CARD_STATUS = "状态：{status}"
CUT = "……（全文{length}字，发送 /ticket {ticket} 查看）"
SUBJECT_MEMBER = "{name}（{role}）"
SUBJECT_TEAM = "{team}（整个工作队）"
SUBJECT_SOME_TEAM = "工作队"
NOTE_PROMPTS = {
    "transfer": "请简要写明转给哪个部门或谁办理、为什么（例如：转镇农业办核实补贴发放）。",
    "close": "请简要写明处理结果（会原样告诉反映人，请用通俗的话）。",
    "reject": "请写明不予受理的原因（会告诉反映人，请说明可以怎么做）。",
}
ASK_NOTE = "{action} {ticket}：{prompt}\n放弃请发送 /cancel 。"
TO_VILLAGER = {
    "accept": "您反映的问题（{ticket}）已经受理，监督员会尽快核实处理，有结果会告诉您。",
    "transfer": "您反映的问题（{ticket}）已转交有关部门办理：{note}\n办理结果会再告诉您。",
    "close": "您反映的问题（{ticket}）已经办结。\n处理结果：{note}\n请您评价这次办理：",
    "reject": "您反映的问题（{ticket}）这次没有受理。原因：{note}\n如果有新的情况或证据，"
              "可以发送 /complain 再次反映。",
}
STATUS_LINE = "{ticket} {status}（{who}）"
STATUS_NOTE = "\n说明：{note}"
ACTION_DONE = "已{action}：{ticket}，已通知反映人。"
NOTE_IN_PRIVATE = "{who} 正在{action} {ticket}，请在与我的私聊里填写说明。"
ESCALATE_ACCEPT = "提交超过{hours}小时仍未受理"
ESCALATE_CLOSE = "提交超过{days}天仍未办结"
ESCALATION = ("【督办提醒】群众反映 {ticket}（{category}，{village}）{why}，"
              "当前状态：{status}。请督促监督员办理。发送 /ticket {ticket} 查看详情。")
OPEN, ALL = "待办", "全部"
NO_TICKETS_IN_COUNTY = "本县目前没有{what}的群众反映。{tail}"
SEE_ALL = "发送 /tickets all 查看全部。"
COUNTY_TICKETS = "本县{what}的群众反映（最近{n}件）："
COUNTY_LINE = "{ticket} {status}{late} {category} {village}"
OVERDUE = "（超期）"
COUNTY_FOOT = "发送 /ticket 编号 查看详情并办理；/tickets all 查看全部，/tickets open 只看待办。"
ALL_WORDS = ("all", "全部")
RECORD_HEAD = "办理记录："
RECORD_LINE = "{time} {label}（{who}）"
AUTHOR_RATING = "反映人评价：{rating}"
EVENT_LABELS = {"filed": "提交", "accept": "受理", "transfer": "转办", "close": "办结",
                "reject": "驳回", "rated": "评价", "escalated_accept": "超时未受理，已报管理员",
                "escalated_close": "超期未办结，已报管理员"}

# -- the export -------------------------------------------------------------------------
DETAIL_SHEET, EVENTS_SHEET, SUMMARY_SHEET = "投诉明细", "办理记录", "汇总"
DETAIL_HEADERS = [("编号", 18), ("提交时间", 17), ("乡镇", 10), ("村", 10), ("类别", 14),
                  ("涉及对象", 20), ("反映人", 10), ("联系电话", 14), ("反映内容", 60),
                  ("地点时间", 24), ("照片数", 8), ("状态", 8), ("受理时间", 17),
                  ("办结时间", 17), ("处理说明", 40), ("评价", 10)]
EVENT_HEADERS = [("编号", 18), ("时间", 17), ("操作", 22), ("操作人", 12), ("说明", 60)]
SUMMARY_HEADERS = [("乡镇", 10), ("村", 10), ("工作队", 22), ("件数", 8), ("待受理", 8),
                   ("已受理", 8), ("已转办", 8), ("已办结", 8), ("已驳回", 8), ("已评价", 8),
                   ("满意", 8), ("基本满意", 10), ("不满意", 8), ("满意率", 10)]
CATEGORY_HEADERS = ["村", "类别", "件数"]

ERRORS = errors("complaints", {
    "villagers_only": "反映问题是给村民用的。发送 /help 查看您可以使用的命令。",
    "daily_limit": ("您今天已经反映了{limit}个问题，我们都会认真处理。为了让监督员集中精力办理，"
                    "每人每天最多反映这么多，请明天再来。发送 /mytickets 查看已反映问题的进度。"),
    "subject_gone": "所选的工作队成员已不在本村工作队。请重新发送 /complain 选择。",
    "busy": "系统有点忙，刚才没有提交成功。请稍等几秒再点一次「提交」。",
    "ticket_needs_number": ("请在命令后面写上编号，例如 /ticket TS-20261201-0001 。"
                            "不记得编号请发送 /mytickets 。"),
    "not_found": ("没有找到编号为 {ref} 的问题。请核对编号（例如 TS-20261201-0001），"
                  "或发送 /mytickets 查看您反映过的问题。"),
    "no_handling": "您没有办理这件群众反映的权限。办理由本县监督员负责；如有疑问请联系管理员。",
    "finished": "{ticket} {status}，不能再{action}。发送 /ticket {ticket} 查看办理记录。",
    "not_accepted": "{ticket} 还没有受理，不能直接{action}。请先点「受理」。",
    "wrong_status": "{ticket} 当前是「{status}」，只有{allowed}的问题才能{action}。",
    "note_empty": "请用几句话写明说明，不能为空。放弃请发送 /cancel 。",
    "note_too_long": "说明太长了（{length}字），请精简到{limit}字以内。",
    "not_author": "只有反映人本人可以评价这件问题的办理。",
    "not_closed": "{ticket} 还没有办结，办结后再请您评价。",
    "rated_already": "您已经评价过了（{rating}），谢谢您！",
})


# -- small compositions -----------------------------------------------------------------
def when(dt: datetime | None, tz: str) -> str:
    return local_stamp(dt, tz)


def member_tag(name: str, role: str) -> str:
    """"张驻村（驻村干部）": a team member on the villager's buttons."""
    return SUBJECT_MEMBER.format(name=name, role=SHORT_ROLE_LABELS[Role(role)])


def subject(s: Subject) -> str:
    """Whom a complaint is about, as supervisors and the export read it."""
    if s.member is not None:
        return SUBJECT_MEMBER.format(name=s.member.name, role=ROLE_LABELS[Role(s.member.role)])
    if s.about_team:
        return SUBJECT_TEAM.format(team=s.team.name) if s.team else SUBJECT_SOME_TEAM
    return NOBODY


def author(anonymous: bool, name: str | None) -> str:
    """The author on a card: '匿名' for an anonymous ticket (services give no name)."""
    return ANONYMOUS if anonymous else (name or "")


def rating(code: str) -> str:
    return RATINGS[code]


def status(code: str) -> str:
    return STATUS_LABELS[code]


RATING_CHOICES = tuple(RATINGS.items())
