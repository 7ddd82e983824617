import os
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.contrib.auth.backends import ModelBackend
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.test import Client

from crm.models import Role, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The login counts must be atomic where production keeps them: a real Redis (the one CI starts, or REDIS_URL).
REAL_REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"

DEMO = {
    "demo-sales": ("demo-sales-2026", Role.SALES),
    "demo-support": ("demo-support-2026", Role.SUPPORT),
    "demo-manager": ("demo-manager-2026", Role.MANAGER),
    "demo-admin": ("demo-admin-2026", Role.ADMIN),
}


# Login


def test_home_redirects_anonymous_users_to_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_admin_redirects_anonymous_users_to_its_login(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_login_page_renders_with_a_csrf_token(client):
    response = client.get("/accounts/login/?next=/")

    assert response.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in response.content
    assert b'name="next" value="/"' in response.content


def test_logging_in_with_the_csrf_token_reaches_home():
    UserFactory(username="ann", password="s3cret-Pass")
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/accounts/login/?next=/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()

    response = browser.post("/accounts/login/", {"username": "ann", "password": "s3cret-Pass", "next": "/",
                                                 "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"] == "/"
    home = browser.get("/")
    assert home.status_code == 200
    assert home.context["user"].username == "ann"


def test_login_without_the_csrf_token_is_refused():
    UserFactory(username="ann", password="s3cret-Pass")
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/accounts/login/", {"username": "ann", "password": "s3cret-Pass"})

    assert response.status_code == 403


def test_a_wrong_password_shows_the_form_again(client):
    UserFactory(username="ann", password="s3cret-Pass")

    response = client.post("/accounts/login/", {"username": "ann", "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_returns_to_login(client):
    client.force_login(UserFactory())

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


# Demo users


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo_users", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_users_creates_one_login_per_role(settings):
    settings.DEBUG = True

    output = seed()

    users = {user.username: user for user in User.objects.filter(username__startswith="demo-")}
    assert set(users) == set(DEMO)
    for username, (password, role) in DEMO.items():
        user = users[username]
        assert user.role == role
        assert user.check_password(password)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.is_staff == (role in (Role.MANAGER, Role.ADMIN))
        assert user.is_superuser == (role == Role.ADMIN)
        assert username in output
        assert password in output


def test_seed_demo_users_is_idempotent_and_resets_passwords(settings):
    settings.DEBUG = True
    seed()
    sales = User.objects.get(username="demo-sales")
    sales.set_password("changed")
    sales.role = Role.SUPPORT
    sales.is_superuser = True
    sales.save()

    seed()

    assert User.objects.filter(username__startswith="demo-").count() == 4
    sales.refresh_from_db()
    assert sales.check_password("demo-sales-2026")
    assert (sales.role, sales.is_superuser) == (Role.SALES, False)
    assert list(sales.groups.values_list("name", flat=True)) == ["sales"]


def test_demo_logins_work(settings, client):
    settings.DEBUG = True
    seed()

    assert client.login(username="demo-manager", password="demo-manager-2026")
    assert client.get("/admin/").status_code == 200


def test_seed_demo_users_refuses_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        seed()
    assert not User.objects.filter(username__startswith="demo-").exists()


def test_seed_demo_users_runs_without_debug_when_forced(settings):
    settings.DEBUG = False

    seed("--force")

    assert User.objects.filter(username__startswith="demo-").count() == 4


# Login throttling


@pytest.fixture
def throttled_user():
    from django.core.cache import cache

    user = UserFactory(username="throttled-user")
    user.set_password("right-password-2026")
    user.save()
    yield user
    cache.delete_many(["login-failures:username:throttled-user", "login-failures:address:10.9.8.7",
                       "login-failures:address:10.9.8.6", "login-failures:address:127.0.0.1"])


def attempt(password: str, address: str = "10.9.8.7", username: str = "throttled-user"):
    return Client(REMOTE_ADDR=address).post("/accounts/login/", {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_username_even_with_the_right_one(throttled_user):
    for _ in range(5):
        assert attempt("wrong").status_code == 200
    locked = attempt("right-password-2026")
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    assert "_auth_user_id" not in locked.wsgi_request.session
    # from another address too: the lock is on the account
    assert attempt("right-password-2026", address="10.9.8.6").status_code == 429


def test_a_successful_login_clears_the_usernames_failures(throttled_user):
    for _ in range(4):
        attempt("wrong")
    assert attempt("right-password-2026").status_code == 302
    for _ in range(4):
        assert attempt("wrong").status_code == 200  # counting starts again


def test_one_address_guessing_many_usernames_is_locked(throttled_user, settings):
    for number in range(20):
        attempt("wrong", username=f"someone-{number}")
    assert attempt("right-password-2026", address="10.9.8.7").status_code == 429
    assert attempt("right-password-2026", address="10.9.8.6").status_code == 302


def test_a_fullwidth_spelling_of_a_locked_username_is_locked_too(throttled_user):
    for _ in range(5):
        assert attempt("wrong").status_code == 200
    # NFKC reads 'ｔｈｒｏｔｔｌｅｄ-ｕｓｅｒ' as 'throttled-user', so the form would log it in: it shares the lock
    fullwidth = attempt("right-password-2026", address="10.9.8.6", username="ｔｈｒｏｔｔｌｅｄ-ｕｓｅｒ")
    assert fullwidth.status_code == 429
    assert attempt("right-password-2026", username="THROTTLED-USER").status_code == 429
    assert attempt("right-password-2026").status_code == 429


def test_each_spelling_of_a_username_spends_the_same_five_tries(throttled_user):
    spellings = ["throttled-user", "ｔｈｒｏｔｔｌｅｄ-ｕｓｅｒ", "Throttled-User", "throttled-user ",
                 "ＴＨＲＯＴＴＬＥＤ-ＵＳＥＲ"]
    for spelling in spellings:
        assert attempt("wrong", username=spelling).status_code == 200
    assert attempt("right-password-2026").status_code == 429


class SlowPasswordCheckBackend(ModelBackend):
    """A password check that takes a while, so that concurrent attempts overlap as they do under load."""

    checked = 0
    lock = threading.Lock()

    def authenticate(self, request, username=None, password=None, **kwargs):
        with self.lock:
            SlowPasswordCheckBackend.checked += 1
        time.sleep(0.3)
        return super().authenticate(request, username=username, password=password, **kwargs)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_wrong_passwords_check_only_five_against_a_real_redis(settings):
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REAL_REDIS,
                                   "KEY_PREFIX": f"login-race-{uuid.uuid4().hex}"}}
    settings.AUTHENTICATION_BACKENDS = ["tests.test_auth.SlowPasswordCheckBackend"]
    caches.close_all()
    user = UserFactory(username="raced-user")
    user.set_password("right-password-2026")
    user.save()
    SlowPasswordCheckBackend.checked = 0
    start = threading.Barrier(20)

    def wrong_password(number: int) -> int:
        start.wait()
        try:
            return attempt("wrong", address=f"10.7.0.{number}", username="raced-user").status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(pool.map(wrong_password, range(20)))
    try:
        assert SlowPasswordCheckBackend.checked == 5
        assert statuses == [200] * 5 + [429] * 15
        assert attempt("right-password-2026", address="10.7.1.1", username="raced-user").status_code == 429
    finally:
        caches["default"].delete_pattern("login-failures:*")  # this test's keys only: KEY_PREFIX is unique
        caches.close_all()
