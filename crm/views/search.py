"""One search box across contacts, companies, deals and tickets, limited to what the user may read."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.permissions import can_read_area
from crm.permissions import can_read_customers, can_read_deals
from crm.selectors import global_search


@login_required
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    user = request.user
    return render(request, "crm/search.html", {
        "q": query, "results": global_search(user=user, query=query),
        "shows": {"customers": can_read_customers(user), "deals": can_read_deals(user),
                  "tickets": can_read_area(user, "support")},
    })
