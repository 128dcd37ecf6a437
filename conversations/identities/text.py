"""Every word of binding a second platform (/link, 绑定) and choosing where messages go
(/receive, 接收平台); refusals of services/links.py."""

from __future__ import annotations

from core.words import errors

LINK_DESCRIPTION = "把另一个平台（钉钉 / Telegram）的账号绑定到我"
LINK_ALIASES = ("绑定", "绑定账号")
RECEIVE_DESCRIPTION = "选择在哪个平台接收提醒和通知"
RECEIVE_ALIASES = ("接收平台",)

CODE = ("您的绑定码：{code}\n"
        "请在另一个平台（钉钉或 Telegram）上给驻村助手发送：/link {code}\n"
        "（钉钉里也可以发送「绑定 {code}」）\n"
        "{minutes} 分钟内有效，只能用一次。不要把绑定码告诉别人：拿到它的人可以用您的身份。")
GUEST_HOW = ("绑定用来把两个平台的账号连成一个人。请先在您已经注册的平台上发送 /link 获取绑定码，"
             "再在这里发送 /link 绑定码 。还没有注册过的，请发送注册码注册（例如 /start ABCD2345）。")
ALREADY_HERE = ("这个账号已经注册为「{name}」。绑定码要在另一个平台上、还没有注册的账号里发送。"
                "发送 /link 可以获取新的绑定码。")
BOUND = ("绑定成功！这个{platform}账号已经是「{name}」本人了，功能和原来的账号一样。\n"
         "提醒和通知发到您最近使用的平台；想固定一个平台，发送 /receive 。")
BOUND_NOTICE = ("您的账号刚刚绑定了一个{platform}账号。如果不是您本人操作，请立即联系管理员。")

RECEIVE_HEAD = "您的账号："
RECEIVE_LINE = "· {platform}{mark}"
MARK_CHOSEN = "（已选定：提醒和通知发到这里）"
MARK_LAST = "（最近使用）"
RECEIVE_NOW_LAST = "现在：提醒和通知发到您最近使用的平台。"
RECEIVE_TAIL = "选定一个平台请发送：/receive 钉钉 或 /receive Telegram ；恢复“最近使用”请发送 /receive 自动 。"
RECEIVE_CHOSEN = "好的，以后提醒和通知都发到{platform}。恢复“最近使用”请发送 /receive 自动 。"
RECEIVE_AUTO = "好的，以后提醒和通知发到您最近使用的平台。"
AUTO_WORDS = ("自动", "最近", "最近使用", "auto")

ERRORS = errors("identities", {
    "code_unknown": "这个绑定码不对。请核对后重新发送，或在原来的平台上发送 /link 获取新的。",
    "code_expired": "这个绑定码已经失效（10 分钟内有效、只能用一次）。请在原来的平台上发送 /link 获取新的。",
    "platform_taken": "您在这个平台上已经绑定过一个账号了。如需更换，请联系管理员。",
    "already_bound": "这个账号已经注册过了，不能再绑定到别人。发送 /me 查看您的身份。",
    "private_only": "绑定请在和驻村助手的单聊里进行，不要在群里发送绑定码。",
    "too_many": "绑定码输错的次数太多了，请一小时后再试。",
    "no_account": "您还没有{platform}账号。先在{platform}上用 /link 绑定，再来选择。",
    "unknown_platform": "没有这个平台。请发送 /receive 钉钉、/receive Telegram 或 /receive 自动 。",
})
