"""Shapes of the CRM resources: read serializers show records, input serializers validate what a client
sends before a service is called. No serializer saves a model."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api import fields as local
from core.api.base import RecordIdField, VersionSerializer, record_field
from crm.models import (
    Activity,
    ActivityKind,
    Campaign,
    CampaignSpend,
    Company,
    CompanySize,
    Contact,
    Deal,
    DealKind,
    Language,
    LostReason,
    Pipeline,
    Stage,
    Team,
    User,
)
from crm.normalize import normalize_domain, validate_domain

MONEY = {"max_digits": 16, "decimal_places": 2}


def tag_names_field() -> serializers.SlugRelatedField:
    """A record's tags as their names, for reading."""
    return serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)


class TagNamesInputField(serializers.ListField):
    """A list of tag names whose errors are a list of messages naming the tag by its place ("Tag 3: ..."), as
    every other field's are, rather than DRF's {index: [messages]} that the error schema does not allow."""

    def run_child_validation(self, data: list) -> list:
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as error:
            if not isinstance(error.detail, dict):
                raise
            raise serializers.ValidationError([
                _("Tag %(number)s: %(error)s") % {"number": int(index) + 1, "error": message}
                for index, messages in error.detail.items() for message in messages]) from error


def tags_input_field() -> serializers.ListField:
    """The record's tags by name; the list replaces the tags it has, a new name creates its tag."""
    return TagNamesInputField(child=serializers.CharField(max_length=50), required=False,
                              help_text=_("Tag names; replaces the record's tags."))


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "name_fa"]


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "role", "team", "language", "is_active"]


class CompanySerializer(serializers.ModelSerializer):
    tags = tag_names_field()

    class Meta:
        model = Company
        fields = ["id", "external_id", "name", "domain", "industry", "size", "address", "tags", "owner",
                  "created_at", "churned_at", "churn_reason", "version"]


class DomainField(serializers.CharField):
    """A web site's host; a full address such as ``https://www.example.com/about`` is accepted and kept as
    ``www.example.com``, anything that is not a host name is a field error."""

    def to_internal_value(self, data: object) -> str:
        host = normalize_domain(super().to_internal_value(data))
        validate_domain(host)
        return host


class CompanyProfileSerializer(serializers.Serializer):
    domain = DomainField(max_length=253, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    size = serializers.ChoiceField(choices=CompanySize.choices, required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    tags = tags_input_field()


class CompanyCreateSerializer(CompanyProfileSerializer):
    name = serializers.CharField(max_length=200)
    owner = record_field(User.objects.all(), required=False, allow_null=True)
    external_id = serializers.CharField(max_length=100, required=False, allow_null=True)


class CompanyUpdateSerializer(CompanyProfileSerializer, VersionSerializer):
    name = serializers.CharField(max_length=200, required=False)
    owner = record_field(User.objects.all(), required=False, allow_null=True)


class ContactSerializer(serializers.ModelSerializer):
    tags = tag_names_field()

    class Meta:
        model = Contact
        fields = ["id", "external_id", "first_name", "last_name", "job_title", "email", "phone", "company",
                  "source_campaign",
                  "owner", "language", "tags", "created_at", "churned_at", "churn_reason", "version"]


class ContactFieldsSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    job_title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    company = record_field(Company.objects.all(), required=False, allow_null=True)
    source_campaign = record_field(Campaign.objects.all(), required=False, allow_null=True)
    owner = record_field(User.objects.all(), required=False, allow_null=True)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    tags = tags_input_field()


class ContactCreateSerializer(ContactFieldsSerializer):
    first_name = serializers.CharField(max_length=100)
    external_id = serializers.CharField(max_length=100, required=False, allow_null=True)
    allow_duplicate = serializers.BooleanField(
        required=False, default=False,
        help_text=_("Create the contact even when one with the same email, phone, or name in the same company "
                    "exists (otherwise 400 with code \"duplicate\")."))


class ContactUpdateSerializer(ContactFieldsSerializer, VersionSerializer):
    allow_duplicate = serializers.BooleanField(
        required=False, default=False,
        help_text=_("Save the change even when it makes the contact look like another one (the same email, "
                    "phone, or name in the same company; otherwise 400 with code \"duplicate\")."))


class CampaignSerializer(serializers.ModelSerializer):
    spend_total = local.DecimalField(max_digits=20, decimal_places=2, read_only=True,
                                           help_text=_("Everything spent on the campaign, in the base currency."))

    class Meta:
        model = Campaign
        fields = ["id", "external_id", "name", "channel", "spend_total"]


class CampaignSpendSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignSpend
        fields = ["id", "campaign", "date", "amount"]


class CampaignSpendCreateSerializer(serializers.Serializer):
    date = local.DateField()
    amount = local.DecimalField(max_digits=14, decimal_places=2, min_value=0)


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "external_id", "pipeline", "name", "name_fa", "position", "probability", "idle_days"]


class PipelineSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "external_id", "name", "name_fa", "stages"]


class LostReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = LostReason
        fields = ["id", "name", "name_fa"]


class DealSerializer(serializers.ModelSerializer):
    tags = tag_names_field()

    class Meta:
        model = Deal
        fields = ["id", "external_id", "title", "pipeline", "stage", "contact", "company", "owner", "amount",
                  "currency", "exchange_rate", "amount_base", "kind", "campaign", "status", "created_at",
                  "closed_at", "lost_reason", "lost_note", "tags", "expected_close_date", "updated_at", "version"]


class DealFieldsSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    contact = record_field(Contact.objects.all(), required=False)
    company = record_field(Company.objects.all(), required=False, allow_null=True)
    owner = record_field(User.objects.all(), required=False, allow_null=True)
    tags = tags_input_field()
    amount = local.DecimalField(**MONEY, min_value=0, required=False)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", max_length=3, required=False,
                                      help_text=_("ISO 4217 code; the base currency when left out."))
    exchange_rate = local.DecimalField(max_digits=24, decimal_places=10, min_value=0, required=False,
                                             allow_null=True)
    kind = serializers.ChoiceField(choices=DealKind.choices, required=False)
    campaign = record_field(Campaign.objects.all(), required=False, allow_null=True)
    expected_close_date = local.DateField(required=False, allow_null=True,
                                                help_text=_("When the rep expects the deal to close."))


class DealCreateSerializer(DealFieldsSerializer):
    title = serializers.CharField(max_length=200)
    stage = record_field(Stage.objects.all(), help_text=_("The first stage; the pipeline is the stage's."))
    contact = record_field(Contact.objects.all())
    amount = local.DecimalField(**MONEY, min_value=0)
    external_id = serializers.CharField(max_length=100, required=False, allow_null=True)


class DealUpdateSerializer(DealFieldsSerializer, VersionSerializer):
    pass


class DealMoveSerializer(VersionSerializer):
    stage = record_field(Stage.objects.all())
    at = local.DateTimeField(required=False, help_text=_("When the deal moved; now when left out."))


class DealWinSerializer(VersionSerializer):
    at = local.DateTimeField(required=False, help_text=_("When the deal was won; now when left out."))
    exchange_rate = local.DecimalField(max_digits=24, decimal_places=10, min_value=0, required=False)


class DealLoseSerializer(VersionSerializer):
    at = local.DateTimeField(required=False, help_text=_("When the deal was lost; now when left out."))
    lost_reason = record_field(LostReason.objects.all(), required=False, allow_null=True)
    lost_note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class BoardStageSerializer(serializers.Serializer):
    stage = local.IntegerField()
    name = serializers.CharField()
    name_fa = serializers.CharField(help_text=_("The stage's Persian name; empty when none was given."))
    position = local.IntegerField()
    count = local.IntegerField(help_text=_("Open deals in the stage."))
    amount_base = local.DecimalField(max_digits=24, decimal_places=2,
                                     help_text=_("Sum of their amounts in the base currency."))


class BoardQuerySerializer(serializers.Serializer):
    pipeline = RecordIdField()


class ActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = ["id", "kind", "subject", "body", "contact", "company", "deal", "owner", "due_at", "done_at",
                  "created_at"]


class ActivityCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    contact = record_field(Contact.objects.all(), required=False, allow_null=True)
    company = record_field(Company.objects.all(), required=False, allow_null=True)
    deal = record_field(Deal.objects.all(), required=False, allow_null=True)
    owner = record_field(User.objects.all(), required=False, allow_null=True,
                         help_text=_("Whose activity or task it is; the caller when left out."))
    due_at = local.DateTimeField(required=False, allow_null=True, help_text=_("Tasks only."))
