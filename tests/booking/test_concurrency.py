"""Real parallel transactions: threads with their own database connections, started together.

These run on PostgreSQL (row locks, the exclusion constraint) and on SQLite (IMMEDIATE
transactions serialise the writers); the guarantees are the same."""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from api.models import IdempotencyRecord
from core.errors import DomainError
from notifications.models import MessagingPolicy
from scheduling.models import Appointment, AppointmentStatus as S
from scheduling.services import placement, transitions
from scheduling.services.booking import book_appointment, reschedule_appointment
from scheduling.services.holds import hold_slot
from scheduling.services.locks import lock_patients

from .conftest import at, client_for, iso, make_clinic, patient_user

pytestmark = [pytest.mark.django_db(transaction=True)]


def in_parallel(jobs: list[Callable[[], object]]) -> list[object]:
    """Run each job in its own thread and connection, all released at once; return results
    (or the exception each raised)."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each client got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def overlapping_exclusive_allocations() -> list[tuple]:
    """Pairs of exclusive allocations of one staff member or resource whose times overlap."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT a.id, b.id FROM scheduling_allocation a
            JOIN scheduling_allocation b ON a.id < b.id AND a.exclusive AND b.exclusive
             AND (a.staff_id = b.staff_id OR a.resource_id = b.resource_id)
             AND a.start < b."end" AND b.start < a."end"
        """)
        return cursor.fetchall()


def overlapping_visits_of_one_patient() -> list[tuple]:
    """Pairs of one patient's booked or checked-in visits (or live holds: expiry is not reached in
    these tests) whose times overlap."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT a.id, b.id FROM scheduling_appointment a
            JOIN scheduling_appointment b ON a.id < b.id AND a.patient_id = b.patient_id
             AND a.start < b."end" AND b.start < a."end"
            WHERE a.status IN ('booked', 'checked_in', 'held') AND b.status IN ('booked', 'checked_in', 'held')
        """)
        return cursor.fetchall()


def nurses_over_capacity() -> list[tuple]:
    """(nurse, instant, load) wherever the shares a nurse watches exceed her watch capacity. The
    load only rises at the start of a shared allocation, so checking those instants is enough."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT a.staff_id, a.start, SUM(b.share) FROM scheduling_allocation a
            JOIN scheduling_allocation b ON b.staff_id = a.staff_id AND NOT b.exclusive
             AND b.start <= a.start AND a.start < b."end"
            JOIN scheduling_staffmember s ON s.id = a.staff_id
            WHERE NOT a.exclusive
            GROUP BY a.id, a.staff_id, a.start, s.watch_capacity
            HAVING SUM(b.share) > s.watch_capacity
        """)
        return cursor.fetchall()


def test_fifty_clients_racing_for_the_same_chair_and_time_get_one_booking_and_49_clean_409s(frozen):
    clinic = make_clinic(chairs=1, nurses=1)
    patients = [patient_user(f"racer{n}") for n in range(50)]
    payload = {"service": clinic.service.pk, "location": clinic.location.pk, "start": iso(at(10))}

    def attempt(patient):
        return lambda: client_for(patient.user).post("/api/v1/appointments", payload, format="json")

    responses = in_parallel([attempt(p) for p in patients])
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 49}
    problems = [r.json() for r in responses if r.status_code == 409]
    assert {p["code"] for p in problems} == {"slot_taken"}
    # Patients read when, on which day and clock, and never a chair's name.
    assert all("Mon 10 Mar 2025" in p["detail"] and "MST" in p["detail"] and "Chair" not in p["detail"]
               for p in problems)
    assert Appointment.objects.filter(status=S.BOOKED).count() == 1
    assert overlapping_exclusive_allocations() == []


def test_twenty_clients_booking_random_overlapping_slots_never_double_book_or_overload_a_nurse(frozen):
    clinic = make_clinic(chairs=6, nurses=2, watch_capacity=2)
    patients = [patient_user(f"client{n}") for n in range(20)]
    starts = [at(9) + dt.timedelta(minutes=15 * k) for k in range(16)]

    def client(patient, seed: int):
        def run():
            rng = random.Random(seed)
            outcomes = Counter()
            mine: list[Appointment] = []
            for _ in range(8):
                roll = rng.random()
                try:
                    if mine and roll < 0.15:
                        transitions.cancel_appointment(appointment=mine.pop(), actor=patient.user)
                        outcomes["cancelled"] += 1
                    elif mine and roll < 0.3:
                        mine.append(reschedule_appointment(appointment=mine.pop(), start=rng.choice(starts),
                                                           actor=patient.user))
                        outcomes["rescheduled"] += 1
                    elif roll < 0.45:
                        hold_slot(patient=patient, service=clinic.service, location=clinic.location,
                                  start=rng.choice(starts), actor=patient.user)
                        outcomes["held"] += 1
                    else:
                        mine.append(book_appointment(patient=patient, service=clinic.service,
                                                     location=clinic.location, start=rng.choice(starts),
                                                     actor=patient.user))
                        outcomes["booked"] += 1
                except DomainError as problem:
                    outcomes[problem.code] += 1
            return outcomes
        return run

    results = in_parallel([client(p, seed) for seed, p in enumerate(patients)])
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    totals = sum(results, Counter())
    assert totals["booked"] > 0 and totals["slot_taken"] > 0
    # A client asking for a time overlapping its own visit or live hold is refused (`patient_busy`).
    assert set(totals) <= {"booked", "held", "cancelled", "rescheduled", "slot_taken", "patient_busy"}
    assert overlapping_exclusive_allocations() == []
    assert nurses_over_capacity() == []
    assert overlapping_visits_of_one_patient() == []


def test_a_reschedule_racing_a_new_booking_for_the_same_slot_lets_exactly_one_win(frozen):
    clinic = make_clinic(chairs=1, nurses=1)
    mover, newcomer = patient_user("mover"), patient_user("newcomer")
    outcomes = Counter()
    for round_ in range(6):
        target = at(13) + dt.timedelta(days=round_)
        visit = book_appointment(patient=mover, service=clinic.service, location=clinic.location,
                                 start=at(8) + dt.timedelta(days=round_), actor=mover.user)
        held_before = sorted(visit.allocations.values_list("pk", flat=True))
        moved, booked = in_parallel([
            lambda: reschedule_appointment(appointment=visit, start=target, actor=mover.user),
            lambda: book_appointment(patient=newcomer, service=clinic.service, location=clinic.location,
                                     start=target, actor=newcomer.user),
        ])
        winners = [r for r in (moved, booked) if isinstance(r, Appointment)]
        losers = [r for r in (moved, booked) if isinstance(r, DomainError)]
        assert len(winners) == 1 and len(losers) == 1 and losers[0].code == "slot_taken"
        visit.refresh_from_db()
        if isinstance(moved, Appointment):
            outcomes["reschedule won"] += 1
            assert visit.status == S.RESCHEDULED and visit.rescheduled_to_id == moved.pk
            assert not visit.allocations.exists()
        else:
            outcomes["booking won"] += 1
            assert visit.status == S.BOOKED and visit.start == at(8) + dt.timedelta(days=round_)
            assert sorted(visit.allocations.values_list("pk", flat=True)) == held_before
    assert overlapping_exclusive_allocations() == []
    assert sum(outcomes.values()) == 6


def test_a_visit_cancelled_and_moved_at_once_by_its_patient_ends_one_way_only(frozen):
    clinic = make_clinic(chairs=2, nurses=2)
    ana = patient_user("ana")
    for round_ in range(4):
        visit = book_appointment(patient=ana, service=clinic.service, location=clinic.location,
                                 start=at(8) + dt.timedelta(days=round_), actor=ana.user)
        client = client_for(ana.user)
        url = f"/api/v1/appointments/{visit.pk}"
        cancel, cancel_again, move = in_parallel([
            lambda: client_for(ana.user).post(f"{url}/cancel", {"reason": "Sick"}, format="json").status_code,
            lambda: client_for(ana.user).post(f"{url}/cancel", {"reason": "Sick"}, format="json").status_code,
            lambda: client.post(f"{url}/reschedule", {"start": iso(at(14) + dt.timedelta(days=round_))},
                                format="json").status_code,
        ])
        visit.refresh_from_db()
        assert sorted([cancel, cancel_again, move]) == [200, 409, 409]
        assert visit.status == (S.RESCHEDULED if move == 200 else S.CANCELLED)
        changes = visit.events.exclude(action="booked").values_list("action", flat=True)
        assert len(changes) == 1
    assert overlapping_exclusive_allocations() == []


def test_an_idempotent_retry_racing_its_original_books_once_and_both_get_the_same_answer(frozen):
    clinic = make_clinic(chairs=2, nurses=1)
    ana = patient_user("ana")
    payload = {"service": clinic.service.pk, "location": clinic.location.pk, "start": iso(at(10))}

    def send():
        return client_for(ana.user).post("/api/v1/appointments", payload, format="json",
                                         HTTP_IDEMPOTENCY_KEY="retry-me")

    responses = in_parallel([send for _ in range(8)])
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(1 for r in responses if r.get("Idempotent-Replayed") == "true") == 7
    assert Appointment.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


@pytest.mark.postgres
def test_if_a_stale_plan_ever_reaches_the_insert_the_exclusion_constraint_makes_it_a_clean_409(frozen, monkeypatch):
    clinic = make_clinic(chairs=1, nurses=1)
    ana, ben = patient_user("ana"), patient_user("ben")
    stale = placement.plan(request=placement.SlotRequest(service=clinic.service, location=clinic.location,
                                                         start=at(10)), now=at(0))
    book_appointment(patient=ana, service=clinic.service, location=clinic.location, start=at(10), actor=ana.user)
    # A plan made before Ana booked, and a verification that misses it: only the database is left.
    monkeypatch.setattr(placement, "plan", lambda **_: stale)
    monkeypatch.setattr(placement, "still_free", lambda **_: True)
    response = client_for(ben.user).post("/api/v1/appointments", {
        "service": clinic.service.pk, "location": clinic.location.pk, "start": iso(at(10))}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken"
    assert response.json()["detail"] == "The infusion chair is taken Mon 10 Mar 2025 10:00-11:25 MST."
    assert Appointment.objects.count() == 1


@pytest.mark.postgres
def test_bookings_for_the_same_nurse_and_chair_at_other_hours_do_not_wait_for_each_other(frozen):
    clinic = make_clinic(chairs=1, nurses=1)
    ana, ben, cy = patient_user("ana"), patient_user("ben"), patient_user("cy")
    MessagingPolicy.current()  # created by the first booking ever; here, before the race
    holding = threading.Event()
    release = threading.Event()

    def slow_morning_booking():
        with transaction.atomic():
            book_appointment(patient=ana, service=clinic.service, location=clinic.location, start=at(9),
                             actor=ana.user)
            holding.set()
            release.wait(timeout=30)  # its locks stay held until then

    def afternoon_booking():
        holding.wait(timeout=30)
        return book_appointment(patient=ben, service=clinic.service, location=clinic.location, start=at(14),
                                actor=ben.user)

    def overlapping_booking():
        holding.wait(timeout=30)
        return book_appointment(patient=cy, service=clinic.service, location=clinic.location, start=at(10),
                                actor=cy.user)

    results: dict[str, object] = {}

    def run(name, job):
        try:
            results[name] = job()
        except Exception as exc:  # noqa: BLE001
            results[name] = exc
        finally:
            connection.close()

    morning = threading.Thread(target=run, args=("morning", slow_morning_booking))
    afternoon = threading.Thread(target=run, args=("afternoon", afternoon_booking))
    overlap = threading.Thread(target=run, args=("overlap", overlapping_booking))
    for thread in (morning, afternoon, overlap):
        thread.start()
    afternoon.join(timeout=20)
    assert isinstance(results.get("afternoon"), Appointment)  # done while the morning still holds its locks
    overlap.join(timeout=0.5)
    assert overlap.is_alive()  # 10:00 overlaps the uncommitted 9:00 visit's chair: it waits
    release.set()
    morning.join()
    overlap.join()
    assert isinstance(results["overlap"], DomainError) and results["overlap"].code == "slot_taken"
    assert "Mon 10 Mar 2025 10:00-11:25 MST" in results["overlap"].detail


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
def test_a_patients_lock_makes_a_second_transaction_for_that_patient_wait_until_the_first_commits():
    locked, order = threading.Event(), []

    def first():
        with transaction.atomic():
            lock_patients([7, 3])
            locked.set()
            threading.Event().wait(0.3)
            order.append("first commits")
        connection.close()

    def second():
        locked.wait()
        with transaction.atomic():
            lock_patients([3])
            order.append("second locked")
        connection.close()

    threads = [threading.Thread(target=job) for job in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert order == ["first commits", "second locked"]
    with pytest.raises(RuntimeError):
        lock_patients([3])  # outside a transaction it would protect nothing
