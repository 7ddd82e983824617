"""Sales pages: contacts, companies, deals and their board, tasks, search, CSV import."""

from django.urls import path

from crm.views import account, activities, customers, deals, imports, merges, search, typeahead

app_name = "crm"

urlpatterns = [
    path("contacts/", customers.contact_list, name="contact_list"),
    path("contacts/new/", customers.contact_create, name="contact_create"),
    path("contacts/duplicates/", merges.contact_duplicates, name="contact_duplicates"),
    path("contacts/<id:pk>/", customers.contact_detail, name="contact_detail"),
    path("contacts/<id:pk>/edit/", customers.contact_edit, name="contact_edit"),
    path("contacts/<id:pk>/churn/", customers.contact_churn, name="contact_churn"),
    path("contacts/<id:pk>/email/", activities.contact_email, name="contact_email"),
    path("contacts/<id:pk>/merge/", merges.contact_merge, name="contact_merge"),
    path("companies/", customers.company_list, name="company_list"),
    path("companies/new/", customers.company_create, name="company_create"),
    path("companies/duplicates/", merges.company_duplicates, name="company_duplicates"),
    path("companies/<id:pk>/", customers.company_detail, name="company_detail"),
    path("companies/<id:pk>/edit/", customers.company_edit, name="company_edit"),
    path("companies/<id:pk>/churn/", customers.company_churn, name="company_churn"),
    path("companies/<id:pk>/merge/", merges.company_merge, name="company_merge"),
    path("import/<slug:kind>/", imports.csv_import, name="csv_import"),
    path("deals/", deals.deal_list, name="deal_list"),
    path("deals/new/", deals.deal_create, name="deal_create"),
    path("deals/board/", deals.deal_board_default, name="deal_board_default"),
    path("deals/board/<id:pipeline_id>/", deals.deal_board, name="deal_board"),
    path("deals/quick-add/", deals.deal_quick_add, name="deal_quick_add"),
    path("deals/pipelines/<id:pipeline_id>/settings/", deals.pipeline_settings, name="pipeline_settings"),
    path("deals/<id:pk>/", deals.deal_detail, name="deal_detail"),
    path("deals/<id:pk>/edit/", deals.deal_edit, name="deal_edit"),
    path("deals/<id:pk>/move/", deals.deal_move, name="deal_move"),
    path("deals/<id:pk>/close/", deals.deal_close, name="deal_close"),
    path("deals/<id:pk>/reopen/", deals.deal_reopen, name="deal_reopen"),
    path("<target>/<id:pk>/activities/", activities.activity_log, name="activity_log"),
    path("tasks/", activities.task_list, name="task_list"),
    path("tasks/<id:pk>/done/", activities.task_toggle, name="task_toggle"),
    path("search/", search.search, name="search"),
    path("search/<slug:kind>/", typeahead.typeahead, name="typeahead"),
    path("account/language/", account.language_switch, name="language_switch"),
]
