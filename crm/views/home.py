"""The landing page after login."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm.permissions import can_read_deals
from crm.selectors import home_summary, my_open_deals, my_tasks


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What this user works on now (open deals, tasks due) with the business's headline counts."""
    user = request.user
    return render(request, "crm/home.html", {
        "summary": home_summary(user=user),
        "my_deals": my_open_deals(user=user) if can_read_deals(user) else None,
        "my_tasks": list(my_tasks(user=user)[:10]),
    })
