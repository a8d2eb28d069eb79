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


class FollowupTask(models.Model):
    """A draining task enqueued by a process that enqueues no other of its kind while
    this one waits in the queue (core/followups.py): its enqueuer writes the row,
    the task sets `started_at` when it starts, and the enqueuer reads the row before
    each enqueue it may save.

    Rows do not pile up: an enqueuer deletes its previous task's row when it
    enqueues the next one, so a process keeps at most one row per kind and database
    connection; the rows of a process that stopped go with age (`KEEP_ROWS` in
    followups.py), deleted by any later enqueue. The table stays a handful of rows,
    so no index besides the primary key.
    """

    task_id = models.CharField(primary_key=True, max_length=255)
    kind = models.CharField(max_length=255)
    enqueued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.task_id}"
