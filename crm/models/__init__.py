"""People, customers and the sales pipeline.

Deals are written only through `crm.services` so that stage history, derived
base amounts and the KPI roll-up's dirty days can never be skipped.

The models live in modules by area; import them from `crm.models`, which re-exports every public name:

- `people`: Role, Language, Team, User
- `customers`: ChurnFields, CompanySize, Company, Contact (and their change logs HistoricalCompany, HistoricalContact)
- `campaigns`: CampaignChannel, Campaign, CampaignSpend
- `pipelines`: Pipeline, Stage, LostReason
- `deals`: DealStatus, DealKind, base_amount, Deal, DealStageEntry (and HistoricalDeal)
- `activities`: ActivityKind, EmailDirection, EmailDelivery, Activity
- `merges`: MergeKind, MergeRecord
- `email_templates`: EmailTemplate
- `tags`: Tag
"""

from crm.models.activities import Activity, ActivityKind, EmailDelivery, EmailDirection
from crm.models.campaigns import Campaign, CampaignChannel, CampaignSpend
from crm.models.customers import ChurnFields, Company, CompanySize, Contact, HistoricalCompany, HistoricalContact
from crm.models.deals import Deal, DealKind, DealStageEntry, DealStatus, HistoricalDeal, base_amount
from crm.models.email_templates import EmailTemplate
from crm.models.merges import MergeKind, MergeRecord
from crm.models.people import BoardScope, Language, Role, Team, User
from crm.models.pipelines import LostReason, Pipeline, Stage
from crm.models.tags import Tag

__all__ = [
    "Activity",
    "ActivityKind",
    "BoardScope",
    "Campaign",
    "CampaignChannel",
    "CampaignSpend",
    "ChurnFields",
    "Company",
    "CompanySize",
    "Contact",
    "Deal",
    "DealKind",
    "DealStageEntry",
    "DealStatus",
    "EmailDelivery",
    "EmailDirection",
    "EmailTemplate",
    "HistoricalCompany",
    "HistoricalContact",
    "HistoricalDeal",
    "Language",
    "LostReason",
    "MergeKind",
    "MergeRecord",
    "Pipeline",
    "Role",
    "Stage",
    "Tag",
    "Team",
    "User",
    "base_amount",
]
