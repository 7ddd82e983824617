"""The mail providers' inbound webhooks (django-anymail's), mounted under /mail/inbound/ by config.urls:
/mail/inbound/postmark/inbound/, /mail/inbound/mailgun/inbound_mime/, /mail/inbound/sendgrid/inbound/ ..."""

from support.mail_providers import inbound_urlpatterns

app_name = "anymail"

urlpatterns = inbound_urlpatterns()
