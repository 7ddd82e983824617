"""crm's part of the permission policy: who reads and edits contacts, companies, deals, activities and
campaign spend. Pages and the API ask these functions; other apps ask `core.permissions` by area."""

from django.db.models import QuerySet

from core.permissions import can_read_area, register_area, role_of
from crm.models import Deal, Role

# Record-level rules of the sales pages and the API. Pages raise PermissionDenied (403) when these say no.

SALES_ROLES = frozenset({Role.SALES, Role.MANAGER, Role.ADMIN})
REASSIGNING_ROLES = frozenset({Role.MANAGER, Role.ADMIN})

register_area("sales", SALES_ROLES)
register_area("marketing", SALES_ROLES)
register_area("customers", {Role.SALES, Role.SUPPORT, Role.MANAGER, Role.ADMIN})


def can_read_customers(user: object) -> bool:
    """Contacts and companies (and the tickets and survey answers on a contact's page): every role."""
    return can_read_area(user, "customers")


def can_edit_customers(user: object) -> bool:
    """Create and edit contacts and companies, log activities on them, record churn: not support."""
    return role_of(user) in SALES_ROLES


def can_email_contacts(user: object) -> bool:
    """Write a contact an email from its page (sent from the CRM, logged on its timeline): sales staff,
    managers and admins, as for logging activities."""
    return can_edit_customers(user)


def can_manage_email_templates(user: object) -> bool:
    """Write and change the email templates reps start from: managers and admins."""
    return role_of(user) in REASSIGNING_ROLES


def can_merge_customers(user: object) -> bool:
    """Merge two contacts or two companies (and see the candidate pairs): managers and admins. Not owners: a
    merge deletes a record and moves other people's deals, tickets and answers onto the kept one."""
    return role_of(user) in REASSIGNING_ROLES


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


def can_edit_pipelines(user: object) -> bool:
    """Stage names, order, win probabilities and idle days: managers and admins, on the pipeline settings page."""
    return role_of(user) in REASSIGNING_ROLES


def can_reassign(user: object) -> bool:
    """Change the owner of a contact, company or deal to someone else."""
    return role_of(user) in REASSIGNING_ROLES


def deals_visible_to(user: object) -> QuerySet[Deal]:
    """The deals a user may read: all of them for sales, managers and admins, none for anyone else."""
    return Deal.objects.all() if can_read_deals(user) else Deal.objects.none()


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
