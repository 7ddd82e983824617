"""support's part of the permission policy: who works tickets and who may assign them.

Pages and the API raise PermissionDenied (403) when these say no. The "support" area (the queues and
ticket search) is declared here; crm's header and search ask for it through `core.permissions`.
"""

from core.permissions import can_read_area, register_area, role_of
from crm.models import Role
from crm.permissions import REASSIGNING_ROLES

TICKET_ROLES = frozenset({Role.SUPPORT, Role.MANAGER, Role.ADMIN})

register_area("support", TICKET_ROLES)


def can_read_tickets(user: object) -> bool:
    """The ticket queues and ticket search results (a contact's own tickets show on its page regardless)."""
    return can_read_area(user, "support")


def can_work_tickets(user: object) -> bool:
    """Open the queues and ticket pages, reply, add notes, change status and priority, open tickets for
    customers: support staff, managers and admins. Sales staff see a contact's tickets on its page only."""
    return role_of(user) in TICKET_ROLES


def can_assign_ticket(user: object, assignee: object | None) -> bool:
    """Support staff take tickets themselves; managers and admins give a ticket to anyone who works
    tickets, or leave it unassigned."""
    role = role_of(user)
    if role in REASSIGNING_ROLES:
        return assignee is None or can_work_tickets(assignee)
    return role == Role.SUPPORT and assignee is not None and getattr(assignee, "pk", None) == getattr(user, "pk", None)


def can_assign_tickets_to_others(user: object) -> bool:
    """Whether the page offers the whole team as assignees rather than only "assign to me"."""
    return role_of(user) in REASSIGNING_ROLES




def can_download_attachment(user: object, ticket: object) -> bool:
    """A ticket's attachments go to those who read the ticket's page (support staff, managers, admins); the
    ticket is named so that a narrower rule (only assigned tickets, say) has one place to go."""
    return can_work_tickets(user)
