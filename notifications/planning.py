"""Planning the messages an appointment should get. Called by the booking service inside the
same transaction as every change to an appointment (book, reschedule, cancel, ...)."""


def replan_for_appointment(appointment) -> None:
    """Make the outbox match the appointment's current state: plan what is missing, supersede
    pending rows that no longer fit (moved, cancelled). Idempotent."""
    return None
