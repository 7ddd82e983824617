from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.forms import MultiWidget
from django.urls import reverse

from crm.models import (
    Activity,
    CampaignSpend,
    Deal,
    DealStageEntry,
    DealStatus,
    LostReason,
    Role,
    Team,
    User,
)
from crm.services import (
    campaign_add_spend,
    contact_create,
    contact_merge,
    customer_set_churn,
    deal_close,
    email_template_save,
    tags_named,
)
from kpis.models import DailyMeasure, DirtyDay, NightlyRollup, RollupRun
from kpis.services import target_create
from support.attachments import IncomingFile
from support.models import MessageAuthor, Priority, Ticket, TicketStatus
from support.services import inbound_email_file, ticket_add_message, ticket_resolve
from surveys.models import Response, SurveyKind
from surveys.services import response_record
from tests.conftest import T0
from tests.factories import InvitationFactory, SurveyFactory, UserFactory

pytestmark = pytest.mark.django_db

OUR_APPS = {"crm", "support", "surveys", "kpis"}
OUR_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in OUR_APPS),
    key=lambda model: model._meta.label,
)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def dirty(family: str) -> set[date]:
    return set(DirtyDay.objects.filter(family=family).values_list("day", flat=True))


def form_data(response) -> dict[str, object]:
    """What the browser would post back for an admin add/change page left as it is, inlines included."""
    data: dict[str, object] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            key, value = form.add_prefix(name), form[name].value()
            if isinstance(field.widget, MultiWidget):
                for index, part in enumerate(field.widget.decompress(value)):
                    data[f"{key}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(item) for item in value]
            else:
                data[key] = "" if value is None else str(value)
    return data


@pytest.fixture
def business(deal, company, ticket, survey, campaign, team, sales_user):
    """One row of every model, so every changelist renders real rows."""
    deal_close(deal=deal, won=True, at=T0 + timedelta(days=1))
    customer_set_churn(customer=deal.contact, churned_at=T0 + timedelta(days=30), reason="price")
    campaign_add_spend(campaign=campaign, spent_on=T0.date(), amount=Decimal("100"))
    Activity.objects.create(kind="note", subject="Called", contact=deal.contact, created_at=T0)
    LostReason.objects.create(name="Price")
    email_template_save(name="Welcome", language="en", subject="Hello {first_name}", body="Regards, {rep_name}")
    deal.contact.tags.set(tags_named(["vip"]))
    ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="Hello", at=T0 + timedelta(hours=1),
                       attachments=[IncomingFile(filename="notes.txt", size_bytes=5, content=b"hello")])
    inbound_email_file(raw=b"From: grace@example.com\r\nSubject: Hi\r\nMessage-ID: <admin1@example.com>\r\n\r\nHi\r\n",
                       received_at=T0, mailbox_key="admin-test/1")
    invitation = InvitationFactory(survey=survey, contact=ticket.contact, ticket=ticket, sent_at=T0)
    response_record(survey=survey, contact=ticket.contact, score=9, invitation=invitation, answered_at=T0)
    DailyMeasure.objects.create(day=T0.date(), measure="deals_won", value=1)
    RollupRun.objects.create(started_at=T0, finished_at=T0, days=1, rows=1)
    NightlyRollup.objects.create(night=T0.date())
    target_create(kpi_key="revenue", period_kind="month", period_start=T0.date().replace(day=1),
                  value=Decimal("1000"), owner=sales_user)
    sales_user.team = team
    sales_user.save()
    inbound_email_file(raw=b"From: grace@example.com\r\nSubject: Hello\r\nMessage-ID: <m1@example.com>\r\n\r\nHi\r\n",
                       received_at=T0, mailbox_key="INBOX/1/1")
    first = contact_create(first_name="Twin", email="twin@example.com")
    second = contact_create(first_name="Twin", email="TWIN@example.com")
    contact_merge(keep=first, drop=second, fields={}, expected_versions=(first.version, second.version))


def test_all_our_models_are_in_the_admin():
    from django.apps import apps

    # Historical* models are the change logs of django-simple-history, shown on their records' pages.
    ours = {model for model in apps.get_models()
            if model._meta.app_label in OUR_APPS and not model.__name__.startswith("Historical")}
    assert ours == set(OUR_MODELS)


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda model: model._meta.label)
def test_changelist_renders_for_a_superuser(admin_client, business, model):
    response = admin_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200


SEARCHABLE_MODELS = [model for model in OUR_MODELS if admin.site._registry[model].search_fields]


@pytest.mark.parametrize("model", SEARCHABLE_MODELS, ids=lambda model: model._meta.label)
def test_changelist_search_renders(admin_client, business, model):
    assert admin_client.get(admin_url(model, "changelist"), {"q": "x"}).status_code == 200


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda model: model._meta.label)
def test_add_page_renders_where_adding_is_allowed(admin_client, admin_user, rf, model):
    request = rf.get("/")
    request.user = admin_user
    expected = 200 if admin.site._registry[model].has_add_permission(request) else 403

    assert admin_client.get(admin_url(model, "add")).status_code == expected


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda model: model._meta.label)
def test_change_page_renders(admin_client, business, model):
    obj = model._default_manager.first()

    assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_the_kpi_tables_are_read_only(admin_user, rf):
    request = rf.get("/")
    request.user = admin_user
    for model in (DailyMeasure, DirtyDay, RollupRun, NightlyRollup, DealStageEntry):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_big_changelists_skip_the_full_count():
    for model in (Deal, Ticket, Response, DealStageEntry, DirtyDay, DailyMeasure):
        assert admin.site._registry[model].show_full_result_count is False


@pytest.mark.parametrize("model", [Deal, Ticket, DealStageEntry, Response])
def test_changelist_queries_do_not_grow_with_rows(admin_client, business, stages, contact, model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import DealFactory, TicketFactory

    url = admin_url(model, "changelist")
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for _ in range(3):
        DealFactory(pipeline_stage=stages[1], contact=contact)
        ticket = TicketFactory(contact=contact)
        response_record(survey=SurveyFactory(), contact=contact, score=5, ticket=ticket)
    with CaptureQueriesContext(connection) as more:
        admin_client.get(url)

    assert len(more) == len(few)


# Deals


def test_adding_a_deal_goes_through_the_service(admin_client, stages, contact):
    response = admin_client.post(admin_url(Deal, "add"), {
        "title": "Admin deal", "initial_stage": stages[1].pk, "contact": contact.pk, "kind": "new",
        "amount": "10.01", "currency": "eur", "exchange_rate": "0.5",
        "created_at_0": "2025-03-03", "created_at_1": "09:00:00",
    })

    assert response.status_code == 302, response.context["adminform"].form.errors
    deal = Deal.objects.get(title="Admin deal")
    assert (deal.pipeline, deal.stage, deal.currency, deal.amount_base) == (
        stages[1].pipeline, stages[1], "EUR", Decimal("5.01"))
    entries = deal.stage_entries.values_list("stage", "entered_at", "exited_at")
    assert list(entries) == [(stages[1].pk, T0, None)]
    assert dirty("deals") == {date(2025, 3, 3)}


def test_the_deal_add_page_needs_a_stage(admin_client, contact):
    response = admin_client.post(admin_url(Deal, "add"), {
        "title": "No stage", "contact": contact.pk, "kind": "new", "amount": "1", "currency": "USD",
        "created_at_0": "2025-03-03", "created_at_1": "09:00:00",
    })

    assert response.status_code == 200
    assert "initial_stage" in response.context["adminform"].form.errors
    assert not Deal.objects.exists()


def test_changing_a_deal_goes_through_deal_update(admin_client, deal):
    page = admin_client.get(admin_url(Deal, "change", deal.pk))
    data = form_data(page) | {"amount": "20.01", "currency": "EUR", "exchange_rate": "0.5"}
    DirtyDay.objects.all().delete()

    response = admin_client.post(admin_url(Deal, "change", deal.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    deal.refresh_from_db()
    assert deal.amount_base == Decimal("10.01")
    assert dirty("deals") == {date(2025, 3, 3)}


def test_stage_and_status_are_read_only_on_the_change_page(admin_client, deal, stages):
    page = admin_client.get(admin_url(Deal, "change", deal.pk))
    data = form_data(page) | {"stage": stages[2].pk, "status": DealStatus.WON}

    admin_client.post(admin_url(Deal, "change", deal.pk), data)

    deal.refresh_from_db()
    assert (deal.stage, deal.status) == (stages[0], DealStatus.OPEN)


def post_action(client, model, action: str, objects, **extra):
    return client.post(admin_url(model, "changelist"), {
        "action": action, "_selected_action": [obj.pk for obj in objects], "index": 0, **extra,
    })


def test_mark_won_goes_through_deal_close(admin_client, deal):
    response = post_action(admin_client, Deal, "mark_won", [deal])

    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON
    assert deal.closed_at is not None
    assert deal.stage_entries.get().exited_at == deal.closed_at
    assert deal.closed_at.date() in dirty("customers")


def test_mark_lost_takes_the_chosen_reason(admin_client, deal):
    reason = LostReason.objects.create(name="Price")

    post_action(admin_client, Deal, "mark_lost", [deal], lost_reason=reason.pk)

    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason) == (DealStatus.LOST, reason)
    assert deal.stage_entries.get().exited_at == deal.closed_at


def test_mark_won_reports_a_refusal_and_goes_on(admin_client, deal, stages, contact):
    from tests.factories import DealFactory

    foreign = DealFactory(pipeline_stage=stages[0], contact=contact, currency="EUR", created_at=T0)

    response = post_action(admin_client, Deal, "mark_won", [deal, foreign])

    deal.refresh_from_db()
    foreign.refresh_from_db()
    assert (deal.status, foreign.status) == (DealStatus.WON, DealStatus.OPEN)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("exchange rate" in m for m in messages)
    assert any("1 deal marked won" in m for m in messages)


def test_move_to_stage_action_writes_history(admin_client, deal, stages):
    post_action(admin_client, Deal, "move_to_stage", [deal], stage=stages[2].pk)

    deal.refresh_from_db()
    assert deal.stage == stages[2]
    entries = list(deal.stage_entries.order_by("entered_at", "id"))
    assert [e.stage for e in entries] == [stages[0], stages[2]]
    assert entries[0].exited_at == entries[1].entered_at


def test_move_to_stage_without_a_stage_changes_nothing(admin_client, deal, stages):
    post_action(admin_client, Deal, "move_to_stage", [deal])

    deal.refresh_from_db()
    assert deal.stage == stages[0]


def test_reopen_action(admin_client, deal):
    deal_close(deal=deal, won=False, at=T0 + timedelta(days=1))

    post_action(admin_client, Deal, "reopen", [deal])

    deal.refresh_from_db()
    assert (deal.status, deal.closed_at) == (DealStatus.OPEN, None)


def test_deleting_a_deal_marks_its_days(admin_client, deal):
    DirtyDay.objects.all().delete()

    response = admin_client.post(admin_url(Deal, "delete", deal.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Deal.objects.exists()
    assert dirty("deals") == {date(2025, 3, 3)}


def test_bulk_deleting_deals_marks_their_days(admin_client, deal):
    DirtyDay.objects.all().delete()

    post_action(admin_client, Deal, "delete_selected", [deal], post="yes")

    assert not Deal.objects.exists()
    assert dirty("stages") == {date(2025, 3, 3)}


# Customers, campaigns, stages


def test_churn_set_in_the_admin_goes_through_the_service(admin_client, deal, contact):
    deal_close(deal=deal, won=True, at=T0 + timedelta(days=1))
    page = admin_client.get(admin_url(type(contact), "change", contact.pk))
    data = form_data(page) | {"churned_at_0": "2025-04-01", "churned_at_1": "12:00:00",
                              "churn_reason": "price"}
    DirtyDay.objects.all().delete()

    response = admin_client.post(admin_url(type(contact), "change", contact.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    contact.refresh_from_db()
    assert (contact.churned_at.date(), contact.churn_reason) == (date(2025, 4, 1), "price")
    assert dirty("customers") == {date(2025, 3, 4), date(2025, 4, 1)}


def test_adding_a_contact_marks_its_lead_day(admin_client, campaign):
    response = admin_client.post(admin_url(type(campaign).leads.field.model, "add"), {
        "first_name": "Ada", "language": "en", "source_campaign": campaign.pk,
        "created_at_0": "2025-03-03", "created_at_1": "09:00:00",
    })

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert dirty("campaigns") == {date(2025, 3, 3)}


def test_spend_inline_marks_old_and_new_days(admin_client, campaign):
    spend = campaign_add_spend(campaign=campaign, spent_on=date(2025, 3, 1), amount=Decimal("10"))
    page = admin_client.get(admin_url(type(campaign), "change", campaign.pk))
    data = form_data(page)
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data |= {f"{prefix}-0-date": "2025-03-02", f"{prefix}-1-date": "2025-03-05", f"{prefix}-1-amount": "7"}
    DirtyDay.objects.all().delete()

    response = admin_client.post(admin_url(type(campaign), "change", campaign.pk), data)

    assert response.status_code == 302
    spend.refresh_from_db()
    assert spend.date == date(2025, 3, 2)
    assert CampaignSpend.objects.count() == 2
    assert dirty("campaigns") == {date(2025, 3, 1), date(2025, 3, 2), date(2025, 3, 5)}


def test_spend_inline_deletion_marks_the_day(admin_client, campaign):
    campaign_add_spend(campaign=campaign, spent_on=date(2025, 3, 1), amount=Decimal("10"))
    page = admin_client.get(admin_url(type(campaign), "change", campaign.pk))
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data = form_data(page) | {f"{prefix}-0-DELETE": "on"}
    DirtyDay.objects.all().delete()

    admin_client.post(admin_url(type(campaign), "change", campaign.pk), data)

    assert not CampaignSpend.objects.exists()
    assert dirty("campaigns") == {date(2025, 3, 1)}


def test_stage_probability_change_reweights_its_history(admin_client, deal, stages):
    stage = stages[0]
    page = admin_client.get(admin_url(type(stage), "change", stage.pk))
    DirtyDay.objects.all().delete()

    admin_client.post(admin_url(type(stage), "change", stage.pk), form_data(page) | {"probability": "0.3"})

    stage.refresh_from_db()
    assert stage.probability == Decimal("0.3")
    assert dirty("stages") == {date(2025, 3, 3)}


# Users


def test_adding_a_user_puts_them_in_their_role_group(admin_client):
    team = Team.objects.create(name="North")
    response = admin_client.post(admin_url(User, "add"), {
        "username": "newbie", "usable_password": "true", "password1": "a-Long-pass-2026",
        "password2": "a-Long-pass-2026", "full_name": "New Bie", "role": Role.SUPPORT, "team": team.pk,
        "language": "fa",
    })

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="newbie")
    assert (user.role, user.team, user.language) == (Role.SUPPORT, team, "fa")
    assert list(user.groups.values_list("name", flat=True)) == ["support"]


def test_changing_a_role_in_the_admin_moves_the_group(admin_client):
    user = UserFactory(role=Role.SALES)
    page = admin_client.get(admin_url(User, "change", user.pk))

    response = admin_client.post(admin_url(User, "change", user.pk), form_data(page) | {"role": Role.MANAGER})

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(user.groups.values_list("name", flat=True)) == ["manager"]


def test_the_role_group_wins_over_the_groups_ticked_on_the_form(admin_client):
    user = UserFactory(role=Role.SALES)
    page = admin_client.get(admin_url(User, "change", user.pk))
    support = Group.objects.get(name="support")

    admin_client.post(admin_url(User, "change", user.pk), form_data(page) | {"groups": [support.pk]})

    assert list(user.groups.values_list("name", flat=True)) == ["sales"]


# Tickets


def test_adding_a_ticket_goes_through_the_service(admin_client, contact):
    response = admin_client.post(admin_url(Ticket, "add"), {
        "subject": "Down", "contact": contact.pk, "priority": Priority.URGENT, "channel": "chat",
        "created_at_0": "2025-03-03", "created_at_1": "09:00:00", "body": "Nothing works",
    })

    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket = Ticket.objects.get(subject="Down")
    assert ticket.first_response_due_at == T0 + timedelta(hours=1)
    assert ticket.messages.get().author == MessageAuthor.CUSTOMER


def test_a_reply_from_the_ticket_page_is_the_first_response(admin_client, ticket):
    page = admin_client.get(admin_url(Ticket, "change", ticket.pk))
    data = form_data(page) | {"message_kind": "reply", "message_body": "On it"}

    response = admin_client.post(admin_url(Ticket, "change", ticket.pk), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.status == TicketStatus.PENDING


def test_a_note_from_the_ticket_page_is_not_a_first_response(admin_client, ticket):
    page = admin_client.get(admin_url(Ticket, "change", ticket.pk))

    admin_client.post(admin_url(Ticket, "change", ticket.pk),
                      form_data(page) | {"message_kind": "note", "message_body": "Looks like a bug"})

    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert ticket.messages.get().public is False


def test_resolve_and_reopen_actions(admin_client, ticket):
    post_action(admin_client, Ticket, "resolve", [ticket])
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.resolved_at is not None

    post_action(admin_client, Ticket, "reopen", [ticket])
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at) == (TicketStatus.OPEN, None)


def test_reopening_an_open_ticket_is_reported_not_crashed(admin_client, ticket):
    response = post_action(admin_client, Ticket, "reopen", [ticket])

    assert response.status_code == 302
    assert any("resolved" in str(m) for m in response.wsgi_request._messages)


def test_deleting_a_ticket_with_its_thread_marks_its_days(admin_client, ticket):
    ticket_add_message(ticket=ticket, author=MessageAuthor.AGENT, body="Hi", at=T0 + timedelta(hours=1))
    ticket_resolve(ticket=ticket, at=T0 + timedelta(days=1))
    DirtyDay.objects.all().delete()

    response = admin_client.post(admin_url(Ticket, "delete", ticket.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Ticket.objects.exists()
    assert dirty("tickets") == {date(2025, 3, 3), date(2025, 3, 4)}
    assert dirty("replies") == {date(2025, 3, 3)}


# Surveys

ANSWERED = {"answered_at_0": "2025-03-03", "answered_at_1": "09:00:00"}


def test_adding_a_response_checks_the_scale(admin_client, contact):
    survey = SurveyFactory(kind=SurveyKind.CSAT)
    data = {"survey": survey.pk, "contact": contact.pk, **ANSWERED}

    refused = admin_client.post(admin_url(Response, "add"), data | {"score": "6"})
    accepted = admin_client.post(admin_url(Response, "add"), data | {"score": "5"})

    assert refused.status_code == 200
    assert "score" in refused.context["adminform"].form.errors
    assert accepted.status_code == 302
    assert list(Response.objects.values_list("score", flat=True)) == [5]
    assert dirty("surveys") == {date(2025, 3, 3)}


def test_adding_a_servqual_response(admin_client, contact):
    survey = SurveyFactory(kind=SurveyKind.SERVQUAL)
    data = {"survey": survey.pk, "contact": contact.pk, **ANSWERED, "empathy_expectation": "6",
            "empathy_perception": "4"}

    response = admin_client.post(admin_url(Response, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Response.objects.get().empathy_perception == 4


def test_a_servqual_answer_out_of_range_is_a_form_error(admin_client, contact):
    survey = SurveyFactory(kind=SurveyKind.SERVQUAL)
    data = {"survey": survey.pk, "contact": contact.pk, **ANSWERED, "empathy_expectation": "6"}

    response = admin_client.post(admin_url(Response, "add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Response.objects.exists()


def test_an_invitation_of_another_survey_is_a_form_error(admin_client, contact):
    survey = SurveyFactory(kind=SurveyKind.NPS)
    invitation = InvitationFactory(survey=SurveyFactory(), contact=contact, sent_at=T0)
    data = {"survey": survey.pk, "contact": contact.pk, "invitation": invitation.pk, "score": "9", **ANSWERED}

    response = admin_client.post(admin_url(Response, "add"), data)

    assert response.status_code == 200
    assert "invitation" in response.context["adminform"].form.errors
    assert not Response.objects.exists()


def test_answering_an_invitation_in_the_admin_marks_its_sent_day(admin_client, survey, contact):
    invitation = InvitationFactory(survey=survey, contact=contact, sent_at=T0 - timedelta(days=2))
    DirtyDay.objects.all().delete()
    data = {"survey": survey.pk, "contact": contact.pk, "invitation": invitation.pk, "score": "9", **ANSWERED}

    response = admin_client.post(admin_url(Response, "add"), data)

    assert response.status_code == 302
    assert Response.objects.get().invitation == invitation
    assert dirty("surveys") == {date(2025, 3, 1), date(2025, 3, 3)}


def test_the_admin_refuses_an_nps_survey_sent_after_every_ticket_as_the_service_does(admin_client):
    from surveys.models import Survey

    response = admin_client.post(admin_url(Survey, "add"), {
        "name": "After tickets", "kind": SurveyKind.NPS, "question": "", "question_fa": "", "active": "on",
        "send_after_ticket_resolved": "on", "ticket_delay_hours": "24",
    })

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["send_after_ticket_resolved"] == [
        "Only CSAT and CES surveys follow a ticket."]
    assert not Survey.objects.exists()


def test_changing_a_survey_in_the_admin_is_checked_like_creating_one(admin_client):
    from surveys.models import Survey
    from surveys.services import survey_create

    survey = survey_create(name="Relationship", kind=SurveyKind.NPS)
    page = admin_client.get(admin_url(Survey, "change", survey.pk))
    data = form_data(page) | {"send_after_ticket_resolved": "on"}

    response = admin_client.post(admin_url(Survey, "change", survey.pk), data)

    assert response.status_code == 200
    assert "Only CSAT and CES surveys follow a ticket." in response.content.decode()
    survey.refresh_from_db()
    assert survey.send_after_ticket_resolved is False


def test_a_survey_added_in_the_admin_gets_the_standard_question(admin_client):
    from surveys.models import Survey

    response = admin_client.post(admin_url(Survey, "add"), {
        "name": "After tickets", "kind": SurveyKind.CSAT, "question": "", "question_fa": "", "active": "on",
        "send_after_ticket_resolved": "on", "ticket_delay_hours": "24",
    })

    assert response.status_code == 302
    survey = Survey.objects.get()
    assert survey.send_after_ticket_resolved
    assert survey.question
    assert survey.question_fa


def test_editing_spend_in_its_own_admin_marks_the_old_and_new_dates(admin_client, campaign):
    spend = campaign_add_spend(campaign=campaign, spent_on=date(2025, 3, 1), amount=Decimal("10"))
    DirtyDay.objects.all().delete()

    response = admin_client.post(admin_url(CampaignSpend, "change", spend.pk),
                                 {"campaign": campaign.pk, "date": "2025-03-09", "amount": "12"})

    assert response.status_code == 302
    spend.refresh_from_db()
    assert (spend.date, spend.amount) == (date(2025, 3, 9), Decimal("12.00"))
    assert dirty("campaigns") == {date(2025, 3, 1), date(2025, 3, 9)}


def test_negative_spend_is_refused_on_the_admin_form_with_the_constraint_message(admin_client, campaign):
    response = admin_client.post(admin_url(CampaignSpend, "add"),
                                 {"campaign": campaign.pk, "date": "2025-03-09", "amount": "-1"})

    assert response.status_code == 200
    assert "Spend cannot be negative." in response.content.decode()
    assert not CampaignSpend.objects.exists()


def test_deleting_a_campaign_marks_its_spend_leads_and_deals_days(admin_client, campaign, deal):
    from crm.models import Campaign, Contact

    campaign_add_spend(campaign=campaign, spent_on=date(2025, 2, 20), amount=Decimal("10"))
    Contact.objects.filter(pk=deal.contact_id).update(source_campaign=campaign)
    Deal.objects.filter(pk=deal.pk).update(campaign=campaign)
    DirtyDay.objects.all().delete()

    response = admin_client.post(admin_url(Campaign, "delete", campaign.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Campaign.objects.exists()
    assert dirty("campaigns") == {date(2025, 2, 20), T0.date()}
    assert T0.date() in dirty("deals")


def test_deleting_a_contact_marks_its_lead_and_survey_days(admin_client, campaign, survey):
    from crm.models import Contact
    from tests.factories import ContactFactory

    contact = ContactFactory(created_at=T0, source_campaign=campaign)
    InvitationFactory(survey=survey, contact=contact, sent_at=T0 + timedelta(days=1))
    DirtyDay.objects.all().delete()

    response = admin_client.post(admin_url(Contact, "delete", contact.pk), {"post": "yes"})

    assert response.status_code == 302
    assert dirty("campaigns") == {T0.date()}
    assert dirty("surveys") == {T0.date() + timedelta(days=1)}


def test_changing_a_company_in_the_admin_writes_its_history(admin_client, company):
    from crm.models import Company

    page = admin_client.get(admin_url(Company, "change", company.pk))
    data = form_data(page) | {"name": "Renamed Ltd"}

    response = admin_client.post(admin_url(Company, "change", company.pk), data)

    assert response.status_code == 302
    company.refresh_from_db()
    assert company.name == "Renamed Ltd"
    assert company.version == 2
    assert company.history.first().name == "Renamed Ltd"
