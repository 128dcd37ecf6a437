"""Words the core itself says: refusals before any feature runs, and the fault notices."""

from __future__ import annotations

from core.words import errors

BUSY = "系统有点忙，您刚才的消息已经收到，正在排队处理，请不用重发。"
BROKEN = "抱歉，处理时出了点问题，刚才的操作没有保存。请再试一次；如果一直这样，请联系管理员。"
NOT_REGISTERED = ("您还没有注册。请发送管理员给您的注册码，例如：/start ABCD2345 。\n"
                  "村民请发送村里公布的村民码（以 V 开头）。")
DEACTIVATED = ("您的账号已经停用，不能再使用驻村助手。记录都还保留着；"
               "如果停用有误，请联系县里的管理员。")
STALE_BUTTON = "这个按钮已经失效了（对应的操作已结束或已过期）。发送 /help 查看可用的命令。"
EMPTY = "您发送的内容是空的。请输入文字，或发送 /help 查看可用的命令。"
NEED_TEXT = "这一步需要文字回复，我看不懂贴纸或语音。请直接输入文字；放弃请发送 /cancel 。"
TOO_LONG = "消息太长了（{n}字），最多{limit}字。请分成几条发送。"
NO_DIALOG = "现在没有进行中的操作。发送 /help 查看可用的命令。"
CANCELLED = "已取消「{title}」，填写的内容没有保存。需要时可以重新开始。"
UNKNOWN_COMMAND = "没有 /{name} 这个命令。发送 /help 查看您可以使用的命令。"
ONLY_FOR = "/{name} 只对{who}开放。发送 /help 查看您可以使用的命令。"
DIALOG_OPEN = "您还有未完成的「{title}」。请先回复完成它，或发送 /cancel 放弃后再发送 /{name} 。"
DIALOG_OPEN_BUTTON = "您还有未完成的「{title}」。请先完成它或发送 /cancel，再点「{label}」。"
ONLY_TEXT = "我暂时只能看懂文字消息。发送 /help 查看您可以做的事。"
NOT_UNDERSTOOD = "我没有看懂这条消息。发送 /help 查看您可以使用的命令。"
PARKED_ADMIN = ("⚠ 有一条消息反复处理失败（{attempts}次），已暂停处理，等待排查。\n"
                "编号：{id}（{key}）；类型：{kind}；原因：{error}\n"
                "修复后用 admin parked --retry {id} 重新处理；详见 docs/operations.md「搁置的消息」。")
PARKED_USER = ("抱歉，您的一条消息系统多次处理都没有成功，已经转给管理员排查。"
               "请稍后换个说法再发一次，或直接联系管理员。")

ERRORS = errors("core", {
    "not_registered": NOT_REGISTERED,
    "deactivated": DEACTIVATED,
    "only_for": ONLY_FOR,
    "dialog_open_button": DIALOG_OPEN_BUTTON,
})
PHOTOS_SKIPPED = "（有{n}张照片未能发送，可能已失效）"
