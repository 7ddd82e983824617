"""Demo logins for `make run`: one user per role, with well-known passwords.

Safe to run again: existing demo users get their role, flags and password reset. Refuses to run
without DEBUG unless forced, so known passwords never land on a production server by accident.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from crm.models import Role, User
from crm.services import user_sync_role_group

STAFF_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


def demo_username(role: str) -> str:
    return f"demo-{role}"


def demo_password(role: str) -> str:
    return f"demo-{role}-2026"


class Command(BaseCommand):
    help = "Create (or reset) one demo login per role: demo-sales, demo-support, demo-manager, demo-admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true",
                            help="Run even when DEBUG is off (public passwords: not for production).")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off and demo passwords are public; use --force if you mean it.")
        rows = []
        with transaction.atomic():
            for role in Role:
                username = demo_username(role)
                user = User.objects.filter(username=username).first() or User(username=username)
                user.full_name = f"Demo {role.label}"
                user.role = role
                user.is_active = True
                user.is_staff = role in STAFF_ROLES
                user.is_superuser = role == Role.ADMIN
                user.set_password(demo_password(role))
                user.save()
                user_sync_role_group(user=user)
                rows.append((user.username, demo_password(role), role.value))
        width = max(len(username) for username, _, _ in rows)
        self.stdout.write(f"{'username':<{width}}  {'password':<22}  role")
        for username, password, role in rows:
            self.stdout.write(f"{username:<{width}}  {password:<22}  {role}")
