"""A number that changes whenever the clinic's set-up changes, so processes can keep the set-up in
memory (scheduling.availability.catalog) and still never book against an outdated copy."""

from django.db import models

# The tables whose rows make up the set-up: a write to any of them changes the number.
CATALOG_TABLES = (
    "scheduling_location", "scheduling_resource", "scheduling_staffmember", "scheduling_staffmember_locations",
    "scheduling_service", "scheduling_service_locations", "scheduling_phase", "scheduling_workinghours",
    "scheduling_hoursoverride", "scheduling_closure",
)
# The messaging set-up kept with it (scheduling.catalog); their triggers come with notifications 0002.
MESSAGING_TABLES = ("notifications_messagingpolicy", "notifications_servicemessageplan")


class CatalogVersion(models.Model):
    """One row. Database triggers (scheduling.catalog_triggers, installed by scheduling 0006 and,
    for the messaging policy and message plans, notifications 0002) set `version` to a fresh random number in the
    same statement as any insert, update, delete or truncate of CATALOG_TABLES, so every path (the
    admin, bulk_create, raw SQL, a restore) changes it, and a rolled-back change rolls it back with
    the data. Random, not counting: a number once rolled back is never handed out again for
    another state of the set-up."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField()

    class Meta:
        verbose_name = "catalog version"
