"""Small, general factories. Deals and tickets are created through their services, as in production,
so every factory-made deal has its first stage entry and every ticket its SLA due times."""

from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from crm.models import Campaign, Company, Contact, Deal, Pipeline, Role, Stage, Team, User
from crm.search_keys import company_key_of, contact_key_of
from crm.services import deal_create, user_sync_role_group
from support.models import Channel, Priority, Ticket
from support.services import ticket_create
from surveys.models import Invitation, Survey, SurveyKind
from surveys.services import invitation_create

DEFAULT_STAGES = (("Lead", "0.1"), ("Proposal", "0.5"), ("Negotiation", "0.8"))


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(DjangoModelFactory):
    """A user with a role; the role's group is synced as the admin does. Password: "password"."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.SALES
    password = factory.django.Password("password")

    @factory.post_generation
    def role_group(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            user_sync_role_group(user=self)


class SearchKeyed:
    """Factory-made companies and contacts get the search key the services give them (crm/search_keys.py)."""

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> object:
        record = model_class(*args, **kwargs)
        record.search_key = company_key_of(record) if model_class is Company else contact_key_of(record)
        record.save()
        return record


class CompanyFactory(SearchKeyed, DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    created_at = factory.LazyFunction(timezone.now)


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")


class ContactFactory(SearchKeyed, DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")
    created_at = factory.LazyFunction(timezone.now)


class StageFactory(DjangoModelFactory):
    class Meta:
        model = Stage

    pipeline = factory.SubFactory("tests.factories.PipelineFactory", stages=[])
    name = factory.Sequence(lambda n: f"Stage {n}")
    position = factory.Sequence(lambda n: n)
    probability = Decimal("0.5")


class PipelineFactory(DjangoModelFactory):
    """A pipeline with three stages (Lead 10 %, Proposal 50 %, Negotiation 80 %).

    `PipelineFactory(stages=[("Only", "0.3")])` gives other stages, `stages=[]` none.
    """

    class Meta:
        model = Pipeline
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Pipeline {n}")

    @factory.post_generation
    def stages(self, create: bool, extracted: list[tuple[str, str]] | None, **kwargs: object) -> None:
        if not create:
            return
        specs = DEFAULT_STAGES if extracted is None else extracted
        for position, (name, probability) in enumerate(specs):
            Stage.objects.create(pipeline=self, name=name, position=position,
                                 probability=Decimal(probability))


def first_stage() -> Stage:
    return PipelineFactory().stages.order_by("position").first()


class DealFactory(DjangoModelFactory):
    """An open deal made by `crm.services.deal_create` (so it has its first stage entry)."""

    class Meta:
        model = Deal

    title = factory.Sequence(lambda n: f"Deal {n}")
    pipeline_stage = factory.LazyFunction(first_stage)
    contact = factory.SubFactory(ContactFactory)
    owner = factory.SubFactory(UserFactory)
    amount = Decimal("1000.00")
    created_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class: type[Deal], *args: object, **kwargs: object) -> Deal:
        return deal_create(**kwargs)


class TicketFactory(DjangoModelFactory):
    """A new ticket made by `support.services.ticket_create` (so its SLA due times are set)."""

    class Meta:
        model = Ticket

    subject = factory.Sequence(lambda n: f"Ticket {n}")
    contact = factory.SubFactory(ContactFactory)
    priority = Priority.NORMAL
    channel = Channel.EMAIL
    created_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class: type[Ticket], *args: object, **kwargs: object) -> Ticket:
        return ticket_create(**kwargs)


class SurveyFactory(DjangoModelFactory):
    class Meta:
        model = Survey

    name = factory.Sequence(lambda n: f"Survey {n}")
    kind = SurveyKind.NPS


class InvitationFactory(DjangoModelFactory):
    """An invitation made by `surveys.services.invitation_create`."""

    class Meta:
        model = Invitation

    survey = factory.SubFactory(SurveyFactory)
    contact = factory.SubFactory(ContactFactory)
    sent_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class: type[Invitation], *args: object, **kwargs: object) -> Invitation:
        return invitation_create(**kwargs)
