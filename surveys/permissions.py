"""surveys' part of the permission policy: the survey area (support, managers and admins) sends
invitations and records answers."""

from core.permissions import can_read_area, register_area
from crm.models import Role

register_area("surveys", {Role.SUPPORT, Role.MANAGER, Role.ADMIN})


def can_send_surveys(user: object) -> bool:
    """Send survey invitations and record responses: the roles of the survey area."""
    return can_read_area(user, "surveys")
