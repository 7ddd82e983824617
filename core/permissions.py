"""The permission policy's shared part: a user's role, and the areas each app declares with the roles that
may read them.

Each app owns its rules in its own `permissions.py` (crm: sales, marketing, customers; support: tickets;
surveys: surveys) and declares its areas here when it loads. Pages and API endpoints of any app ask
`can_read_area(user, "support")` by name, so crm's header can offer the ticket queues without
importing support, and one policy serves pages and the API alike.
"""

from collections.abc import Iterable

# A superuser counts as an admin (the value of crm.models.Role.ADMIN; tests/test_layers.py checks they agree).
ADMIN_ROLE = "admin"

_area_roles: dict[str, frozenset[str]] = {}


def register_area(area: str, roles: Iterable[str]) -> None:
    """Declare an area of the product and the roles that may read it (an app does this when it loads)."""
    _area_roles[area] = frozenset(roles)


def area_roles() -> dict[str, frozenset[str]]:
    """Every declared area with its roles."""
    return dict(_area_roles)


def role_of(user: object) -> str | None:
    """A user's role; superusers count as admins; anonymous visitors have none."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_superuser", False):
        return ADMIN_ROLE
    return getattr(user, "role", None)


def can_read_area(user: object, area: str) -> bool:
    """Whether the user's role may read an area; an area no installed app declared is closed to everyone."""
    return role_of(user) in _area_roles.get(area, frozenset())
