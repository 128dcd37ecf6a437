"""A transcript of the bot on DingTalk, captured from the local fake gateway.

    .venv/bin/python scripts/dingtalk_transcript.py [OUT.md]

Starts the fake DingTalk gateway (tests/fakes/dingtalk.py) and the bot's DingTalk channel
with the demo team on a fresh SQLite file, then plays: registration by invite code, a
daily log (日志, the /report command typed as a word) submitted by its card button, a
leave request approved by the team leader by button, and the evening reminder. Every
line is what the gateway received from a person or what the robot send APIs delivered,
buttons as the message shows them (links under its text).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from services.invites import create_invite  # noqa: E402
from services.roles import Role  # noqa: E402
from storage.models import Team  # noqa: E402
from tests.dingtalk_support import APP_ID, APP_SECRET, Bot, dingtalk_bot  # noqa: E402
from tests.fakes.dingtalk import FakeDingTalk  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
WHO = {"qian": "钱驻村（新队员）", "cadre1": "张驻村（队员）", "leader": "王组长（组长）",
       "cadre2": "赵驻村（队员）", "secretary": "李书记（第一书记）"}


class Transcript:
    def __init__(self, bot: Bot) -> None:
        self.bot, self.lines, self.seen = bot, [], 0

    def say(self, user: str, text: str) -> None:
        self._flush()
        shown = text
        if "#" in text and " #" in text:  # a press: the card button the person tapped
            shown = f"［点按钮「{text.split(' #')[0]}」］（发出：{text}）"
        self.lines.append(f"**{WHO[user]}** → 机器人：{shown}")
        self.bot.fake.push_text(user, text)

    def note(self, text: str) -> None:
        self._flush()
        self.lines.append(f"*{text}*")

    async def expect(self, user: str, words: str) -> dict[str, str]:
        _, buttons = await self.bot.wait_said(user, words)
        await asyncio.sleep(0.3)  # let the rest of the answer arrive
        self._flush()
        return buttons

    def _flush(self) -> None:
        from tests.conformance.sides import shown

        for m in self.bot.fake.sent_messages()[self.seen:]:
            text, buttons = shown(m.content)
            body = text.replace("\n", "  \n> ")
            keys = " ".join(f"［{b}］" for b in buttons)
            via = "单聊" if m.target == "user" else "群"
            self.lines.append(f"> 机器人 → **{WHO.get(m.target_id, m.target_id)}**（{via}，"
                              f"{m.via}，{m.msg_type}）：  \n> {body}"
                              + (f"  \n> 按钮：{keys}" if keys else ""))
        self.seen = len(self.bot.fake.sent_messages())


async def play(db_url: str) -> list[str]:
    with FakeDingTalk(client_id=APP_ID, client_secret=APP_SECRET) as fake:
        async with dingtalk_bot(db_url, fake, reminders_seed_defaults=True,
                                at=datetime(2026, 11, 23, 9, 0, tzinfo=TZ)) as bot:
            t = Transcript(bot)
            with bot.core.db.session() as s:
                team = s.scalar(select(Team))
                code = create_invite(s, role=Role.CADRE, now=bot.clock.now(), team=team).code
            t.note(f"1. 注册：管理员在命令行为新队员生成注册码 {code}（bot.py admin invite …），"
                   "新队员在钉钉里找到“驻村助手”机器人，单聊发送：")
            t.say("qian", f"注册 {code}")
            await t.expect("qian", "真实姓名")
            t.say("qian", "钱驻村")
            await t.expect("qian", "注册成功")
            t.note("2. 工作日志：/report 在钉钉里说成「日志」，点卡片上的按钮提交")
            t.say("qian", "日志 走访脱贫户3户，了解务工和医保情况。问题：无 下一步：继续走访")
            buttons = await t.expect("qian", "请核对")
            t.say("qian", buttons["提交"])
            await t.expect("qian", "已提交")
            t.note("3. 请假：张驻村请事假，王组长在审批卡片上点「批准」")
            t.say("cadre1", "请假")
            buttons = await t.expect("cadre1", "请选择请假类型")
            t.say("cadre1", buttons["事假"])
            await t.expect("cadre1", "请输入日期")
            t.say("cadre1", "明天")
            buttons = await t.expect("cadre1", "对吗")
            t.say("cadre1", buttons["确认"])
            await t.expect("cadre1", "事由")
            t.say("cadre1", "家里有事")
            buttons = await t.expect("leader", "请假审批")
            t.say("leader", buttons["批准"])
            await t.expect("cadre1", "批准。")
            t.note("4. 提醒：当天 20:00，还没写日志的队员收到提醒（已交日志的钱驻村不会收到）")
            await bot.tick(datetime(2026, 11, 23, 20, 0, tzinfo=TZ))
            await t.expect("cadre1", "日志")
            t._flush()
            return t.lines


def main() -> int:
    with tempfile.TemporaryDirectory() as d:
        lines = asyncio.run(play(f"sqlite:///{d}/transcript.sqlite3"))
    text = "\n\n".join(lines) + "\n"
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
