"""The merge pages: candidate pairs of duplicates, a preview of one merge, the merge itself; managers only."""

import pytest
from django.urls import reverse

from crm import services
from crm.models import Company, Contact, Deal, MergeRecord, Role
from crm.views.merges import DUPLICATE_PAIRS_PER_PAGE
from tests.factories import DealFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(db):
    """Two contacts with the same email: the first without a phone, the second with one and a deal."""
    keep = services.contact_create(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    drop = services.contact_create(first_name="Ada", last_name="King", email="ADA@example.com",
                                   phone="+14155552671")
    deal = DealFactory(title="Engine", contact=drop)
    return keep, drop, deal


def merge_url(keep, other, kind="contact"):
    return reverse(f"crm:{kind}_merge", args=[keep.pk]) + f"?with={other.pk}"


def post_merge(client, keep, drop, **fields):
    data = {"keep_version": keep.version, "drop_version": drop.version}
    data.update({f"field_{name}": side for name, side in fields.items()})
    return client.post(merge_url(keep, drop), data)


@pytest.mark.parametrize("role", [Role.SALES, Role.SUPPORT])
def test_only_managers_and_admins_see_the_merge_and_duplicates_pages(client, pair, role):
    keep, drop, _deal = pair
    client.force_login(UserFactory(role=role))
    assert client.get(merge_url(keep, drop)).status_code == 403
    assert client.post(merge_url(keep, drop), {"keep_version": keep.version,
                                               "drop_version": drop.version}).status_code == 403
    assert client.get(reverse("crm:contact_duplicates")).status_code == 403
    assert client.get(reverse("crm:company_duplicates")).status_code == 403
    assert Contact.objects.filter(pk=drop.pk).exists()


def test_the_preview_shows_both_values_the_defaults_and_what_moves(client, manager_user, pair):
    keep, drop, _deal = pair
    client.force_login(manager_user)
    response = client.get(merge_url(keep, drop))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Lovelace" in page
    assert "King" in page
    assert "+14155552671" in page
    assert 'name="field_last_name" value="keep" checked' in page
    assert 'name="field_phone" value="drop" checked' in page  # the kept contact has no phone
    assert 'name="field_email"' in page  # differs in capitals
    assert f'name="keep_version" value="{keep.version}"' in page
    assert f'href="{merge_url(drop, keep)}"' in page  # swap
    moves = {move.label: move.count for move in response.context["preview"].moves}
    assert moves["deals"] == 1
    assert moves["tickets"] == 0


def test_posting_merges_with_the_chosen_values_and_redirects_to_the_kept_contact(client, manager_user, pair):
    keep, drop, deal = pair
    client.force_login(manager_user)
    response = post_merge(client, keep, drop, last_name="drop", phone="drop", email="keep")
    assert response.status_code == 302
    assert response["Location"] == reverse("crm:contact_detail", args=[keep.pk])
    kept = Contact.objects.get(pk=keep.pk)
    assert (kept.last_name, kept.phone, kept.email) == ("King", "+14155552671", "ada@example.com")
    assert not Contact.objects.filter(pk=drop.pk).exists()
    assert Deal.objects.get(pk=deal.pk).contact_id == keep.pk
    assert MergeRecord.objects.get().merged_by == manager_user
    page = client.get(response["Location"]).content.decode()
    assert "was merged into" in page
    assert "Engine" in page


def test_a_stale_preview_is_refused_and_nothing_is_merged(client, manager_user, pair):
    keep, drop, deal = pair
    client.force_login(manager_user)
    stale_version = drop.version
    services.contact_update(contact=drop, expected_version=drop.version, first_name="Augusta")
    response = client.post(merge_url(keep, drop), {"keep_version": keep.version, "drop_version": stale_version})
    assert response.status_code == 409
    assert "was changed after this merge was previewed" in response.content.decode()
    assert Contact.objects.filter(pk=drop.pk).exists()
    assert Deal.objects.get(pk=deal.pk).contact_id == drop.pk
    assert not MergeRecord.objects.exists()
    drop.refresh_from_db()
    assert f'name="drop_version" value="{drop.version}"' in response.content.decode()  # the next try may pass


def test_missing_versions_are_refused_as_stale(client, manager_user, pair):
    keep, drop, _deal = pair
    client.force_login(manager_user)
    response = client.post(merge_url(keep, drop), {"keep_version": "x"})
    assert response.status_code == 409
    assert Contact.objects.filter(pk=drop.pk).exists()


@pytest.mark.parametrize("other", ["", "abc", "-1", "۱", "99999999999", "0"])
def test_a_missing_or_bad_with_is_a_400_with_a_message(client, manager_user, pair, other):
    keep, _drop, _deal = pair
    client.force_login(manager_user)
    url = reverse("crm:contact_merge", args=[keep.pk]) + (f"?with={other}" if other else "")
    for response in (client.get(url), client.post(url, {"keep_version": 1, "drop_version": 1})):
        assert response.status_code == 400
        assert "Choose the record to merge with" in response.content.decode()


def test_an_unknown_record_is_a_404(client, manager_user, pair):
    keep, drop, _deal = pair
    client.force_login(manager_user)
    assert client.get(reverse("crm:contact_merge", args=[keep.pk]) + "?with=987654").status_code == 404
    assert client.get(reverse("crm:contact_merge", args=[987654]) + f"?with={drop.pk}").status_code == 404


def test_merging_a_record_with_itself_is_refused(client, manager_user, pair):
    keep, _drop, _deal = pair
    client.force_login(manager_user)
    assert "cannot be merged with itself" in client.get(merge_url(keep, keep)).content.decode()
    response = client.post(merge_url(keep, keep), {"keep_version": keep.version, "drop_version": keep.version})
    assert response.status_code == 400
    assert Contact.objects.filter(pk=keep.pk).exists()
    assert not MergeRecord.objects.exists()


def test_companies_merge_too(client, manager_user):
    acme = services.company_create(name="Acme")
    other = services.company_create(name="ACME ")
    contact = services.contact_create(first_name="Ann", company=other)
    client.force_login(manager_user)
    preview = client.get(merge_url(acme, other, "company"))
    assert preview.status_code == 200
    assert {move.label: move.count for move in preview.context["preview"].moves}["contacts"] == 1
    response = client.post(merge_url(acme, other, "company"),
                           {"keep_version": acme.version, "drop_version": other.version, "field_name": "keep"})
    assert response["Location"] == reverse("crm:company_detail", args=[acme.pk])
    assert Company.objects.get(pk=acme.pk).name == "Acme"
    assert Contact.objects.get(pk=contact.pk).company_id == acme.pk


def test_the_duplicates_page_lists_a_pair_with_its_reasons_and_a_review_link(client, manager_user, pair):
    keep, drop, _deal = pair
    client.force_login(manager_user)
    response = client.get(reverse("crm:contact_duplicates"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "same email" in page
    assert f'href="{merge_url(keep, drop)}"' in page
    assert "Review merge" in page


def test_the_duplicates_page_paginates(client, manager_user):
    for n in range(DUPLICATE_PAIRS_PER_PAGE + 2):
        services.company_create(name=f"Globex {n}")
        services.company_create(name=f"GLOBEX {n}")
    client.force_login(manager_user)
    first = client.get(reverse("crm:company_duplicates"))
    assert len(first.context["pairs"]) == DUPLICATE_PAIRS_PER_PAGE
    assert 'rel="next"' in first.content.decode()
    second = client.get(reverse("crm:company_duplicates") + "?page=2")
    assert len(second.context["pairs"]) == 2
    assert client.get(reverse("crm:company_duplicates") + "?page=abc").status_code == 200


def test_the_list_pages_link_to_the_duplicates_for_managers_only(client, manager_user, sales_user):
    client.force_login(manager_user)
    assert reverse("crm:contact_duplicates") in client.get(reverse("crm:contact_list")).content.decode()
    assert reverse("crm:company_duplicates") in client.get(reverse("crm:company_list")).content.decode()
    client.force_login(sales_user)
    assert reverse("crm:contact_duplicates") not in client.get(reverse("crm:contact_list")).content.decode()


def test_the_edit_page_warning_offers_review_merge_to_managers(client, manager_user, sales_user, pair):
    keep, drop, _deal = pair
    data = {"first_name": keep.first_name, "last_name": keep.last_name, "email": keep.email, "phone": "",
            "language": "en", "version": keep.version}
    client.force_login(manager_user)
    page = client.post(reverse("crm:contact_edit", args=[keep.pk]), data).content.decode()
    assert "Review merge" in page
    assert f'href="{merge_url(keep, drop)}"' in page
    client.force_login(sales_user)
    page = client.post(reverse("crm:contact_edit", args=[keep.pk]), data).content.decode()
    assert "This contact may already exist" in page
    assert "Review merge" not in page
