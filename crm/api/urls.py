from rest_framework.routers import SimpleRouter

from crm.api import views

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="api-user")
router.register("teams", views.TeamViewSet, basename="api-team")
router.register("companies", views.CompanyViewSet, basename="api-company")
router.register("contacts", views.ContactViewSet, basename="api-contact")
router.register("campaigns", views.CampaignViewSet, basename="api-campaign")
router.register("pipelines", views.PipelineViewSet, basename="api-pipeline")
router.register("stages", views.StageViewSet, basename="api-stage")
router.register("deals", views.DealViewSet, basename="api-deal")
router.register("activities", views.ActivityViewSet, basename="api-activity")

urlpatterns = router.urls
