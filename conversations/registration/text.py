"""Every word the registration feature says: /start, the registration dialog, invite codes
(services/invites.py) and names (services/text.clean_name)."""

from __future__ import annotations

from core.words import errors

TITLE = "注册"
START_DESCRIPTION = "开始 / 用注册码注册"
START_ALIASES = ("注册",)

WELCOME = ("欢迎使用驻村助手！\n"
           "驻村工作队成员：请发送管理员给您的注册码，例如 /start ABCD2345 。\n"
           "村民：请发送村里公布的村民码（以 V 开头），注册后可以反映问题、查看办理进度。")
ALREADY = "您已经注册为{role}「{name}」。发送 /help 查看您可以做的事。"
BAD_FORMAT = ("注册码格式不对：应为8位字母和数字（村民码以 V 开头），例如 ABCD2345。"
              "请核对后重新发送。")

CONFIRM = "注册码有效：{where}{role}「{name}」。是您本人吗？"
YES = "是我，确认注册"
NO = "不是"
NOT_ME = "好的，没有注册。请向管理员核对注册码。"
PRESS_YES_OR_NO = "请点击「是我，确认注册」或「不是」；也可以发送 /cancel 放弃。"
ASK_NAME = "注册码有效：{where}{role}。\n{ask}"
ASK_VILLAGER_NAME = "请问怎么称呼您？请回复您的姓名。"
ASK_MEMBER_NAME = "请回复您的真实姓名（例如：张三）。"
WHERE = "{place} · "
DONE = ("注册成功！{name}，您是{where}的{role}。\n"
        "发送 /help 查看您可以做的事，发送 /me 查看您的信息。")

ERRORS = errors("registration", {
    # services/invites.check_code and redeem
    "code_unknown": "这个注册码不存在。请核对后重新发送，或向管理员索取新的注册码。",
    "code_expired": "这个注册码已过期。请向管理员索取新的注册码。",
    "code_used": "这个注册码已经被使用过了。每个注册码只能用一次，请向管理员索取新的。",
    "already_registered": "您已经注册过了。发送 /me 查看您的身份。",
    # services/text.clean_name
    "name_empty": "姓名不能为空，请回复您的姓名（例如：张三）。",
    "name_too_long": "姓名太长了（最多{limit}个字），请回复您的真实姓名。",
    "name_chars": "姓名里只能有文字，不能有数字、表情或符号。请重新回复您的姓名。",
})
