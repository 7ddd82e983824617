"""Every write to contacts, companies, campaigns and deals.

Each function is atomic, keyword-only, and marks the KPI days its change touches
(before and after) so the roll-up cannot miss them. The admin, the pages, the API
and the importer all come through here.
"""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core import dirtying, events
from core.concurrency import check_version
from core.dirtying import DaySet
from crm.mail import new_message_id
from crm.merging import merge_records
from crm.models import (
    Activity,
    ActivityKind,
    BoardScope,
    Campaign,
    CampaignChannel,
    CampaignSpend,
    Company,
    Contact,
    Deal,
    DealKind,
    DealStageEntry,
    DealStatus,
    EmailDelivery,
    EmailDirection,
    EmailTemplate,
    LostReason,
    Pipeline,
    Role,
    Stage,
    Team,
    User,
    base_amount,
)
from crm.models.activities import TASK_REMINDER_WINDOW
from crm.models.people import business_language
from crm.models.tags import Tag
from crm.normalize import contact_normalized_fields, normalize_domain, normalize_name
from crm.permissions import can_edit_customers, can_edit_deal, can_reassign
from crm.search_keys import company_key_of, contact_key_of, deal_key_of, refresh_dependent_keys

DEAL_EDITABLE_FIELDS = frozenset(
    {"title", "contact", "company", "owner", "amount", "currency", "exchange_rate", "kind", "campaign",
     "expected_close_date"}
)


def deal_dirty_days(deal: Deal) -> DaySet:
    """The KPI days this deal counts on as it stands now (the KPI engine's rule, through core.dirtying)."""
    return dirtying.days_of("deals", Deal.objects.filter(pk=deal.pk))


def _full_clean(instance: object, **kwargs: object) -> None:
    instance.full_clean(**kwargs)  # type: ignore[attr-defined]


TAG_NAME_MAX_LENGTH = 50


def tags_named(names: Iterable[str]) -> list[Tag]:
    """The tags of these names, created when new; a name matches its tag whatever its case, and blanks and
    repeats are dropped. A name past 50 characters is refused as the `tags` field's error."""
    wanted: dict[str, str] = {}
    for name in names:
        cleaned = " ".join(name.split())
        if cleaned:
            wanted.setdefault(cleaned.casefold(), cleaned)
    too_long = [name for name in wanted.values() if len(name) > TAG_NAME_MAX_LENGTH]
    if too_long:
        raise ValidationError({"tags": _("A tag has at most %(max)d characters: %(name)s")
                               % {"max": TAG_NAME_MAX_LENGTH, "name": too_long[0][:60]}})
    return [Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
            for name in wanted.values()]


def _set_tags(record: Contact | Company | Deal, names: Iterable[str] | None) -> None:
    """Replace the record's tags when `names` is given (None leaves them as they are)."""
    if names is not None:
        record.tags.set(tags_named(names))



@transaction.atomic
def deal_create(
    *,
    title: str,
    pipeline_stage: Stage,
    contact: Contact,
    owner: User | None,
    amount: Decimal,
    company: Company | None = None,
    currency: str | None = None,
    exchange_rate: Decimal | None = None,
    kind: str = DealKind.NEW,
    campaign: Campaign | None = None,
    created_at: datetime | None = None,
    external_id: str | None = None,
    tags: Iterable[str] | None = None,
    expected_close_date: date | None = None,
) -> Deal:
    """Create an open deal in `pipeline_stage` and record its first stage entry at `created_at`."""
    created_at = created_at or timezone.now()
    currency = (currency or settings.CRM_CURRENCY).upper()
    deal = Deal(
        external_id=external_id, title=title, pipeline=pipeline_stage.pipeline, stage=pipeline_stage,
        contact=contact, company=company, owner=owner, amount=amount, currency=currency,
        exchange_rate=exchange_rate, kind=kind, campaign=campaign, created_at=created_at,
        expected_close_date=expected_close_date,
    )
    deal.amount_base = base_amount(amount, currency, exchange_rate) if amount is not None else None
    deal.search_key = deal_key_of(deal)
    _full_clean(deal)
    deal.save()
    DealStageEntry.objects.create(deal=deal, stage=pipeline_stage, entered_at=created_at)
    _set_tags(deal, tags)
    deal_dirty_days(deal).save()
    return deal


def _lock(deal: Deal) -> Deal:
    return Deal.objects.select_for_update().select_related("stage", "pipeline").get(pk=deal.pk)


@transaction.atomic
def deal_move_stage(*, deal: Deal, stage: Stage, at: datetime | None = None,
                    expected_version: int | None = None) -> Deal:
    """Move an open deal to another stage of its pipeline, closing the current stage entry at `at`.

    Refuses closed deals, stages of another pipeline, the stage it is already in, and a time
    before the current stage was entered (which would make the history run backwards).
    """
    at = at or timezone.now()
    deal = _lock(deal)
    check_version(deal, expected_version)
    if deal.status != DealStatus.OPEN:
        raise ValidationError({"stage": _("A closed deal cannot move; reopen it first.")})
    if stage.pipeline_id != deal.pipeline_id:
        raise ValidationError({"stage": _("That stage belongs to another pipeline.")})
    if stage.pk == deal.stage_id:
        raise ValidationError({"stage": _("The deal is already in that stage.")})
    current = deal.stage_entries.filter(exited_at__isnull=True).order_by("-entered_at", "-id").first()
    if current is not None and at < current.entered_at:
        raise ValidationError({"stage": _("A move cannot be dated before the current stage was entered.")})
    if current is not None:
        current.exited_at = at
        current.save(update_fields=["exited_at"])
    DealStageEntry.objects.create(deal=deal, stage=stage, entered_at=at)
    deal.stage = stage
    deal.save(update_fields=["stage", "updated_at"])
    dirtying.mark("stage_moves", [at])
    return deal


@transaction.atomic
def deal_close(
    *,
    deal: Deal,
    won: bool,
    at: datetime | None = None,
    exchange_rate: Decimal | None = None,
    lost_reason: LostReason | None = None,
    lost_note: str = "",
    expected_version: int | None = None,
) -> Deal:
    """Mark an open deal won or lost at `at`, fixing its exchange rate and closing its stage entry."""
    at = at or timezone.now()
    deal = _lock(deal)
    check_version(deal, expected_version)
    if deal.status != DealStatus.OPEN:
        raise ValidationError({"status": _("The deal is already closed.")})
    current = deal.stage_entries.filter(exited_at__isnull=True).order_by("-entered_at", "-id").first()
    if at < deal.created_at or (current is not None and at < current.entered_at):
        raise ValidationError({"closed_at": _("A deal cannot close before it entered its current stage.")})
    if exchange_rate is not None:
        deal.exchange_rate = exchange_rate
    if won and deal.currency != settings.CRM_CURRENCY and deal.exchange_rate is None:
        raise ValidationError({"exchange_rate": _("A deal in another currency needs its exchange rate to close.")})
    deal.status = DealStatus.WON if won else DealStatus.LOST
    deal.closed_at = at
    deal.lost_reason = None if won else lost_reason
    deal.lost_note = "" if won else lost_note
    deal.amount_base = base_amount(deal.amount, deal.currency, deal.exchange_rate)
    _full_clean(deal, exclude=["stage", "pipeline", "contact", "company", "owner", "campaign", "lost_reason"])
    deal.save()
    if current is not None:
        current.exited_at = at
        current.save(update_fields=["exited_at"])
    deal_dirty_days(deal).save()
    events.deal_closed(deal_id=deal.pk, won=won)
    return deal


@transaction.atomic
def deal_reopen(*, deal: Deal, expected_version: int | None = None) -> Deal:
    """Reopen a won or lost deal in the stage it closed in; the KPIs of its close day are recomputed."""
    deal = _lock(deal)
    check_version(deal, expected_version)
    if deal.status == DealStatus.OPEN:
        raise ValidationError({"status": _("The deal is already open.")})
    before = deal_dirty_days(deal)
    last = deal.stage_entries.order_by("-entered_at", "-id").first()
    if last is not None:
        last.exited_at = None
        last.save(update_fields=["exited_at"])
    deal.status = DealStatus.OPEN
    deal.closed_at = None
    deal.lost_reason = None
    deal.save(update_fields=["status", "closed_at", "lost_reason", "updated_at"])
    before.update(deal_dirty_days(deal))
    before.save()
    return deal


@transaction.atomic
def deal_update(*, deal: Deal, expected_version: int | None = None, tags: Iterable[str] | None = None,
                **changes: object) -> Deal:
    """Change a deal's descriptive fields (not its stage or status: use the functions above).

    With `expected_version` (the version the editor loaded), a deal saved by someone else since is
    refused with StaleEditError rather than overwritten.
    """
    unknown = set(changes) - DEAL_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"deal_update cannot change {', '.join(sorted(unknown))}")
    deal = _lock(deal)
    check_version(deal, expected_version)
    dirty = deal_dirty_days(deal)
    for field, value in changes.items():
        setattr(deal, field, value)
    deal.currency = deal.currency.upper()
    deal.amount_base = base_amount(deal.amount, deal.currency, deal.exchange_rate)
    deal.search_key = deal_key_of(deal)
    _full_clean(deal)
    deal.save()
    _set_tags(deal, tags)
    dirty.update(deal_dirty_days(deal))
    dirty.save()
    return deal


@transaction.atomic
def deal_delete(*, deal: Deal) -> None:
    """Delete a deal and its history; the days it counted on are recomputed."""
    dirty = deal_dirty_days(deal)
    deal.delete()
    dirty.save()


@transaction.atomic
def stage_set_probability(*, stage: Stage, probability: Decimal) -> Stage:
    """Change a stage's win probability; the weighted pipeline is recomputed over all its history."""
    stage.probability = probability
    _full_clean(stage)
    stage.save(update_fields=["probability"])
    dirtying.mark("stages", Stage.objects.filter(pk=stage.pk))
    return stage


@transaction.atomic
def stage_update(*, stage: Stage, name: str, position: int, probability: Decimal,
                 idle_days: int | None, name_fa: str = "") -> Stage:
    """Rename, reorder or re-tune a stage; a changed probability re-weights its history as
    `stage_set_probability` does."""
    stage = Stage.objects.select_for_update().get(pk=stage.pk)  # the stored values, not a form's copy
    reweigh = probability != stage.probability
    stage.name, stage.name_fa, stage.position, stage.idle_days = name, name_fa.strip(), position, idle_days
    _full_clean(stage)
    stage.save(update_fields=["name", "name_fa", "position", "idle_days"])
    if reweigh:
        stage_set_probability(stage=stage, probability=probability)
    return stage


@transaction.atomic
def pipeline_update_stages(*, pipeline: Pipeline, changes: Iterable[tuple[int, dict[str, object]]]) -> None:
    """The pipeline settings page's save: each (stage id, values) through `stage_update`, all or none; a
    stage of another pipeline is refused."""
    for stage_id, values in changes:
        stage = pipeline.stages.filter(pk=stage_id).first()
        if stage is None:
            raise ValidationError(_("Only the stages of this pipeline can be changed here."))
        stage_update(stage=stage, **values)


def _customer_dirty_days(record: Company | Contact) -> DaySet:
    return dirtying.days_of("customers", type(record).objects.filter(pk=record.pk))


@transaction.atomic
def customer_set_churn(*, customer: Company | Contact, churned_at: datetime | None, reason: str = "",
                       expected_version: int | None = None) -> None:
    """Record (or clear, with None) that a company or contact stopped being a customer."""
    customer = type(customer).objects.select_for_update().get(pk=customer.pk)
    check_version(customer, expected_version)
    dirty = _customer_dirty_days(customer)
    customer.churned_at = churned_at
    customer.churn_reason = reason if churned_at else ""
    customer.save(update_fields=["churned_at", "churn_reason"])
    dirty.update(_customer_dirty_days(customer))
    dirty.save()


@transaction.atomic
def company_create(*, name: str, created_at: datetime | None = None, owner: User | None = None,
                   external_id: str | None = None, domain: str = "", industry: str = "", size: str = "",
                   address: str = "", tags: Iterable[str] | None = None) -> Company:
    """Create a company; its domain is stored as the host only (`normalize_domain`)."""
    company = Company(name=name, created_at=created_at or timezone.now(), owner=owner, external_id=external_id,
                      domain=normalize_domain(domain), industry=industry, size=size, address=address)
    company.name_normalized = normalize_name(name)
    company.search_key = company_key_of(company)
    _full_clean(company)
    company.save()
    _set_tags(company, tags)
    return company


def _set_contact_keys(contact: Contact) -> None:
    """The normalised email, phone and name duplicates are found by, from what was typed, and the search key."""
    keys = contact_normalized_fields({"email": contact.email, "phone": contact.phone,
                                      "first_name": contact.first_name, "last_name": contact.last_name})
    for name, value in keys.items():
        setattr(contact, name, value)
    contact.search_key = contact_key_of(contact)


@transaction.atomic
def contact_create(
    *,
    first_name: str,
    last_name: str = "",
    email: str = "",
    phone: str = "",
    company: Company | None = None,
    source_campaign: Campaign | None = None,
    owner: User | None = None,
    language: str = "",
    created_at: datetime | None = None,
    external_id: str | None = None,
    job_title: str = "",
    tags: Iterable[str] | None = None,
) -> Contact:
    """Create a contact (a lead); its creation day counts towards new leads of its source campaign. Without a
    language it speaks the business's (CRM_LANGUAGE)."""
    contact = Contact(
        first_name=first_name, last_name=last_name, email=email, phone=phone, company=company,
        source_campaign=source_campaign, owner=owner, language=language or business_language(),
        created_at=created_at or timezone.now(), external_id=external_id, job_title=job_title,
    )
    _set_contact_keys(contact)
    _full_clean(contact)
    contact.save()
    _set_tags(contact, tags)
    dirtying.mark("contacts", Contact.objects.filter(pk=contact.pk))
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, expected_version: int | None = None, tags: Iterable[str] | None = None,
                   **changes: object) -> Contact:
    """Change a contact's details; a new company or source campaign re-counts the days it affects."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    check_version(contact, expected_version)
    dirty = dirtying.days_of("contacts", Contact.objects.filter(pk=contact.pk))
    named = (contact.first_name, contact.last_name)
    for field, value in changes.items():
        setattr(contact, field, value)
    _set_contact_keys(contact)
    _full_clean(contact)
    contact.save()
    if named != (contact.first_name, contact.last_name):
        refresh_dependent_keys(contact_ids=[contact.pk])
    _set_tags(contact, tags)
    dirty.update(dirtying.days_of("contacts", Contact.objects.filter(pk=contact.pk)))
    dirty.save()
    return contact


COMPANY_EDITABLE_FIELDS = frozenset({"name", "owner", "created_at", "external_id", "domain", "industry", "size",
                                     "address"})


@transaction.atomic
def company_update(*, company: Company, expected_version: int | None = None, tags: Iterable[str] | None = None,
                   **changes: object) -> Company:
    """Change a company's name, owner, creation time, external id or profile (domain, industry, size, address);
    none moves a KPI: customers are counted by id, from their deals and churn."""
    unknown = set(changes) - COMPANY_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"company_update cannot change {', '.join(sorted(unknown))}")
    company = Company.objects.select_for_update().get(pk=company.pk)
    check_version(company, expected_version)
    name = company.name
    for field, value in changes.items():
        setattr(company, field, value)
    company.name_normalized = normalize_name(company.name)
    company.domain = normalize_domain(company.domain)
    company.search_key = company_key_of(company)
    _full_clean(company)
    company.save()
    if name != company.name:
        refresh_dependent_keys(company_ids=[company.pk])
    _set_tags(company, tags)
    return company


@transaction.atomic
def campaign_add_spend(*, campaign: Campaign, spent_on: date, amount: Decimal) -> CampaignSpend:
    """Record money spent on a campaign on a date."""
    spend = CampaignSpend(campaign=campaign, date=spent_on, amount=amount)
    _full_clean(spend)
    spend.save()
    dirtying.mark("spend_dates", [spent_on])
    return spend


@transaction.atomic
def spend_update(*, spend: CampaignSpend, spent_on: date | None = None, amount: Decimal | None = None,
                 campaign: Campaign | None = None) -> CampaignSpend:
    """Correct a spend entry's date, amount or campaign; its old and new dates are recomputed."""
    spend = CampaignSpend.objects.select_for_update().get(pk=spend.pk)
    old_date = spend.date
    if spent_on is not None:
        spend.date = spent_on
    if amount is not None:
        spend.amount = amount
    if campaign is not None:
        spend.campaign = campaign
    _full_clean(spend)
    spend.save()
    dirtying.mark("spend_dates", [old_date, spend.date])
    return spend


@transaction.atomic
def spend_delete(*, spends: QuerySet[CampaignSpend]) -> int:
    """Delete spend entries; the dates they cost on are recomputed. Returns how many were deleted."""
    dirty = dirtying.days_of("spend_dates", list(spends.values_list("date", flat=True)))
    deleted, _by_model = spends.delete()
    dirty.save()
    return deleted


CAMPAIGN_EDITABLE_FIELDS = frozenset({"name", "channel", "external_id"})


@transaction.atomic
def campaign_create(*, name: str, channel: str = CampaignChannel.OTHER, external_id: str | None = None) -> Campaign:
    """A new campaign has no leads, deals or spend yet, so it changes no KPI day."""
    campaign = Campaign(name=name, channel=channel, external_id=external_id)
    _full_clean(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, **changes: object) -> Campaign:
    """Rename a campaign or change its channel (campaign KPIs are broken down by id, so no day moves)."""
    unknown = set(changes) - CAMPAIGN_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"campaign_update cannot change {', '.join(sorted(unknown))}")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    for field, value in changes.items():
        setattr(campaign, field, value)
    _full_clean(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_delete(*, campaigns: QuerySet[Campaign]) -> int:
    """Delete campaigns with their spend; their leads and deals stay, no longer attributed to a campaign.

    The days of that spend, of those leads and of those deals (revenue, ROI, acquired customers) are
    recomputed. Returns how many campaigns were deleted.
    """
    dirty = dirtying.days_of("campaigns", campaigns)
    count = campaigns.count()
    campaigns.delete()
    dirty.save()
    return count


@transaction.atomic
def contact_delete(*, contacts: QuerySet[Contact]) -> int:
    """Delete contacts with their survey invitations and answers (deals and tickets protect a contact, so a
    deletable contact was never a customer); their lead days and survey days are recomputed."""
    dirty = dirtying.days_of("contacts", contacts)
    count = contacts.count()
    contacts.delete()
    dirty.save()
    return count


@transaction.atomic
def company_delete(*, companies: QuerySet[Company]) -> int:
    """Delete companies (deals protect theirs); their contacts stay, without a company."""
    dirty = dirtying.days_of("companies", companies)
    contacts = dirtying.days_of("contacts", Contact.objects.filter(company__in=companies))
    count = companies.count()
    companies.delete()
    dirty.update(contacts)
    dirty.save()
    return count


@transaction.atomic
def activity_create(
    *,
    kind: str,
    subject: str,
    owner: User | None,
    body: str = "",
    contact: Contact | None = None,
    company: Company | None = None,
    deal: Deal | None = None,
    due_at: datetime | None = None,
    created_at: datetime | None = None,
) -> Activity:
    """Log a call, email, meeting or note on a record's timeline, or give someone a task (with `due_at`)."""
    activity = Activity(kind=kind, subject=subject, body=body, owner=owner, contact=contact, company=company,
                        deal=deal, due_at=due_at, created_at=created_at or timezone.now())
    _full_clean(activity)
    activity.save()
    return activity


# A rep's emails to contacts. Errors kept on an entry are the mail server's answer; anything longer is cut.
DELIVERY_ERROR_MAX_CHARS = 2000


@transaction.atomic
def contact_email_send(*, contact: Contact, owner: User, subject: str, body: str, deal: Deal | None = None,
                       company: Company | None = None) -> Activity:
    """A rep's email to a contact, logged on its timeline as a sent email and sent after commit
    (`contact_email_posted`, a Celery task): it gets its Message-ID now, so the contact's answer finds it,
    and stays `queued` until the mail server has it. Written from a deal's or a company's page it is on that
    record's timeline too, and so is the answer (it inherits the email's links); the contact must be the
    deal's contact or one of the company's."""
    if not contact.email:
        raise ValidationError({"contact": _("This contact has no email address.")})
    if deal is not None and deal.contact_id != contact.pk:
        raise ValidationError({"contact": _("This contact is not the deal's contact.")})
    if company is not None and contact.company_id != company.pk:
        raise ValidationError({"contact": _("This contact does not work at this company.")})
    activity = Activity(kind=ActivityKind.EMAIL, direction=EmailDirection.OUT, subject=subject, body=body,
                        owner=owner, contact=contact, deal=deal, company=company, created_at=timezone.now(),
                        message_id=new_message_id(), delivery_status=EmailDelivery.QUEUED)
    _full_clean(activity)
    activity.save()
    events.contact_email_posted(activity_id=activity.pk)
    return activity


def contact_email_sent(*, activity_id: int, at: datetime | None = None) -> bool:
    """The mail server took the rep's email; False when it was not queued (sent already, or failed)."""
    return Activity.objects.filter(pk=activity_id, delivery_status=EmailDelivery.QUEUED).update(
        delivery_status=EmailDelivery.SENT, sent_at=at or timezone.now(), delivery_error="") == 1


def contact_email_failed(*, activity_id: int, error: str, final: bool) -> bool:
    """An attempt to send the rep's email failed with `error`, which is kept; after the last one (`final`)
    it is `failed`, else it stays queued for the next. False when it was not queued."""
    changes: dict[str, object] = {"delivery_error": error[:DELIVERY_ERROR_MAX_CHARS]}
    if final:
        changes["delivery_status"] = EmailDelivery.FAILED
    return Activity.objects.filter(pk=activity_id, delivery_status=EmailDelivery.QUEUED).update(**changes) == 1


@transaction.atomic
def contact_email_reply_record(*, answered: Activity, subject: str, body: str, message_id: str | None,
                               at: datetime) -> Activity:
    """The contact's answer to a rep's email (`answered`), on the same timeline as a received email of the
    same rep, who is told after commit (`contact_email_replied`)."""
    reply = Activity(kind=ActivityKind.EMAIL, direction=EmailDirection.IN, subject=subject[:200], body=body,
                     owner=answered.owner, contact=answered.contact, company=answered.company, deal=answered.deal,
                     created_at=at, message_id=message_id, in_reply_to=answered)
    _full_clean(reply)
    reply.save()
    events.contact_email_replied(activity_id=reply.pk)
    return reply


def contact_email_bounced(*, message_id: str, error: str) -> bool:
    """A delivery report says a rep's email never arrived: it is `failed` with the receiving server's answer
    (an email entry has no separate bounced state). False when no email of ours has this Message-ID."""
    return Activity.objects.filter(message_id=message_id, kind=ActivityKind.EMAIL, direction=EmailDirection.OUT
                                   ).update(delivery_status=EmailDelivery.FAILED, delivery_error=error[:2000]) > 0


@transaction.atomic
def email_template_save(*, name: str, language: str, subject: str, body: str, active: bool = True,
                        template: EmailTemplate | None = None) -> EmailTemplate:
    """Create an email template, or change `template`; refused (ValidationError on the field) when the
    subject or text holds a placeholder reps' emails cannot fill."""
    template = template or EmailTemplate()
    template.name, template.language, template.subject, template.body, template.active = (
        name, language, subject, body, active)
    _full_clean(template)
    template.save()
    return template


@transaction.atomic
def task_set_done(*, task: Activity, done: bool, at: datetime | None = None) -> Activity:
    """Tick a task off (or back on); activities are not KPI inputs, so no day is marked."""
    if task.kind != ActivityKind.TASK:
        raise ValidationError({"kind": _("Only a task can be done.")})
    task.done_at = (at or timezone.now()) if done else None
    task.save(update_fields=["done_at"])
    return task


@transaction.atomic
def task_claim_reminder(*, task_id: int, now: datetime) -> Activity | None:
    """Mark a due task reminded and return it, so the caller sends its reminder after this commits: the
    mail server is never talked to while the row (or, on SQLite, the database) is locked. The task is
    skipped when another worker holds it; None when there is nothing (any more) to remind of. A task that
    fell due more than TASK_REMINDER_WINDOW ago is not reminded: the first run after an upgrade, or after the
    workers were down, does not email every old overdue task (they stay on the task list and its count)."""
    tasks = Activity.objects.select_related("owner")
    if connection.features.has_select_for_update_skip_locked:
        tasks = tasks.select_for_update(skip_locked=True, of=("self",))
    task = tasks.filter(pk=task_id, kind=ActivityKind.TASK, done_at__isnull=True, reminded_at__isnull=True,
                        due_at__lte=now, due_at__gt=now - TASK_REMINDER_WINDOW, owner__isnull=False).first()
    if task is None:
        return None
    task.reminded_at = now
    task.save(update_fields=["reminded_at"])
    return task


def task_release_reminder(*, task_id: int) -> None:
    """Undo a claim whose email the mail server refused, so the next run tries again."""
    Activity.objects.filter(pk=task_id).update(reminded_at=None)


@transaction.atomic
def user_set_team(*, user: User, team: Team | None) -> User:
    """Move a user to another team. Team breakdowns resolve members at read time, so nothing is recomputed."""
    user.team = team
    user.save(update_fields=["team"])
    return user


@transaction.atomic
def user_sync_role_group(*, user: User) -> User:
    """Put the user in the group named after their role and take them out of the other roles' groups
    (`users_sync_role_groups` for one user)."""
    users_sync_role_groups([user])
    return user


@transaction.atomic
def users_sync_role_groups(users: Iterable[User]) -> None:
    """Put each user in the group named after their role and take them out of the other roles' groups.

    The groups carry the role's model permissions in the admin, so they must follow the role. Groups
    not named after a role (added by hand) are left alone. A missing role group is created empty: it
    grants nothing until an admin gives it permissions, rather than failing the user's save. A few
    queries whatever the number of users, so the importer syncs a whole batch with it.
    """
    roles = {user.pk: user.role for user in users}
    if not roles:
        return
    groups = dict(Group.objects.filter(name__in=Role.values).values_list("name", "pk"))
    for role in set(roles.values()) - set(groups):
        groups[role] = Group.objects.get_or_create(name=role)[0].pk
    through = User.groups.through
    wanted = {(user_id, groups[role]) for user_id, role in roles.items()}
    have = set(through.objects.filter(user_id__in=roles, group_id__in=groups.values())
               .values_list("user_id", "group_id"))
    stale: dict[int, list[int]] = {}
    for user_id, group_id in have - wanted:
        stale.setdefault(group_id, []).append(user_id)
    for group_id, user_ids in stale.items():
        through.objects.filter(group_id=group_id, user_id__in=user_ids).delete()
    through.objects.bulk_create([through(user_id=user_id, group_id=group_id)
                                 for user_id, group_id in sorted(wanted - have)])


def user_set_language(*, user: User, language: str) -> User:
    """Keep the language this member of staff reads the CRM in."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose English or Persian.")})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def user_set_board_preference(*, user: User, scope: str | None = None, pipeline: Pipeline | None = None) -> User:
    """Remember whose deals and which pipeline the user last chose on the board, so it opens there again.

    The board calls this on every visit: an unchanged preference costs no query (not even a savepoint)."""
    changed = []
    if scope is not None and scope != user.board_scope:
        if scope not in BoardScope.values:
            raise ValidationError({"scope": _("Choose my deals, my team or everyone.")})
        user.board_scope = scope
        changed.append("board_scope")
    if pipeline is not None and pipeline.pk != user.board_pipeline_id:
        user.board_pipeline = pipeline
        changed.append("board_pipeline")
    if changed:
        with transaction.atomic():
            user.save(update_fields=changed)
    return user


def contact_merge(*, keep: Contact, drop: Contact, fields: dict[str, str], expected_versions: tuple[int, int],
                  by: User | None = None) -> Contact:
    """Merge two contacts into `keep`, in one transaction with both rows locked.

    `fields` names, per differing field, the side whose value the merged contact keeps ("keep" or "drop");
    `expected_versions` are the versions of (keep, drop) the preview showed, so a stale preview is refused.
    Every record pointing at `drop` (deals, tickets, activities, survey invitations and answers) moves to
    `keep` with its change history; `drop` is deleted; a MergeRecord keeps who merged what and the dropped
    contact's values; the KPI days of everything that moved are marked before and after. ValidationError
    (and nothing done) for a record merged with itself, two kinds of record, or a stale version.
    """
    merge_records(keep=keep, drop=drop, fields=fields, expected_versions=expected_versions, by=by)
    return Contact.objects.get(pk=keep.pk)


def company_merge(*, keep: Company, drop: Company, fields: dict[str, str], expected_versions: tuple[int, int],
                  by: User | None = None) -> Company:
    """Merge two companies into `keep` as contact_merge does; the dropped company's contacts, deals and
    activities move to the kept one."""
    merge_records(keep=keep, drop=drop, fields=fields, expected_versions=expected_versions, by=by)
    return Company.objects.get(pk=keep.pk)


@transaction.atomic
def records_bulk_change(*, user: User, records: list[Contact] | list[Company] | list[Deal], kind: str,
                        owner: User | None = None, change_owner: bool = False, add_tag: str = "") -> int:
    """Give the selected records a new owner and/or one more tag, all or none: the user must be allowed to
    edit every one (the edit page's rule), or nothing is written. Each record goes through its update
    service, so it keeps a history row, a raised version and, for deals, the KPI days its owner counts on."""
    if change_owner and not can_reassign(user):
        raise ValidationError(_("Your role does not allow changing owners; nothing was changed."))
    refused = [record for record in records
               if not (can_edit_deal(user, record) if kind == "deal" else can_edit_customers(user))]
    if refused:
        raise ValidationError(_("You may not edit %(count)d of the selected records; nothing was changed.")
                              % {"count": len(refused)})
    update = {"contact": contact_update, "company": company_update, "deal": deal_update}[kind]
    for record in records:
        changes: dict[str, object] = {}
        if change_owner:
            changes["owner"] = owner
        if add_tag:
            changes["tags"] = [*(tag.name for tag in record.tags.all()), add_tag]
        update(**{kind: record}, **changes)
    return len(records)
