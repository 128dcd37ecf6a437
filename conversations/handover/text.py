"""Every word of the handover sheet (交接表): /handover, naming the successor, the files
the outgoing member lists, the successor's confirmations, both signatures, the
township's approval, the notices, the 交接表 sheet, and the error templates of
services/handover.py (handover.*). /term and /closeterm keep theirs in
conversations/reminders/text.py."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core.words import errors
from services.clock import local

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Handover, HandoverItem

ERRORS = errors("handover", {
    "gone": "这份交接表不存在了。发送 /handover 查看。",
    "closed": "这份交接表已经结束，不能再修改。",
    "namers_only": "只有本队组长或本县管理员可以指定接任人。",
    "other_county": "这份交接表不在您管理的县。",
    "bad_successor": "{name}不能做接任人：接任人要是同一工作队的在岗队员，且不是离任者本人。",
    "approved_already": "这份交接表已经乡镇审批，不能再修改。",
    "outgoing_only": "只有离任的队员本人可以添加移交的文件资料。",
    "empty_file": "请写要移交的文件资料，一行一项。",
    "successor_only": "只有指定的接任人可以确认接收。",
    "item_gone": "交接表里没有这一项了。发送 /handover 查看。",
    "need_successor": "还没有指定接任人，指定后才能签字。请组长或管理员在交接表里「指定接任人」。",
    "items_left": "还有 {n} 项没有确认接收，全部确认后才能签字。",
    "not_party": "您不是这份交接表的当事人，不能查看或签字。",
    "approvers_only": "乡镇审批只能由本县管理员、本乡镇的乡镇领导或同一乡镇的组长（包村领导）确认。",
    "not_own_approval": "交接双方不能自己审批自己的交接表。",
    "already_approved": "这份交接表已经审批过了。",
    "need_signatures": "双方都签字后才能审批。",
})

CMD_HANDOVER = "交接表（任期轮换：移交事项、接任人确认、双方签字、乡镇审批）"
ALIAS_HANDOVER = ("交接表",)
FILES_TITLE = "添加移交文件资料"

STEP_LABELS = {"successor": "指定接任人", "items": "接任人逐项确认", "out_signed": "离任方签字",
               "in_signed": "接任方签字", "approved": "乡镇审批"}
FILE_TITLE = "文件资料"
OTHER_TITLE = "其他"
LIST_SEP = "、"

NO_HANDOVER = "现在没有进行中的交接。任期结束前 {days} 天，交接表会自动打开并提醒您。"


def day(dt: datetime | None, tz: str) -> str:
    if dt is None:
        return ""
    t = local(dt, tz)
    return f"{t.month}月{t.day}日"


def sheet_text(s: Session, h: Handover, now: datetime, tz: str | None = None) -> str:
    """The 交接表 as a message: successor, items by kind with their confirmations, the
    signatures and the approval, and what is still to do."""
    from services import handover
    from storage.models import Member, Team

    team = s.get(Team, h.team_id) if h.team_id else None
    tz = tz or (team.timezone if team else "Asia/Shanghai")

    sh = handover.sheet_of(s, h)
    out_m = s.get(Member, h.member_id)
    succ = s.get(Member, sh.successor_id) if sh.successor_id else None
    items = handover.items(s, h)
    done = sum(1 for i in items if i.confirmed_at is not None)
    lines = [f"📋 {out_m.name if out_m else h.member_id}的交接表（任期至 {h.term_end}）",
             f"接任人：{succ.name if succ else '未指定'}",
             f"移交事项（已确认 {done}/{len(items)}）：" if items else "移交事项：暂无（可添加文件资料）"]
    sources = handover.sources()
    titles = {src.kind: src.title for src in sources}
    titles[handover.FILE] = FILE_TITLE
    by_kind: dict[str, list[HandoverItem]] = {}
    for i in items:
        by_kind.setdefault(i.kind, []).append(i)
    order = [src.kind for src in sources] + [handover.FILE]
    for kind in order + [k for k in by_kind if k not in order]:
        if kind not in by_kind:
            continue
        lines.append(f"【{titles.get(kind, OTHER_TITLE)}】")
        for i in by_kind[kind]:
            mark = f"✅ {day(i.confirmed_at, tz)}接收" if i.confirmed_at else "⬜"
            lines.append(f" {mark} {i.label}")
    lines.append(f"签字：离任方{'✅ ' + day(sh.out_signed_at, tz) if sh.out_signed_at else '⬜'}　"
                 f"接任方{'✅ ' + day(sh.in_signed_at, tz) if sh.in_signed_at else '⬜'}")
    approver = s.get(Member, sh.approver_id) if sh.approver_id else None
    by = f"（{approver.name}）" if approver else ""
    lines.append(f"乡镇审批：{'✅ ' + day(sh.approved_at, tz) + by if sh.approved_at else '⬜'}")
    if h.closed_at is not None:
        lines.append("任期已结束。" + (f"（强制结束，理由：{h.override_reason}）" if h.override_reason else ""))
    else:
        left = handover.steps_left(s, h, items)
        lines.append("还差：" + LIST_SEP.join(STEP_LABELS[k] for k in left) if left
                     else f"交接已全部完成，管理员可以结束任期：/closeterm {out_m.name if out_m else ''}")
    return "\n".join(lines)


# -- buttons ----------------------------------------------------------------------------------
BTN_NAME = "指定接任人"
BTN_FILES = "添加文件资料"
BTN_SIGN_OUT = "离任方签字"
BTN_SIGN_IN = "接任方签字"
BTN_ALL = "全部确认接收（{n}项）"
BTN_ITEM = "✔ {label}"
BTN_APPROVE = "乡镇审批通过"
BTN_VIEW = "查看交接表"
PICK_SUCCESSOR = "请选择{name}的接任人（同一工作队的队员）："
NO_CANDIDATES = "本队没有其他在岗队员。请先让管理员邀请新队员（admin invite --team …），注册后再指定。"

# -- replies and notices --------------------------------------------------------------------------
NAMED = "✅ 已指定{name}为{out}的接任人。"
NAMED_SUCCESSOR = ("📋 您被指定为{out}的接任人（任期至 {end}）。请在交接表里逐项确认接收"
                   "（任务、项目、农户、文件……），全部确认后签字：/handover")
NAMED_OUTGOING = "📋 {name}被指定为您的接任人。请在交接表里添加要移交的文件资料，核对后签字：/handover"
ASK_FILES = ("请写要移交的文件资料，一行一项，例如：\n2025年帮扶工作台账（纸质，村部档案柜）\n"
             "村集体经济合同（电子版，已发组长）")
FILES_ADDED = "✅ 已添加 {n} 项文件资料，等接任人确认接收。"
CONFIRMED = "✅ 已确认接收 {n} 项。"
CONFIRMED_NOTE = "\n任务和项目已转到您名下。"
SIGNED = {"out": "✅ 离任方已签字。", "in": "✅ 接任方已签字。"}
TO_APPROVE = "📋 {out}的交接表双方已签字，请乡镇审批（包村领导或管理员）："
APPROVED = "✅ 已审批{out}的交接表。管理员现在可以结束其任期：/closeterm {out}"
APPROVED_NOTICE = "✅ {out}的交接表已经乡镇审批（{by}）。"

# -- the 交接表 sheet -------------------------------------------------------------------------------
SHEET = "交接表"
SHEET_HEADERS = ["工作队", "离任人", "任期至", "接任人", "类别", "移交事项", "接收日期", "离任方签字",
                 "接任方签字", "乡镇审批", "审批人", "结束日期", "强制结束理由"]
SHEET_WIDTHS = [18, 10, 12, 10, 10, 40, 12, 12, 12, 12, 10, 12, 30]
