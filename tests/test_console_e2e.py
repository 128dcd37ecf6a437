"""The console channel as a real process: `python bot.py console`, scripted on stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.harness import run_console_script

ROOT = Path(__file__).resolve().parent.parent


def _bot(*args: str, db_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "bot.py", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def test_newcomer_follows_the_readme_and_registers_a_cadre(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'readme.sqlite3'}"
    assert _bot("migrate", db_url=url).returncode == 0
    assert _bot("admin", "add-village", "--county", "示范县", "--township", "示范镇",
                "--name", "幸福村", "--lat", "26.25", "--lon", "107.51", db_url=url).returncode == 0
    made = _bot("admin", "create-team", "--name", "幸福村驻村工作队", "--village", "幸福村",
                "--term-start", "2025-03-01", db_url=url)
    assert "已创建工作队" in made.stdout
    invite = _bot("admin", "invite", "--team", "幸福村驻村工作队", "--role", "cadre", db_url=url)
    code = invite.stdout.split("注册码：", 1)[1].split()[0]
    assert f"https://t.me/zhucun_helper_bot?start={code}" in invite.stdout
    out = run_console_script(f"alice: /start {code}\nalice: 张三\nalice: /me\n", url,
                             demo=False)
    assert "-> alice: 注册成功！张三，您是幸福村驻村工作队的驻村干部。" in out
    assert "   身份：驻村干部" in out
    members = _bot("admin", "list-members", db_url=url)
    assert "张三" in members.stdout and "驻村干部" in members.stdout
    reused = run_console_script(f"bob: /start {code}\n", url, demo=False)
    assert "已经被使用过" in reused


def test_admin_cli_errors_are_clear(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    bad_team = _bot("admin", "invite", "--team", "不存在的队", "--role", "cadre", db_url=url)
    assert bad_team.returncode == 2 and "找不到工作队「不存在的队」" in bad_team.stderr
    bad_role = _bot("admin", "invite", "--team", "1", "--role", "boss", db_url=url)
    assert bad_role.returncode == 2 and "角色「boss」不存在" in bad_role.stderr
    bad_member = _bot("admin", "deactivate", "--member", "99", db_url=url)
    assert bad_member.returncode == 2 and "找不到编号为 99 的成员" in bad_member.stderr


def test_demo_script_shows_roles_and_bad_input(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    out = run_console_script((ROOT / "examples" / "register.txt").read_text(), url)
    assert "-> newcomer: 您还没有注册。可以使用：" in out
    assert "-> cadre1: 姓名：张驻村" in out
    assert "-> villager: 您是村民，可以使用：" in out
    assert "-> cadre1: 没有 /launch 这个命令" in out
    assert "-> cadre1: 我暂时只能看懂文字消息" in out


def test_make_run_without_token_starts_the_console_demo(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}"}
    env.pop("BOT_TOKEN", None)
    proc = subprocess.run([sys.executable, "bot.py", "run"], input="leader: /me\n",
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0
    assert "未设置 BOT_TOKEN：启动控制台演示" in proc.stdout
    assert "-> leader: 姓名：王组长" in proc.stdout


def test_migrate_creates_the_database_folder_on_a_fresh_machine(tmp_path: Path) -> None:
    """`make run` migrates first; on a fresh clone the data/ folder does not exist yet."""
    target = tmp_path / "not" / "there" / "zhucun.sqlite3"
    done = _bot("migrate", db_url=f"sqlite:///{target}")
    assert done.returncode == 0, done.stderr
    assert "数据库已升级到最新结构" in done.stdout and target.exists()


def test_example_scripts_each_run_on_a_fresh_database_of_their_own() -> None:
    """A script that leaves a dialog open does not swallow the next script's lines."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL")}
    env["WEB_ENABLED"] = "false"

    def run(script: str) -> str:
        p = subprocess.run([sys.executable, "bot.py", "console", "--demo", "--fresh", "--echo"],
                           input=script, capture_output=True, text=True, cwd=root, env=env,
                           timeout=120)
        assert p.returncode == 0, p.stderr
        return p.stdout

    assert "今天做了什么" in run("cadre1: /report\n")  # left open on purpose
    second = run("cadre1: /help\n")
    assert "您是驻村干部，可以使用" in second and "未完成" not in second
