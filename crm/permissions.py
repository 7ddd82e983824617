"""One permission policy per role, shared by pages and the API."""

from crm.models import Role

# Which areas each role may read. Pages and API endpoints name their area and ask here.
AREA_ROLES: dict[str, frozenset[str]] = {
    "sales": frozenset({Role.SALES, Role.MANAGER, Role.ADMIN}),
    "marketing": frozenset({Role.SALES, Role.MANAGER, Role.ADMIN}),
    "support": frozenset({Role.SUPPORT, Role.MANAGER, Role.ADMIN}),
    "surveys": frozenset({Role.SUPPORT, Role.MANAGER, Role.ADMIN}),
    "customers": frozenset({Role.SALES, Role.SUPPORT, Role.MANAGER, Role.ADMIN}),
}


def role_of(user: object) -> str | None:
    """A user's role; superusers count as admins."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    return getattr(user, "role", None)


def can_read_area(user: object, area: str) -> bool:
    return role_of(user) in AREA_ROLES[area]
