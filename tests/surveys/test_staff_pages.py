import re

import pytest
from django.core import mail
from django.urls import reverse

from crm.models import Language, Role
from surveys.models import Invitation, Survey, SurveyKind
from surveys.services import invitation_answer, invitation_send, response_record
from tests.factories import CompanyFactory, ContactFactory, SurveyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def nps_survey():
    return SurveyFactory(kind=SurveyKind.NPS, name="Relationship NPS")


@pytest.mark.parametrize(("role", "superuser", "status"), [
    (Role.SUPPORT, False, 200), (Role.MANAGER, False, 200), (Role.ADMIN, False, 200), (Role.SALES, True, 200),
    (Role.SALES, False, 403),
])
def test_who_may_open_the_survey_pages(client, nps_survey, role, superuser, status):
    client.force_login(UserFactory(role=role, is_superuser=superuser))
    for name, args in (("surveys:list", []), ("surveys:new", []), ("surveys:detail", [nps_survey.pk]),
                       ("surveys:send", [nps_survey.pk])):
        assert client.get(reverse(name, args=args)).status_code == status, name
    sent = client.post(reverse("surveys:send", args=[nps_survey.pk]), {"language": ""})
    assert sent.status_code in (status, 302)
    if status == 403:
        assert sent.status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, nps_survey):
    page = client.get(reverse("surveys:detail", args=[nps_survey.pk]))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))


def test_creating_a_survey_with_the_default_questions(client, support_user):
    client.force_login(support_user)
    page = client.post(reverse("surveys:new"), {"name": "After support", "kind": "ces",
                                                "send_after_ticket_resolved": "on", "ticket_delay_hours": "4"})
    survey = Survey.objects.get()
    assert page.status_code == 302
    assert page["Location"] == reverse("surveys:detail", args=[survey.pk])
    assert (survey.kind, survey.send_after_ticket_resolved, survey.ticket_delay_hours) == ("ces", True, 4)
    assert survey.question == "How easy was it to get your issue resolved?"
    assert survey.question_fa == "حل شدن مشکل شما چقدر آسان بود؟"


def test_a_bad_survey_form_names_the_field(client, support_user):
    client.force_login(support_user)
    page = client.post(reverse("surveys:new"), {"name": "x", "kind": "nps", "send_after_ticket_resolved": "on",
                                                "ticket_delay_hours": "4"})
    assert page.status_code == 400
    assert "Only CSAT and CES surveys follow a ticket." in page.content.decode()
    assert not Survey.objects.exists()


def test_detail_shows_response_rate_and_distribution_of_a_small_example(client, support_user, nps_survey):
    invitations = [invitation_send(survey=nps_survey, contact=ContactFactory()) for _ in range(4)]
    for invitation, score in zip(invitations, (10, 9, 3), strict=False):
        invitation_answer(invitation=invitation, score=score, comment=f"comment {score}")
    response_record(survey=nps_survey, contact=ContactFactory(), score=9)  # given without an invitation
    client.force_login(support_user)
    html = client.get(reverse("surveys:detail", args=[nps_survey.pk])).content.decode()
    assert 'data-stat="invitations">4<' in html
    assert 'data-stat="responses">4<' in html
    assert 'data-stat="response-rate">75 %<' in html  # 3 of 4 invitations answered
    counts = dict.fromkeys(range(11), 0) | {10: 1, 9: 2, 3: 1}
    for score, count in counts.items():
        assert f'<tr data-score="{score}"><th scope="row">{score}</th><td class="num">{count}</td>' in html
    assert "comment 3" in html
    assert "comment 10" in html


def test_servqual_detail_shows_the_gap_per_dimension(client, support_user):
    survey = SurveyFactory(kind=SurveyKind.SERVQUAL)
    pairs = {d: {"expectation": 6, "perception": 4} for d in
             ("tangibles", "reliability", "responsiveness", "assurance", "empathy")}
    response_record(survey=survey, contact=ContactFactory(), servqual=pairs)
    pairs["empathy"] = {"expectation": 7, "perception": 6}
    response_record(survey=survey, contact=ContactFactory(), servqual=pairs)
    client.force_login(support_user)
    html = client.get(reverse("surveys:detail", args=[survey.pk])).content.decode()
    assert "<th scope=\"row\">Empathy</th><td class=\"num\">6.50</td>\n      <td class=\"num\">5.00</td>" \
           "<td class=\"num\">-1.50</td>" in html


def test_list_and_detail_pages_read_in_a_fixed_number_of_queries(client, support_user,
                                                                 django_assert_max_num_queries):
    surveys = [SurveyFactory(kind=kind) for kind in (SurveyKind.NPS, SurveyKind.CSAT, SurveyKind.CES)]
    for survey in surveys:
        for _ in range(3):
            response_record(survey=survey, contact=ContactFactory(), score=3)
    client.force_login(support_user)
    with django_assert_max_num_queries(8):
        client.get(reverse("surveys:list"))
    with django_assert_max_num_queries(10):
        client.get(reverse("surveys:detail", args=[surveys[0].pk]))


def test_sending_by_hand_previews_the_count_then_sends(client, support_user, nps_survey,
                                                       django_capture_on_commit_callbacks):
    company = CompanyFactory()
    persian = [ContactFactory(company=company, language=Language.PERSIAN) for _ in range(2)]
    ContactFactory(company=company, language=Language.ENGLISH)
    ContactFactory(company=company, language=Language.PERSIAN, email="")
    ContactFactory(language=Language.PERSIAN)
    invitation_send(survey=SurveyFactory(kind=SurveyKind.CSAT), contact=persian[1])  # asked recently
    client.force_login(support_user)
    url = reverse("surveys:send", args=[nps_survey.pk])
    preview = client.get(url, {"preview": "1", "company": company.pk, "language": "fa"})
    assert 'data-matching="2"' in preview.content.decode()
    assert not Invitation.objects.filter(survey=nps_survey).exists()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"company": company.pk, "language": "fa"}, follow=True)
    assert "Sent to 1 contacts; 1 skipped" in sent.content.decode()
    assert list(Invitation.objects.filter(survey=nps_survey).values_list("contact", flat=True)) == [persian[0].pk]
    assert [m.to for m in mail.outbox] == [[persian[0].email]]


def test_a_bad_filter_is_a_form_error(client, support_user, nps_survey):
    client.force_login(support_user)
    page = client.get(reverse("surveys:send", args=[nps_survey.pk]), {"preview": "1", "company": "999999"})
    assert page.status_code == 400
    assert "Select a valid choice" in page.content.decode()


def test_the_list_shows_each_surveys_response_rate(client, support_user, nps_survey):
    first, _second = (invitation_send(survey=nps_survey, contact=ContactFactory()) for _ in range(2))
    invitation_answer(invitation=first, score=9)
    response_record(survey=nps_survey, contact=ContactFactory(), score=3)
    client.force_login(support_user)
    html = client.get(reverse("surveys:list")).content.decode()
    row = html[html.index("Relationship NPS"):]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)[:3]
    assert cells == ["2", "2", "50 %"]  # invitations, responses (one without invitation), 1 of 2 answered
