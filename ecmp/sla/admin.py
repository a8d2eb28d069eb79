from django.contrib import admin

from ecmp.sla.models import BusinessHours, Holiday, SlaTarget

admin.site.register(SlaTarget)
admin.site.register(BusinessHours)
admin.site.register(Holiday)
