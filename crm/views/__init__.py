"""Staff pages of the CRM app, one module per area."""

from crm.views.home import home

__all__ = ["home"]
