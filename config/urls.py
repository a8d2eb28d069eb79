from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from ecmp.api.problems import not_found_view as api_not_found
from ecmp.api.v1 import api_urls
from ecmp.core import views as core_views

urlpatterns = [
    path("", core_views.landing, name="landing"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("ecmp.accounts.urls")),
    path("portal/", include("ecmp.portal.urls")),
    path("desk/", include("ecmp.desk.urls")),
    path("admin/", admin.site.urls),
    path("account/api-tokens/", include("ecmp.api.urls")),
    path("api/v1/", api_urls()),
    # Any other path under /api/: a problem document, not the site's HTML 404.
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
]

handler403 = "ecmp.core.views.forbidden"
handler404 = "ecmp.core.views.not_found"
handler500 = "ecmp.core.views.server_error"

admin.site.site_header = settings.ECMP_COMPANY_NAME
admin.site.site_title = settings.ECMP_COMPANY_NAME
