"""Every word of the /web command (the sign-in link) and the refusals of services/weblogin.py
and services/workspace/ (the web pages render these too)."""

from __future__ import annotations

from core.words import errors

WEB_DESCRIPTION = "打开县级工作台网页（发送一次性登录链接）"
WEB_ALIASES = ("工作台", "网页工作台", "登录网页")

LINK = ("工作台登录链接（{minutes} 分钟内有效，只能用一次，请勿转发）：\n{url}\n\n"
        "在手机或电脑浏览器中打开，点「进入工作台」即可。链接过期了就再发一次 /web 。")

ERRORS = errors("web", {
    "not_for_role": "工作台供组长、第一书记、乡镇领导、监督员和管理员使用。"
                    "您的考勤请发送 /attendance 查看。",
    "link_unknown": "这个登录链接无效。请在机器人里重新发送 /web 获取新链接。",
    "link_used": "这个登录链接已经用过了（每个链接只能用一次）。请重新发送 /web 获取新链接。",
    "link_expired": "这个登录链接已过期（有效期几分钟）。请重新发送 /web 获取新链接。",
    "not_in_scope": "您没有查看这一页的权限：组长看本队，乡镇领导看本乡镇，监督员和管理员看本县。",
    "not_found": "没有找到这一页要看的内容，可能已被删除。请从首页重新进入。",
    "bad_month": "月份「{text}」看不懂，请写成 2026-11 这样。",
    "bad_date": "日期「{text}」看不懂，请写成 2026-11-23 这样。",
    "spot_bad_result": "请选择抽查结果：在岗、不在岗（无正当理由）或请假/公差在外。",
    "spot_checker_missing": "请写上检查单位或检查人（例如：县委组织部督查组）。",
    "spot_future": "抽查日期 {day} 还没到，请检查日期。",
    "not_editor": "这一项由{who}填写。",
    "bad_mark": "「{field}」应填 0 到 {top} 之间的分数（可以留空），您填的是「{text}」。",
    "bad_rating": "等次「{text}」不在可选范围内。",
    "rating_capped": "按抽查结果（无正当理由不在岗 {n} 次），等次不能评为「{text}」。",
    "no_township": "这位乡镇领导还没有指定乡镇：请管理员运行 bot.py admin set-township。",
    "township_unknown": "没有找到乡镇「{name}」。",
    "export_needs_scope": "请指定 --team（一个工作队）或 --county（全县汇总）。",
    "not_township_leader": "「{name}」不是乡镇领导（角色 township_leader）。",
})
