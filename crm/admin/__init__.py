"""Admin for people, customers and the sales pipeline.

The admin writes through `crm.services` like every other entry point (creating, editing and deleting
alike), so stage history, change history, derived amounts, role groups and the KPI roll-up's dirty days
cannot be skipped from here, and a service's refusal shows as the same message the pages give.
Lists are sized for a million rows: no full counts, related rows fetched with the page, indexed
orderings, and big foreign keys picked by search instead of a select of every row.
"""

from crm.admin import activities, campaigns, customers, deals, email_templates, people, pipelines, tags

__all__ = ["activities", "campaigns", "customers", "deals", "email_templates", "people", "pipelines", "tags"]
