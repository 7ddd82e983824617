"""Teams and users: a team is named by its name, a user by its username; role groups are synced by the user
service's own function."""

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from crm.models import Role, Team, User
from crm.services import users_sync_role_groups
from dataset import fields as f
from dataset.engine import Importer, _apply, _Item
from dataset.fields import RecordError
from dataset.sections import KeyMaps, Row, Section

USERNAME = re.compile(r"[\w.@+-]+")
# Plain strings: enum attribute access and `.values` cost microseconds, and these run per record.
ROLES = tuple(Role.values)
MANAGER, ADMIN = Role.MANAGER.value, Role.ADMIN.value


def parse_team(importer: Importer, record: Mapping[str, Any], line: int) -> _Item:
    name = f.text(record, "name", 100, required=True, blank=False)
    return _Item(line, name, {})


def write_team(importer: Importer, items: list[_Item]) -> None:
    teams = importer.cache("team")
    new = [Team(name=item.key) for item in items if item.key not in teams]
    Team.objects.bulk_create(new)
    teams.update(Team.objects.filter(name__in=[t.name for t in new]).values_list("name", "pk"))
    importer.count("team", created=len(new), unchanged=len(items) - len(new))


def export_team(keys: KeyMaps) -> Section:
    return Section(Team.objects.all(), ("name",), lambda rows: [{"type": "team", "name": r["name"]} for r in rows])



def parse_user(importer: Importer, record: Mapping[str, Any], line: int) -> _Item:
    username = f.text(record, "username", 150, required=True, blank=False)
    if not USERNAME.fullmatch(username):
        raise RecordError(_("“username” may contain only letters, digits and @ . + - _"))
    role = f.choice(record, "role", ROLES)
    return _Item(
        line,
        username,
        {
            "full_name": f.text(record, "full_name", 200),
            "email": f.text(record, "email", 254),
            "role": role,
            "team_id": importer.ref(importer.cache("team"), "team", record, "team"),
        },
    )


def write_user(importer: Importer, items: list[_Item]) -> None:
    existing = {u.username: u for u in User.objects.filter(username__in=[i.key for i in items])}
    new, changed, unchanged = [], [], 0
    for item in items:
        values = item.data
        staff = values["role"] in (MANAGER, ADMIN)
        superuser = values["role"] == ADMIN
        user = existing.get(item.key)
        if user is None:
            user = User(username=item.key, is_staff=staff, is_superuser=superuser, **values)
            user.set_unusable_password()
            new.append(user)
            continue
        # An import grants what a role needs but never revokes staff or superuser rights.
        if _apply(
            user,
            {
                **values,
                "is_staff": user.is_staff or staff,
                "is_superuser": user.is_superuser or superuser,
            },
        ):
            changed.append(user)
        else:
            unchanged += 1
    User.objects.bulk_create(new)
    User.objects.bulk_update(
        changed, ["full_name", "email", "role", "team_id", "is_staff", "is_superuser"]
    )
    users = importer.cache("user")
    batch = [*existing.values(), *new]
    for user in new:
        users[user.username] = user.pk
    users_sync_role_groups(batch)
    importer.count("user", created=len(new), updated=len(changed), unchanged=unchanged)


def export_user(keys: KeyMaps) -> Section:
    def build(rows: list[Row]) -> list[Row]:
        return [{"type": "user", "username": r["username"], "full_name": r["full_name"], "email": r["email"],
                 "role": r["role"], "team": keys.teams.get(r["team_id"])} for r in rows]

    return Section(User.objects.all(), ("username", "full_name", "email", "role", "team_id"), build)
