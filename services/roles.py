"""Roles and what each may do. The single place that answers "may this person...?"."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    FIRST_SECRETARY = "first_secretary"
    CADRE = "cadre"
    TEAM_LEADER = "team_leader"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    VILLAGER = "villager"
    # 乡镇领导: sees the teams of one township in the county workspace (web/)
    TOWNSHIP_LEADER = "township_leader"


ROLE_LABELS: dict[Role, str] = {
    Role.FIRST_SECRETARY: "第一书记",
    Role.CADRE: "驻村干部",
    Role.TEAM_LEADER: "组长（队长）",
    Role.SUPERVISOR: "监督员",
    Role.ADMIN: "管理员",
    Role.VILLAGER: "村民",
    Role.TOWNSHIP_LEADER: "乡镇领导",
}

# In a name tag such as 王组长（组长）, where the full label would crowd a button.
SHORT_ROLE_LABELS: dict[Role, str] = {**ROLE_LABELS, Role.TEAM_LEADER: "组长"}

# People who belong to a work team and do its daily duties (report, check in, leave).
TEAM_ROLES = frozenset({Role.FIRST_SECRETARY, Role.CADRE, Role.TEAM_LEADER})
MEMBER_ROLES = frozenset(TEAM_ROLES | {Role.SUPERVISOR, Role.ADMIN, Role.TOWNSHIP_LEADER})
# Those who lead a team: approve leave, see the team's records, get digests.
LEADER_ROLES = frozenset({Role.TEAM_LEADER})
EVERYONE = frozenset(Role)

ROLE_ALIASES: dict[str, Role] = {
    **{r.value: r for r in Role},
    **{label: r for r, label in ROLE_LABELS.items()},
    "组长": Role.TEAM_LEADER,
    "队长": Role.TEAM_LEADER,
    "leader": Role.TEAM_LEADER,
    "secretary": Role.FIRST_SECRETARY,
    "乡镇领导": Role.TOWNSHIP_LEADER,
    "township": Role.TOWNSHIP_LEADER,
}


def parse_role(text: str) -> Role | None:
    return ROLE_ALIASES.get(text.strip().lower()) or ROLE_ALIASES.get(text.strip())
