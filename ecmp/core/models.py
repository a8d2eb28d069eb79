from django.db import models


class PeriodicSlot(models.Model):
    """One run of a periodic job for one time slot: the unique row makes each slot run
    once, even with two schedulers or a restart."""

    name = models.CharField(max_length=100)
    slot = models.DateTimeField()
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="periodic_slot_once")]
        indexes = [models.Index(fields=["slot"], name="periodic_slot_age")]

    def __str__(self) -> str:
        return f"{self.name} {self.slot:%Y-%m-%d %H:%M}"
