"""Words of the workspace computed in Python (chart legends, result names, sheet headers,
file names). The pages' own sentences are in web/templates/, which are the catalogue of
the pages; error sentences are the web.* templates in conversations/web/text.py."""

from __future__ import annotations

from datetime import date

APP_TITLE = "驻村工作台"
LEVELS = {"county": "县", "township": "乡镇", "team": "工作队"}
MONTHS = [f"{m}月" for m in range(1, 13)]
RESULTS = {"present": "在岗", "absent": "不在岗（无正当理由）", "excused": "请假/公差在外"}
PARTS = {"daily": "日常工作（20%）", "half": "半年工作报告（30%）", "year": "年终考核（50%）"}
PARTIES = {"org": "县委组织部", "township": "乡镇党委", "villagers": "村民代表", "third": "第三方"}
PERIODS = {"H1": "上半年工作评议", "Y": "年度考核表"}
HANDOVER = {"none": "本年无交接", "open": "交接进行中", "closed": "交接已完成"}
OUTBOX = {"missed": "提醒错过（机器人停机时到期）", "unknown": "发送结果不明",
          "failed": "发送失败", "blocked": "对方屏蔽了机器人", "undeliverable": "无法送达"}
SATISFACTION = {"good": "满意", "ok": "基本满意", "bad": "不满意"}
COMPLAINT_STATUS = {"new": "待受理", "accepted": "已受理", "transferred": "已转办",
                    "closed": "已办结", "rejected": "已驳回"}
ANONYMOUS = "匿名"

CHART_DAYS = "在村天数 / 应在村天数（红线：本人应在村天数，已扣除请假）"
CHART_PACE_GOOD = "按进度在村的人数"
CHART_PACE_LATE = "落后于进度的人数"
CHART_YEAR = "每月在村天数（虚线：每月应在村天数）"
CAL_LEGEND = {"in": "在村", "leave": "请假", "half": "半天假", "out": "村外定位"}
MAP_SCALE = "虚线圆圈为打卡范围"
MAP_EMPTY = "这个村还没有设置位置，无法画图。"
MAP_NORTH = "北"
MAP_KM = "公里"
DAYS_UNIT = "天"

# -- the county workbook and the assessment sheets ------------------------------------------
SHEET_MONTHS = "在村情况（按月）"
SHEET_YEAR = "在村情况（全年）"
SHEET_SPOT = "督查抽查"
SHEET_ASSESS = "考核表"
MONTH_HEADERS = ["县", "乡镇", "村", "工作队", "姓名", "角色", "月份", "在村天数", "本月定额",
                 "请假天数", "应在村天数", "日志篇数", "是否达到"]
YEAR_HEADERS = ["县", "乡镇", "村", "工作队", "姓名", "角色", *MONTHS, "全年在村", "全年定额",
                "全年请假", "全年应在村", "全年日志", "督查不在岗次数"]
SPOT_HEADERS = ["县", "乡镇", "工作队", "姓名", "日期", "检查单位/人", "结果", "备注"]
ASSESS_HEADERS = ["县", "乡镇", "工作队", "姓名", "角色", "考核期", "在村天数", "应在村天数",
                  "日志篇数", "有日志的月份", "抽查次数", "无正当理由不在岗", "被反映问题",
                  "已办结", "满意评价", "交接", *PARTS.values(), "加权合计（本人）",
                  *(f"{p}评价" for p in PARTIES.values()), "等次", "评语"]
YES, NO = "是", "否"
CELL_OVERFLOW = "…（内容过长，已截断）"


def county_filename(name: str, year: int, month: int) -> str:
    return f"{name}-{year}-{month:02d}-驻村工作汇总.xlsx"


def assessment_filename(name: str, year: int) -> str:
    return f"{name}-{year}-考核表.xlsx"


def month_label(d: date) -> str:
    return f"{d.year}年{d.month}月"

SIGNED_OUT_TITLE = "请先登录"
SIGNED_OUT = ("工作台通过机器人登录：在机器人里发送 /web（或「工作台」），"
              "点开收到的链接即可。登录几小时后会自动退出。")
LOGGED_OUT = "已退出工作台。需要时在机器人里再发送 /web 。"
REFUSED_TITLE = "没有权限"
NOT_FOUND_TITLE = "没有找到"
BAD_INPUT_TITLE = "请检查填写的内容"
LINK_TITLE = "登录链接"

STARTED = "驻村工作台：{url} （在机器人里发送 /web 获取登录链接）"
START_FAILED = "驻村工作台未能启动（端口 {port}，{error}）：机器人照常运行。可设置 WEB_PORT 换一个端口。"
