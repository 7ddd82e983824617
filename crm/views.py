"""Staff pages of the CRM app."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm.selectors import home_summary


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page after login: what this role works on, with the business's headline counts."""
    return render(request, "crm/home.html", {"summary": home_summary(user=request.user)})
