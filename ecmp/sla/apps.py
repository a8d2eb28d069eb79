from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "ecmp.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from ecmp.sla.models import (
            BusinessHours,
            Contract,
            ContractHours,
            ContractTarget,
            Holiday,
            SlaTarget,
        )
        from ecmp.sla.selectors import levels_changed

        for model in (SlaTarget, BusinessHours, Holiday, Contract, ContractTarget, ContractHours):
            post_save.connect(levels_changed, sender=model, dispatch_uid=f"sla-{model.__name__}")
            post_delete.connect(
                levels_changed, sender=model, dispatch_uid=f"sla-del-{model.__name__}"
            )
