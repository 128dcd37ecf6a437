"""Every word of /help, /me and /cancel's menu entry, and the error catalogue of the
administrator's command line ("admin": services/admin.py, services/invites.create_invite,
cli/admin.py), which prints `str(exc)` of those errors."""

from __future__ import annotations

from core.words import errors

HELP_DESCRIPTION = "查看可用的命令"
HELP_ALIASES = ("帮助", "菜单")
ME_DESCRIPTION = "查看我的身份和工作队"
ME_ALIASES = ("我是谁",)
CANCEL_DESCRIPTION = "退出当前操作"
CANCEL_ALIASES = ("取消",)

PLATFORM_LABELS = {"telegram": "Telegram", "console": "控制台", "dingtalk": "钉钉"}

# /help
MENU_LINE = "/{name} — {description}"
HELP_GUEST_HEAD = "您还没有注册。可以使用："
HELP_GUEST_TAIL = "请先发送注册码注册，例如 /start ABCD2345 。"
HELP_VILLAGER_HEAD = "您是村民，可以使用："
HELP_VILLAGER_TAIL = ("在这里可以向县里的监督员反映驻村工作队和村里的问题（可以匿名），并随时查看办理进度。"
                      "也可以直接说「反映问题」；填写中途想退出，发送 /cancel 就行。\n"
                      "想问惠民政策，直接把问题发给我，例如：低保怎么申请？")
HELP_STAFF_HEAD = "您是{role}，可以使用："
HELP_STAFF_TAIL = "在任何一步发送 /cancel 都可以退出当前操作。"

# /me
ME_NAME = "姓名：{name}"
ME_ROLE = "身份：{role}"
ME_TEAM = "工作队：{team}"
ME_VILLAGE = "驻村：{village}"
ME_TERM = "任期：{start} 至 {end}"
TERM_UNSET = "未设"
ME_HOME_VILLAGE = "所在村：{village}"
ME_BOUND = "已绑定：{platforms}"
LIST_SEP = "、"
ME_TAIL = "发送 /help 查看您可以做的事。"


def platforms(names: list[str]) -> str:
    return LIST_SEP.join(PLATFORM_LABELS.get(n, n) for n in names)


# The administrator's command line: `str(exc)` is printed after "错误：".
ADMIN_ERRORS = errors("admin", {
    "invite_needs_team": "邀请{role}需要指定工作队（--team）。",
    "invite_needs_village": "村民注册码需要指定村（--village）。",
    "invite_needs_county": "邀请{role}需要指定县（--county）。",
    "unknown_role": "角色「{role}」不存在。可选：{choices}",
    "bad_coordinates": "经纬度不正确：纬度应在 -90 到 90 之间，经度在 -180 到 180 之间。",
    "bad_radius": "围栏半径必须大于 0 米。",
    "village_not_found": "找不到村「{ref}」。先用 admin add-village 添加，或用 admin list-villages 查看。",
    "village_ambiguous": "有{count}个村叫「{name}」，请写成「乡镇/村」或用编号。",
    "team_not_found": "找不到工作队「{ref}」。用 admin list-teams 查看已有的工作队。",
    "county_not_found": "找不到县「{ref}」。先用 admin add-village 添加该县的村。",
    "bad_timezone": "时区「{timezone}」不存在，例如 Asia/Shanghai。",
    "team_exists": "已经有叫「{name}」的工作队了。",
    "member_not_found": "找不到编号为 {member_id} 的成员。用 admin list-members 查看。",
    "member_inactive": "{name}（{member_id}）已经是停用状态。",
    "parked_not_found": "没有编号为 {row_id} 的搁置消息。用 admin parked 查看。",
    "purge_active": "{name}（{member_id}）还没有停用，不能删除个人信息。先用 admin deactivate 停用。",
    "purged_already": "编号 {member_id} 的个人信息已经删除过了。",
    "purge_too_early": ("编号 {member_id} 停用还不满 {days} 天（保留期），{until} 之后才能删除个人信息。"
                        "保留期由 MEMBER_RETENTION_DAYS 设置。"),
})
