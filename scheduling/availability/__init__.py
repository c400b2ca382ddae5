"""The availability engine: when a service can be booked, and what each start would hold.

`find_slots` lists bookable starts over a range; `plan_slot` checks one start and says exactly
why it cannot be booked. Both read the database through `loader` in a fixed number of queries
and leave the arithmetic to the pure functions in `core`, `hours` and `intervals`.
"""

from .earliest import find_earliest, next_available, PlacedSlot
from .engine import find_slots, offering_problem, plan_slot
from .types import AvailabilityResult, PhaseAssignment, Slot, SlotUnavailable

__all__ = ["AvailabilityResult", "PhaseAssignment", "PlacedSlot", "Slot", "SlotUnavailable", "find_earliest",
           "find_slots", "next_available", "offering_problem", "plan_slot"]
