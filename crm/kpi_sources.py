"""What the KPI engine reads from crm: the rows the roll-up sums, the members its breakdowns name, and the
choices it counts by.

kpis reads crm through this module (and `crm.permissions`, `crm.selectors` for its pages), never through
crm's models, so crm can reshape its tables and keep one place to check what the KPIs depend on.
"""

from django.db.models import QuerySet

from crm.models import Campaign as _Campaign
from crm.models import (
    CampaignSpend,
    Company,
    Contact,
    Deal,
    DealKind,
    DealStageEntry,
    DealStatus,
    Pipeline,
    Role,
    Stage,
    Team,
    User,
)

__all__ = [
    "DealKind", "DealStatus", "Role", "campaign_spend", "campaigns", "churned_customers", "companies",
    "contacts", "deals", "pipelines", "stage_entries", "stages", "teams", "users",
]


def deals() -> QuerySet[Deal]:
    return Deal.objects.all()


def stage_entries() -> QuerySet[DealStageEntry]:
    """Each deal's stays in its stages: `entered_at`, `exited_at` (None while it is there), `stage`, `deal`."""
    return DealStageEntry.objects.all()


def companies() -> QuerySet[Company]:
    return Company.objects.all()


def contacts() -> QuerySet[Contact]:
    """Contacts; a contact's `created_at` is the day it became a lead of its `source_campaign`."""
    return Contact.objects.all()


def churned_customers() -> tuple[tuple[str, QuerySet], ...]:
    """Companies and contacts with a churn time, named as the roll-up keys customers ("company", "contact")."""
    return (("company", Company.objects.filter(churned_at__isnull=False)),
            ("contact", Contact.objects.filter(churned_at__isnull=False)))


def campaign_spend() -> QuerySet[CampaignSpend]:
    return CampaignSpend.objects.all()


def campaigns() -> QuerySet[_Campaign]:
    return _Campaign.objects.all()


def pipelines() -> QuerySet[Pipeline]:
    return Pipeline.objects.all()


def stages() -> QuerySet[Stage]:
    return Stage.objects.all()


def users() -> QuerySet[User]:
    return User.objects.all()


def teams() -> QuerySet[Team]:
    return Team.objects.all()
