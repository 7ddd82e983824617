"""One permission policy per role, shared by pages and the API."""

from django.db.models import QuerySet

from crm.models import Deal, Role

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


# Record-level rules of the sales pages and the API. Pages raise PermissionDenied (403) when these say no.

SALES_ROLES = frozenset({Role.SALES, Role.MANAGER, Role.ADMIN})
REASSIGNING_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


def can_read_customers(user: object) -> bool:
    """Contacts and companies (and the tickets and survey answers on a contact's page): every role."""
    return can_read_area(user, "customers")


def can_edit_customers(user: object) -> bool:
    """Create and edit contacts and companies, log activities on them, record churn: not support."""
    return role_of(user) in SALES_ROLES


def can_read_deals(user: object) -> bool:
    return can_read_area(user, "sales")


def can_create_deal(user: object) -> bool:
    return role_of(user) in SALES_ROLES


def can_edit_deal(user: object, deal: object) -> bool:
    """Sales staff edit, move and close the deals they own; managers and admins edit every deal."""
    role = role_of(user)
    if role in REASSIGNING_ROLES:
        return True
    return role == Role.SALES and getattr(deal, "owner_id", None) == getattr(user, "pk", None)


def can_reassign(user: object) -> bool:
    """Change the owner of a contact, company or deal to someone else."""
    return role_of(user) in REASSIGNING_ROLES


def can_read_tickets(user: object) -> bool:
    """The ticket queues and ticket search results (a contact's own tickets show on its page regardless)."""
    return can_read_area(user, "support")


def deals_visible_to(user: object) -> QuerySet[Deal]:
    """The deals a user may read: all of them for sales, managers and admins, none for anyone else."""
    return Deal.objects.all() if can_read_deals(user) else Deal.objects.none()


# Support work on tickets. Pages and the API raise PermissionDenied (403) when these say no.

TICKET_ROLES = frozenset({Role.SUPPORT, Role.MANAGER, Role.ADMIN})


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


# Writes of the API's other resources.


def can_edit_activity(user: object, activity: object) -> bool:
    """Sales staff tick off their own activities and tasks; managers and admins anyone's."""
    role = role_of(user)
    if role in REASSIGNING_ROLES:
        return True
    return role == Role.SALES and getattr(activity, "owner_id", None) == getattr(user, "pk", None)


def can_record_spend(user: object) -> bool:
    """Campaign spend is money the business paid: managers and admins record it."""
    return role_of(user) in REASSIGNING_ROLES


def can_send_surveys(user: object) -> bool:
    """Send survey invitations and record responses: the roles of the survey area."""
    return can_read_area(user, "surveys")
