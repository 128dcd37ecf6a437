"""What each person does in the stream: whole flows, not isolated commands.

A step is a text to send or a button to press ("[提交]"), with words its reply must
contain. A cadre files the day's log and a leave request, asks a policy question and
looks at the leave; the leader approves every request by button; a villager files an
anonymous complaint. Every step is one update; the population sizes give >= 300.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.conformance.population import Person, Population


@dataclass(frozen=True)
class Step:
    send: str  # text, or "[label]" for a button press
    expect: str  # the reply to this step contains this

    @property
    def label(self) -> str | None:
        return self.send[1:-1] if self.send.startswith("[") and self.send.endswith("]") else None


def cadre_steps(i: int) -> list[Step]:
    return [
        Step(f"/report 走访脱贫户，了解务工和医保情况。走访：{i + 2}户 问题：无 下一步：继续走访", "请核对"),
        Step("[提交]", "已提交"),
        Step("/leave", "请选择请假类型"),
        Step("[事假]", "请输入日期"),
        Step("明天", "对吗"),
        Step("[确认]", "事由"),
        Step(f"家里有事（{i + 1}）", "已提交事假申请"),
        Step("低保怎么申请？", "低保"),
        Step("/myleave", "事假"),
        Step("/help", "可以使用"),
    ]


def villager_steps(i: int) -> list[Step]:
    return [
        Step("/complain", "请选择问题的类别"),
        Step("[基础设施]", "哪位成员"),
        Step("[不针对具体人]", "发生了什么事"),
        Step(f"村东头第{i + 1}段水渠堵了，浇不了地", "什么时候"),
        Step("上周，村东头", "照片"),
        Step("[没有照片]", "实名还是匿名"),
        Step("[匿名反映]", "确认提交"),
        Step("[提交]", "问题编号"),
        Step("/mytickets", "TS-"),
    ]


APPROVE = Step("[批准]", "已批准")


def plan(pop: Population) -> dict[Person, list[Step]]:
    """Everyone's steps except the leader's, which follow the requests as they come."""
    out: dict[Person, list[Step]] = {}
    for i, p in enumerate(pop.cadres):
        out[p] = cadre_steps(i)
    for i, p in enumerate(pop.villagers):
        out[p] = villager_steps(i)
    return out


def update_count(pop: Population) -> int:
    return sum(len(s) for s in plan(pop).values()) + len(pop.cadres)  # + one approval each


def console_script(pop: Population) -> list[tuple[Person, Step]]:
    """The same stream as console lines, interleaved person by person; the leader
    approves after each request (the console shows the card, then the press uses it)."""
    steps = plan(pop)
    lines: list[tuple[Person, Step]] = []
    longest = max(len(s) for s in steps.values())
    for n in range(longest):
        for p, ss in steps.items():
            if n < len(ss):
                lines.append((p, ss[n]))
                if p.role.value == "cadre" and ss[n].expect == "已提交事假申请":
                    lines.append((pop.leader, APPROVE))
    return lines
