from rest_framework.routers import SimpleRouter

from support.api import views

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="api-ticket")

urlpatterns = router.urls
