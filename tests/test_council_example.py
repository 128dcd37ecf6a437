"""examples/council.txt, run as a real `bot.py console` process, walks a quarter: a council
meeting with an agenda of two projects and one task, decisions recorded, villagers told;
a task updated monthly and closed with evidence; a project approved, progressing and
published; a rotation with a named successor confirming each item; the 28th and
5 January reminders firing by !clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import run_console_script

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def transcript(tmp_path_factory: pytest.TempPathFactory) -> str:
    script = (ROOT / "examples" / "council.txt").read_text(encoding="utf-8")
    url = f"sqlite:///{tmp_path_factory.mktemp('council') / 'c.sqlite3'}"
    return run_console_script(script, url, clock="2026-11-30 09:00", timeout=300)


def test_the_walk_runs_without_a_dead_end(transcript: str) -> None:
    assert "Traceback" not in transcript
    assert "最近的消息里没有" not in transcript  # every button the script presses was there


def test_a_meeting_with_two_projects_and_a_task_decided_and_published(transcript: str) -> None:
    agenda = ("   1. 项目：村东组道路硬化（财政衔接资金，12万元）\n   2. 项目：三组饮水管网改造（帮扶单位资金，8.5万元）\n"
              "   3. 民生任务：三组自来水水压低，高处农户吃水难（责任人 赵驻村）")
    assert "-> villager: 📢 村里通知：12月10日（周四）15:00 召开村民代表会议（村民议事会）（新召开的会议）\n   议程：\n" \
        + agenda in transcript
    assert "-> villager: 📢 村里通知：12月10日（周四）15:00 召开村民代表会议（村民议事会）（明天就要开始）" in transcript
    assert ("-> villager: 📢 议事会决定公示 · 12月10日（周四）15:00 村民代表会议\n"
            "   1. 项目：村东组道路硬化（财政衔接资金，12万元） — 通过（赞成23 反对2 弃权1）") in transcript


def test_a_project_approved_progressing_and_published(transcript: str) -> None:
    assert "[开工] [追加资金]" in transcript  # only after the decision
    assert "已记支出 3.6万元。「村东组道路硬化」批准 12万元，已支出 3.6万元，结余 8.4万元。" in transcript
    assert "-> villager: 📢 项目进展公示：村东组道路硬化\n   路基已完成，开始浇筑路面" in transcript
    assert "超出部分要先申请追加资金" in transcript
    assert "   1. 资金使用：村东组道路硬化追加1.5万元（增加排水沟）" in transcript  # on February's agenda


def test_a_task_updated_monthly_and_closed_with_evidence(transcript: str) -> None:
    assert "-> cadre1: 📋 民生任务进展 · 12月" in transcript
    assert "已记下任务 #2 的12月进展" in transcript and "已记下任务 #1 的12月进展" in transcript
    assert "-> leader: 📋 民生任务申请销号，请核实：" in transcript and "（照片：WATER-2）" in transcript
    assert "-> villager: 📢 民生任务销号公示：【吃水】三组自来水水压低，高处农户吃水难 已解决（责任人：赵驻村，王组长核实）。" \
        in transcript


def test_deadline_reminders_fire_and_open_the_draft(transcript: str) -> None:
    assert "-> cadre1: 🗓 工作记实提醒 · 12月\n   张驻村，2026年12月的驻村工作记实请在 12月28日前报送（还有3天）" in transcript
    assert "✅ 已提交2026年12月驻村工作记实" in transcript
    assert "-> secretary: 🗓 2026年度工作总结提醒\n   李书记，2026年度工作总结请在 2027年1月5日 前报送（还有7天）" in transcript
    assert "✅ 已提交2026年度工作总结" in transcript


def test_a_rotation_with_a_named_successor_confirming_each_item(transcript: str) -> None:
    assert "-> cadre1: 📋 您被指定为赵驻村的接任人（任期至 2027-02-20）" in transcript
    assert " ✅ 2月5日接收 #2 三组饮水管网改造（议事会已通过，待开工，8.5万元）" in transcript
    assert " ✅ 2月5日接收 2025年帮扶工作台账（纸质，村部档案柜）" in transcript
    assert "乡镇审批：✅ 2月5日（王组长）" in transcript
    assert "已结束赵驻村的驻村任期（交接表已完成）" in transcript


def test_voice_and_export(transcript: str) -> None:
    assert "   （语音：VOICE-1）" in transcript
    assert ("工作表（工作日志、考勤、打卡记录、请销假、驻村工作记实、农户走访、防返贫监测、群众监督员确认、"
            "民生任务、项目资金、项目资金明细、议事会决定、交接表）") \
        in transcript
