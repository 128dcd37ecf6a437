"""The county workspace in a real browser: headless Chromium (Debian's package) driven by
Selenium through Debian's chromedriver.

Sign in through a link the bot sent in chat, drill down county -> township -> team ->
person, filter the logs, record a spot check, fill an assessment sheet, export, and the
refusals: a leader opening another team's page, an expired link, a used link. Screenshots
go to out/ for the docs. Without Chromium the tests skip on a laptop and fail in CI
(CI=true), as the PostgreSQL tests do; `make test` installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.app import BotCore
from services.clock import ManualClock
from services.demo import load_demo
from storage.db import Database
from storage.models import AuditEvent, Identity, Member, SpotCheck
from tests.conftest import at
from tests.harness import ChatHarness
from tests.strangers import add_other_leader, add_strangers
from tests.web_support import seed_month, web_settings
from web.server import WebServer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
SHOTS = Path(__file__).resolve().parent.parent / "out"
LINK = re.compile(r"http://[\w.:]+/login/[\w-]+")


def _browser_or_skip() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests need {missing} (make test installs chromium)")
        pytest.skip(f"{missing} not installed; run make test to install chromium")


class Site:
    """The bot (console), its database and the workspace served on a free port."""

    def __init__(self, tmp: Path) -> None:
        self.clock = ManualClock(at("2026-11-23 09:00"))
        self.settings = web_settings(f"sqlite:///{tmp / 'web.sqlite3'}")
        db = Database(self.settings.database_url)
        db.create_all()
        self.core = BotCore.create(self.settings, self.clock, migrate=False, db=db)
        with db.session() as s:
            load_demo(s, self.clock.now())
        self.chat = ChatHarness(self.core, self.clock, tmp / "files")
        add_strangers(self.chat)
        self.other_leader = add_other_leader(self.chat)
        seed_month(db, self.clock.now().date(), self.clock.now())
        with db.session() as s:
            lead = s.scalar(select(Member).where(Member.role == "township_leader"))
            s.add(Identity(platform="console", external_id="township", chat_id="township",
                           member_id=lead.id, created_at=self.clock.now(),
                           last_seen_at=self.clock.now()))
        self.db = db
        self.server = WebServer(self.settings, db, self.clock).start()

    def link(self, user: str) -> str:
        """Ask the bot for a sign-in link in chat, as a person does (/web)."""
        said = self.chat.send(user, "/web")
        found = LINK.search(said)
        assert found, said
        return found.group(0)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    _browser_or_skip()
    s = Site(tmp_path_factory.mktemp("web"))
    yield s
    s.server.stop()
    s.db.dispose()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tmp_path_factory.mktemp("chromium-profile")
    downloads = tmp_path_factory.mktemp("downloads")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-default-apps",
                f"--user-data-dir={profile}", "--window-size=1280,900", "--lang=zh-CN"):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))
    driver.downloads = downloads  # type: ignore[attr-defined]
    yield driver
    driver.quit()


def sign_in(driver, site: Site, user: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.delete_all_cookies()
    driver.get(site.link(user))
    driver.find_element(By.ID, "enter").click()
    WebDriverWait(driver, 10).until(lambda d: "/login/" not in d.current_url)


def shot(driver, name: str) -> Path:  # type: ignore[no-untyped-def]
    """A full-page screenshot (the window grown to the page's height) under out/."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(900, height + 40), 6000))
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"web-{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 900)
    return path


def click_and_wait(driver, element) -> None:  # type: ignore[no-untyped-def]
    """Click something that loads a new page and wait until the old one is gone."""
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    element.click()
    WebDriverWait(driver, 10).until(ec.staleness_of(element))


def body(driver) -> str:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def refused(site: Site, actor_member_name: str) -> int:
    with site.db.session() as s:
        mid = s.scalar(select(Member.id).where(Member.name == actor_member_name))
        return s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "refused", AuditEvent.actor == f"member:{mid}",
            AuditEvent.subject.like("web:%"))) or 0


def test_admin_signs_in_from_the_bot_and_drills_down(site: Site, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    sign_in(browser, site, "admin")
    assert "/county/" in browser.current_url
    text = body(browser)
    assert "示范县 · 驻村工作队" in text and "示范镇" in text and "刘管理（管理员）" in text
    assert browser.find_element(By.CSS_SELECTOR, "#chart svg")
    shot(browser, "county")
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "示范镇"))
    assert "示范镇 · 驻村工作队" in body(browser)
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "幸福村驻村工作队"))
    text = body(browser)
    assert "张驻村" in text and "到期未销假" in text and "周三上午来村委会没找到人" in text
    assert "孙大伯" not in text  # the anonymous complainant is not named anywhere
    assert "村级光伏电站收益怎么分配？" in text and "提醒错过" in text
    shot(browser, "team")
    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "张驻村"))
    assert "本月在村" in body(browser) and "2026年每月在村天数" in body(browser)
    shot(browser, "person")


def test_logs_filter_by_word_household_and_date(site: Site, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    sign_in(browser, site, "leader")
    assert browser.current_url.endswith(f"/team/{team_id(site)}")
    box = browser.find_element(By.NAME, "q")
    box.clear()
    box.send_keys("危房")
    click_and_wait(browser, browser.find_element(By.CSS_SELECTOR, "#logs button"))
    logs = browser.find_element(By.ID, "logs").text
    assert "危房改造" in logs and "茶叶销售" not in logs
    browser.get(browser.current_url.split("?")[0] + "?household=王五")
    logs = browser.find_element(By.ID, "logs").text
    assert "王五" in logs and "张三、李四" not in logs
    browser.get(browser.current_url.split("?")[0] + "?day=2026-11-30")
    assert "没有找到日志" in browser.find_element(By.ID, "logs").text


def team_id(site: Site) -> int:
    with site.db.session() as s:
        return s.scalar(select(Member.team_id).where(Member.name == "王组长"))


def test_leader_is_refused_another_teams_page_and_the_county(site: Site, browser) -> None:  # type: ignore[no-untyped-def]
    before = refused(site, "邻村组长")
    sign_in(browser, site, site.other_leader)
    assert "邻村驻村工作队" in body(browser)
    own = team_id(site)
    for path in (f"/team/{own}", "/county/1", "/township/1", "/person/3",
                 "/person/3/sheet/2026/Y", f"/export/team/{own}"):
        browser.get(site.server.url + path)
        assert "没有权限" in body(browser), path
    assert refused(site, "邻村组长") == before + 6


def test_township_leader_sees_the_township_not_the_county(site: Site, browser) -> None:  # type: ignore[no-untyped-def]
    sign_in(browser, site, "township")
    assert "/township/" in browser.current_url and "幸福村驻村工作队" in body(browser)
    assert "邻村驻村工作队" in body(browser)  # same township
    browser.get(site.server.url + "/county/1")
    assert "没有权限" in body(browser)


def test_spot_check_and_assessment_sheet(site: Site, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    sign_in(browser, site, "admin")
    browser.get(site.server.url + "/person/3")
    form = browser.find_element(By.CSS_SELECTOR, "#spot form")
    form.find_element(By.NAME, "checker").send_keys("县委组织部督查组")
    Select(form.find_element(By.NAME, "result")).select_by_value("absent")
    form.find_element(By.NAME, "note").send_keys("上午十点未在村")
    click_and_wait(browser, form.find_element(By.CSS_SELECTOR, "button"))
    assert "无正当理由不在岗 1 次：年度考核不能评为优秀" in body(browser)
    with site.db.session() as s:
        assert s.scalar(select(func.count()).select_from(SpotCheck)) == 1
    click_and_wait(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "年度考核表"))
    options = [o.text for o in Select(browser.find_element(By.NAME, "rating")).options]
    assert "优秀" not in options and "称职" in options
    browser.find_element(By.NAME, "daily").send_keys("90")
    browser.find_element(By.NAME, "half").send_keys("85")
    browser.find_element(By.NAME, "year").send_keys("88")
    Select(browser.find_element(By.NAME, "org")).select_by_visible_text("称职")
    Select(browser.find_element(By.NAME, "rating")).select_by_visible_text("称职")
    click_and_wait(browser, browser.find_element(By.ID, "save"))
    text = body(browser)
    assert "已保存" in text and "87.5" in text  # 0.2*90 + 0.3*85 + 0.5*88
    assert "在村天数" in text and "督查抽查" in text
    shot(browser, "assessment")


def test_export_downloads_the_county_workbook(site: Site, browser) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook
    from selenium.webdriver.common.by import By

    sign_in(browser, site, "admin")
    browser.find_element(By.PARTIAL_LINK_TEXT, "导出 Excel").click()
    deadline = time.monotonic() + 20
    files: list[Path] = []
    while time.monotonic() < deadline:
        files = [p for p in browser.downloads.iterdir() if p.suffix == ".xlsx"]
        if files:
            break
        time.sleep(0.2)
    assert files, "no workbook downloaded"
    wb = load_workbook(files[0])
    assert wb.sheetnames[:3] == ["在村情况（按月）", "在村情况（全年）", "督查抽查"]
    names = {row[4] for row in wb["在村情况（按月）"].iter_rows(min_row=2, values_only=True)}
    assert {"张驻村", "李书记", "邻村干部"} <= names


def test_expired_and_used_links_are_refused(site: Site, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    link = site.link("supervisor")
    browser.get(link)
    click_and_wait(browser, browser.find_element(By.ID, "enter"))
    assert "/county/" in browser.current_url
    browser.delete_all_cookies()
    browser.get(link)
    assert "已经用过了" in body(browser)
    stale = site.link("supervisor")
    site.clock.set(site.clock.now() + timedelta(minutes=site.settings.web_link_minutes + 1))
    try:
        browser.get(stale)
        assert "已过期" in body(browser)
        browser.get(site.server.url + "/county/1")
        assert "请先登录" in body(browser)
    finally:
        site.clock.set(at("2026-11-23 09:00"))
