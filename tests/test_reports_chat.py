"""Reports, check-in, attendance, monthly record and export through the console channel."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from services.config import Settings
from storage.models import AuditEvent, CheckIn, DailyReport, ReportRevision
from tests.harness import ChatHarness, run_console_script

ROOT = Path(__file__).resolve().parent.parent
FULL = "走访脱贫户，了解务工情况。走访：张三、李四 问题：屋顶漏雨 下一步：联系住建办"


def _count(chat: ChatHarness, model) -> int:  # type: ignore[no-untyped-def]
    with chat.core.db.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_one_message_report_then_edit_never_overwrites(chat: ChatHarness) -> None:
    out = chat.send("cadre1", f"/report {FULL}")
    assert "走访农户：2户：张三、李四" in out and "[提交] [修改] [取消]" in out
    assert "已提交" in chat.press("cadre1", "提交")
    again = chat.send("cadre1", "日志")
    assert "已经提交过了" in again and "[修改] [补充] [取消]" in again
    chat.press("cadre1", "修改")
    chat.press("cadre1", "工作内容")
    chat.send("cadre1", "走访脱贫户5户")
    assert "已修改" in chat.press("cadre1", "提交")
    chat.send("cadre1", "/report")
    chat.press("cadre1", "补充")
    chat.line("cadre1: @photo PHOTO-1 村口道路照片")
    assert "已补充" in chat.press("cadre1", "提交")
    with chat.core.db.session() as s:
        r = s.scalar(select(DailyReport))
        assert (r.done, r.problems, r.photos) == ("走访脱贫户5户\n村口道路照片", "屋顶漏雨",
                                                  ["PHOTO-1"])
        old = [v.content["done"] for v in s.scalars(select(ReportRevision).order_by(ReportRevision.id))]
        assert old == ["走访脱贫户，了解务工情况。", "走访脱贫户5户"]


def test_guided_dialog_with_skips_and_cancel(chat: ChatHarness) -> None:
    chat.send("cadre2", "/report")
    assert "走访了哪些农户" in chat.send("cadre2", "开会学习")
    chat.line("cadre2: @photo P9")
    assert "发现了什么问题" in chat.press("cadre2", "跳过")
    summary = chat.press("cadre2", "直接看摘要")
    assert "工作内容：开会学习" in summary and "照片：1 张" in summary
    assert "没有保存" in chat.press("cadre2", "取消")
    assert _count(chat, DailyReport) == 0


def test_bad_report_input_is_answered_and_nothing_is_lost(chat: ChatHarness) -> None:
    chat.send("cadre1", "/report")
    assert "空的" in chat.send("cadre1", "   ")
    assert "贴纸" in chat.line("cadre1: @sticker")
    chat.send("cadre1", "/cancel")
    assert "将来" in chat.send("cadre1", "/report 明天")
    chat.clock_to("2026-11-23 13:00")
    assert "12:00 前补写" in chat.send("cadre1", "/report 昨天")
    huge = "入户走访了解情况。" * 1112  # ~10,000 characters in one message
    out = chat.send("cadre1", f"/report {huge}")
    assert f"共{len(huge)}字，已完整保存" in out
    chat.press("cadre1", "提交")
    with chat.core.db.session() as s:
        assert s.scalar(select(DailyReport.done)) == huge
    full = chat.send("cadre1", "/myreports")
    assert "[全文 11月23日]" in full
    assert chat.press("cadre1", "全文 11月23日").count("-> cadre1:") >= 3  # split for display


def test_yesterday_is_open_until_noon(chat: ChatHarness) -> None:
    chat.clock_to("2026-11-24 11:30")
    out = chat.send("cadre1", "/report 昨天")
    assert "补写11月23日" in out
    chat.send("cadre1", "整理档案。走访：3户 问题：无")
    assert "11月23日（周一，昨天）" in chat.press("cadre1", "提交")


def test_free_text_offer_and_questions(chat: ChatHarness) -> None:
    text = "今天上午参加镇里的产业推进会，下午回村和村两委研究合作社分红方案，晚上入户宣传医保政策。"
    assert "[存为今日日志] [不用了]" in chat.send("cadre1", text)
    assert "没有保存" in chat.press("cadre1", "不用了")
    assert "已经处理过了" in chat.press("cadre1", "不用了")
    chat.send("cadre1", text)
    chat.press("cadre1", "存为今日日志")
    assert "已提交" in chat.press("cadre1", "提交")
    assert "补充到今日日志" in chat.send("cadre1", text)
    assert "存为" not in chat.send("cadre1", "小额信贷贷款额度和利率是多少，需要什么担保条件吗？")
    assert "存为" not in chat.send("villager", text)  # villagers do not write work reports
    assert "存为" not in chat.send("cadre1", "好的")


def test_forged_offer_button_is_refused(chat: ChatHarness) -> None:
    chat.send("cadre1", "今天上午参加镇里的产业推进会，下午回村和村两委研究合作社分红方案，晚上入户宣传医保政策。")
    chat.channel._buttons["cadre2"] = {"偷": chat.channel._buttons["cadre1"]["存为今日日志"]}
    assert "不是您发的" in chat.press("cadre2", "偷")


def test_checkin_inside_outside_twice_and_switched_off(chat: ChatHarness) -> None:
    ask = chat.send("cadre1", "/checkin")
    assert "发送我的位置" in ask and "@location" in ask
    assert "文字和图片代替不了" in chat.send("cadre1", "我在村里")
    assert "到村打卡成功" in chat.send("cadre1", "@location 26.251,107.512")
    assert "不用重复发送" in chat.send("cadre1", "@location 26.251,107.512")
    assert "已经到村打卡了" in chat.send("cadre1", "打卡")
    far = chat.send("cadre2", "@location 39.9,116.4")  # a location without /checkin
    assert "村外" in far and "离村很远" in far
    assert _count(chat, CheckIn) == 2
    chat.core.router.settings = Settings(_env_file=None, checkin_enabled=False)  # type: ignore[call-arg]
    assert "没有启用到村打卡" in chat.send("cadre2", "/checkin")
    assert "按提交的日志计算" in chat.send("cadre2", "/attendance")


def test_leader_sees_table_chart_and_excel(chat: ChatHarness, tmp_path: Path) -> None:
    chat.send("cadre1", f"/report {FULL}")
    chat.press("cadre1", "提交")
    chat.send("cadre1", "@location 26.251,107.512")
    chat.send("cadre2", "@location 26.60,107.90")
    assert "只对" in chat.send("cadre1", "/reports")
    table = chat.send("leader", "/reports")
    assert "已报 1 人，未报 2 人" in table and "未报：李书记、赵驻村" in table
    att = chat.send("leader", "/attendance")
    assert "张驻村（驻村干部）：在村 1/15 天，日志 1 天" in att
    png = tmp_path / "out" / "考勤-2026-11.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    chat.send("leader", "/export 2026-11")
    wb = load_workbook(tmp_path / "out" / "幸福村驻村工作队-2026-11-驻村工作.xlsx")
    assert wb.sheetnames == ["工作日志", "考勤", "打卡记录", "请销假", "驻村工作记实", "农户走访", "防返贫监测",
                             "群众监督员确认", "民生任务", "项目资金", "项目资金明细", "议事会决定", "交接表"]
    logs = wb["工作日志"]
    assert [c.value for c in logs[1]][:4] == ["日期", "姓名", "身份", "工作内容"]
    assert logs["B2"].value == "张驻村" and logs["A2"].value.date().isoformat() == "2026-11-23"
    assert logs["E2"].value == 2 and logs.column_dimensions["D"].width == 50
    grid = wb["考勤"]
    row = next(r for r in grid.iter_rows(values_only=True) if r[0] == "张驻村")
    assert row[2:4] == (1, 15) and row[8 + 22] == "√"  # 23日 column
    assert [r[3] for r in wb["打卡记录"].iter_rows(min_row=2, values_only=True)] == ["在村", "村外"]


def test_monthly_record_drafted_and_submitted_once(chat: ChatHarness) -> None:
    chat.send("cadre1", f"/report {FULL}")
    chat.press("cadre1", "提交")
    out = chat.send("cadre1", "/monthly")
    assert "驻村工作记实（2026年11月）" in out and "三、走访农户：共 2 户次" in out
    done = chat.press("cadre1", "提交")
    assert "已提交2026年11月驻村工作记实" in done and "-> leader: 张驻村提交了" in done
    assert "已于" in chat.send("cadre1", "/monthly")
    assert "已经提交过了" in chat.press("cadre1", "提交")


def test_example_script_runs_as_a_process(tmp_path: Path) -> None:
    script = (ROOT / "examples" / "reports.txt").read_text(encoding="utf-8")
    out = run_console_script(script, f"sqlite:///{tmp_path / 'ex.sqlite3'}",
                             clock="2026-11-23 18:00")
    for line in ("-> cadre1: ✅ 已提交11月23日（周一，今天）的日志。辛苦了！",
                 "-> cadre1: ✅ 已修改11月23日（周一，今天）的日志。原内容已保存在修改记录里。",
                 "-> cadre1: ✅ 到村打卡成功：18:00，距幸福村村中心 228 米（范围 2.0 公里）。",
                 "   已报 2 人，未报 1 人。", "   未报：李书记",
                 "-> leader: 张驻村提交了2026年11月驻村工作记实。发送 /export 可导出全队的工作表。"):
        assert line in out, line
    assert "（文件已保存：out/幸福村驻村工作队-2026-11-驻村工作.xlsx）" in out
    assert "日志的照片（1张）" in out and "   （照片：AgADBAADroof1）" in out


def test_leader_opens_a_members_photos_from_the_team_list(chat: ChatHarness) -> None:
    chat.send("cadre1", f"/report {FULL}")
    chat.line("cadre1: @photo RP-1 村口道路")
    chat.line("cadre1: @photo RP-2")
    chat.press("cadre1", "提交")
    chat.send("cadre2", "/report 整理档案，开会学习。走访：无")
    chat.press("cadre2", "提交")
    table = chat.send("leader", "/reports")
    # the list stays readable: one button per report with photos, none for the others
    assert "[📷 张驻村（2张）]" in table and "📷 赵驻村" not in table
    assert "（照片：" not in table
    out = chat.press("leader", "📷 张驻村（2张）")
    assert "张驻村 11月23日（周一，今天）日志的照片（2张）" in out
    assert "   （照片：RP-1）\n   （照片：RP-2）" in out
    assert "（照片：RP-1）" in chat.send("secretary", "/reports") + chat.press("secretary", "📷 张驻村（2张）")
    mine = chat.send("cadre1", "/myreports")
    assert "（照片：RP-1）" in chat.press("cadre1", "📷 11月23日（2张）") and "[📷 11月23日（2张）]" in mine
    # a teammate pressing a forged button gets nothing, and the refusal is audited
    chat.channel._buttons["cadre2"] = {"偷看": chat.channel._buttons["leader"]["📷 张驻村（2张）"]}
    refused = chat.press("cadre2", "偷看")
    assert "您不能查看这篇日志" in refused and "RP-1" not in refused
    # data that does not parse never reaches the handler: refused as malformed, audited
    chat.channel._buttons["cadre2"] = {"乱按": "rp:ph:abc"}
    garbled = chat.press("cadre2", "乱按")
    assert "按钮已经失效" in garbled and "RP-1" not in garbled
    with chat.core.db.session() as s:
        refusals = s.scalars(select(AuditEvent).where(AuditEvent.action == "refused")).all()
        assert [(a.actor, a.detail) for a in refusals][-1:] == [
            ("member:4", {"detail": "reports.not_reader",
                          "callback": chat.channel._buttons["leader"]["📷 张驻村（2张）"]})]
        malformed = s.scalars(select(AuditEvent).where(AuditEvent.action == "button.malformed")).all()
        assert [a.detail["callback"] for a in malformed] == ["rp:ph:abc"]
