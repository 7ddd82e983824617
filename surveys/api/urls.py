from rest_framework.routers import SimpleRouter

from surveys.api import views

router = SimpleRouter()
router.register("surveys", views.SurveyViewSet, basename="api-survey")
router.register("invitations", views.InvitationViewSet, basename="api-invitation")
router.register("responses", views.ResponseViewSet, basename="api-response")

urlpatterns = router.urls
