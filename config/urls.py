from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from ecmp.core import views as core_views

urlpatterns = [
    path("", core_views.landing, name="landing"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("ecmp.accounts.urls")),
    path("portal/", include("ecmp.portal.urls")),
    path("desk/", include("ecmp.desk.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "ecmp.core.views.forbidden"
handler404 = "ecmp.core.views.not_found"
handler500 = "ecmp.core.views.server_error"

admin.site.site_header = settings.ECMP_COMPANY_NAME
admin.site.site_title = settings.ECMP_COMPANY_NAME
