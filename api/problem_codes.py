"""The problem codes each API operation can answer with, beyond the generic ones every operation
shares (400 `validation_error`, 401 `not_authenticated`, 403 `permission_denied`, 404 `not_found`,
429 `throttled`, 503 `database_unavailable`; see the Problem schema). The schema lists them under
each problem response (`x-problem-codes`, and in words in its description);
tests/architecture/test_problem_codes.py follows each operation's handler through the code and
fails when it can raise a code that is not listed here."""

from __future__ import annotations

# A refusal by the availability engine's rules (scheduling.availability), as a booking, hold or
# move answers it: 422 with the engine's code. A lost race is 409 `slot_taken` instead.
ENGINE_RULES = [
    "closed",
    "horizon",
    "min_notice",
    "no_resource",
    "no_staff",
    "not_offered",
    "off_grid",
    "outside_hours",
    "staff_only",
    "time_off",
]

OPERATION_CODES: dict[str, dict[int, list[str]]] = {
    "appointment_messages": {404: ["appointment_not_found"]},
    "appointments_book": {
        400: ["invalid_idempotency_key"],
        403: ["permission_denied"],
        404: ["appointment_not_found", "hold_not_found", "patient_not_found"],
        409: [
            "hold_expired",
            "hold_not_live",
            "idempotency_in_progress",
            "illegal_transition",
            "patient_busy",
            "slot_taken",
        ],
        422: [
            "escort_not_adult",
            "escort_not_needed",
            "gate_failed",
            "hold_mismatch",
            "idempotency_key_reused",
            "no_patient_record",
            "staff_choice_not_offered",
            "visit_not_upcoming",
            *ENGINE_RULES,
        ],
    },
    "appointments_calendar": {404: ["appointment_not_found"], 409: ["not_a_visit"]},
    "appointments_cancel": {
        400: ["invalid_idempotency_key"],
        403: ["permission_denied"],
        404: ["appointment_not_found"],
        409: ["idempotency_in_progress", "illegal_transition"],
        422: ["cancellation_window_passed", "idempotency_key_reused"],
    },
    "appointments_check_in": {
        400: ["invalid_idempotency_key"],
        403: ["permission_denied"],
        404: ["appointment_not_found"],
        409: ["idempotency_in_progress", "illegal_transition"],
        422: ["gate_failed", "idempotency_key_reused", "too_early_for_check_in"],
    },
    "appointments_complete": {
        400: ["invalid_idempotency_key"],
        403: ["permission_denied"],
        404: ["appointment_not_found"],
        409: ["idempotency_in_progress", "illegal_transition"],
        422: ["idempotency_key_reused", "too_early_to_complete"],
    },
    "appointments_escort_retrieve": {404: ["appointment_not_found", "escort_not_found"]},
    "appointments_escort_update": {
        404: ["appointment_not_found"],
        422: ["escort_not_adult", "escort_not_needed", "visit_not_upcoming"],
    },
    "appointments_no_show": {
        400: ["invalid_idempotency_key"],
        403: ["permission_denied"],
        404: ["appointment_not_found"],
        409: ["idempotency_in_progress", "illegal_transition"],
        422: ["idempotency_key_reused", "too_early_for_no_show"],
    },
    "appointments_reschedule": {
        400: ["invalid_idempotency_key"],
        403: ["permission_denied"],
        404: ["appointment_not_found", "patient_not_found"],
        409: ["idempotency_in_progress", "illegal_transition", "patient_busy", "slot_taken"],
        422: [
            "cancellation_window_passed",
            "course_spacing",
            "gate_failed",
            "idempotency_key_reused",
            "no_patient_record",
            "staff_choice_not_offered",
            *ENGINE_RULES,
        ],
    },
    "appointments_retrieve": {404: ["appointment_not_found"]},
    "auth_code_request": {429: ["too_many_codes"]},
    "auth_code_verify": {400: ["code_locked", "invalid_code"]},
    "availability": {403: ["staff_only"]},
    "availability_earliest": {403: ["staff_only"], 404: ["patient_not_found"]},
    "care_clearances_create": {
        403: ["prescriber_only"],
        404: ["patient_not_found"],
        422: [
            "evaluation_in_future",
            "evaluation_missing",
            "expiry_before_evaluation",
            "findings_not_addressed",
            "screening_mismatch",
            "screening_missing",
        ],
    },
    "care_clearances_revoke": {403: ["prescriber_only"], 404: ["clearance_not_found"], 409: ["already_revoked"]},
    "care_monitoring_forms_submit": {
        404: ["appointment_not_found"],
        409: ["form_already_submitted"],
        422: ["not_a_completed_session"],
    },
    "care_patient_summary": {404: ["patient_not_found"]},
    "care_rems_enrolments_create": {
        403: ["patient_outside_your_sites", "prescriber_or_admin_only"],
        404: ["patient_not_found"],
    },
    "care_screenings_create": {404: ["patient_not_found"], 422: ["screening_incomplete"]},
    "checkin_answer": {404: ["checkin_link_invalid"], 422: ["checkin_not_open"]},
    "checkin_questions": {404: ["checkin_link_invalid"]},
    "courses_book": {
        400: ["invalid_idempotency_key"],
        403: ["permission_denied"],
        404: ["patient_not_found"],
        409: ["idempotency_in_progress", "illegal_transition", "patient_busy", "slot_taken"],
        422: [
            "course_unplaceable",
            "gate_failed",
            "idempotency_key_reused",
            "no_patient_record",
            "staff_choice_not_offered",
            "staff_only",
            *ENGINE_RULES,
        ],
    },
    "courses_boosters": {
        400: ["invalid_idempotency_key"],
        403: ["permission_denied"],
        404: ["course_not_found"],
        409: ["course_status", "idempotency_in_progress", "illegal_transition", "patient_busy", "slot_taken"],
        422: [
            "course_unplaceable",
            "gate_failed",
            "idempotency_key_reused",
            "invalid_booster_count",
            "staff_only",
            *ENGINE_RULES,
        ],
    },
    "courses_cancel": {
        400: ["invalid_idempotency_key"],
        404: ["course_not_found"],
        409: ["course_status", "idempotency_in_progress", "illegal_transition"],
        422: ["cancellation_window_passed", "idempotency_key_reused"],
    },
    "courses_pause": {
        400: ["invalid_idempotency_key"],
        404: ["course_not_found"],
        409: ["course_status", "idempotency_in_progress", "illegal_transition"],
        422: ["cancellation_window_passed", "idempotency_key_reused"],
    },
    "courses_resume": {
        400: ["invalid_idempotency_key"],
        403: ["permission_denied"],
        404: ["course_not_found"],
        409: ["course_status", "idempotency_in_progress", "illegal_transition", "patient_busy", "slot_taken"],
        422: ["course_unplaceable", "gate_failed", "idempotency_key_reused", "staff_only", *ENGINE_RULES],
    },
    "courses_retrieve": {404: ["course_not_found"]},
    "courses_visit_reschedule": {
        400: ["invalid_idempotency_key"],
        403: ["permission_denied"],
        404: ["course_not_found", "course_visit_not_found", "patient_not_found"],
        409: ["course_status", "idempotency_in_progress", "illegal_transition", "patient_busy", "slot_taken"],
        422: [
            "cancellation_window_passed",
            "course_spacing",
            "gate_failed",
            "idempotency_key_reused",
            "no_patient_record",
            "staff_choice_not_offered",
            *ENGINE_RULES,
        ],
    },
    "holds_create": {
        400: ["invalid_idempotency_key"],
        403: ["permission_denied"],
        404: ["patient_not_found"],
        409: ["idempotency_in_progress", "illegal_transition", "patient_busy", "slot_taken"],
        422: ["gate_failed", "idempotency_key_reused", "no_patient_record", "staff_choice_not_offered", *ENGINE_RULES],
    },
    "messages_inbox_handle": {404: ["inbox_item_not_found"]},
    "patient_checkins": {404: ["patient_not_found"]},
    "risk_alert": {404: ["risk_alert_not_found"]},
    "risk_alert_acknowledge": {
        404: ["risk_alert_not_found"],
        409: ["risk_alert_already_acknowledged"],
        422: ["note_required"],
    },
    "staff_calendar_feed_issue": {403: ["permission_denied"], 404: ["staff_not_found"]},
    "staff_calendar_feed_revoke": {403: ["permission_denied"], 404: ["feed_not_found", "staff_not_found"]},
    "telehealth_in_person_evaluation_record": {
        403: ["not_a_clinician", "permission_denied"],
        404: ["patient_not_found", "staff_not_found"],
        422: ["evaluation_in_future", "not_a_prescriber"],
    },
    "telehealth_interpreter_clear": {404: ["appointment_not_found"]},
    "telehealth_interpreter_set": {404: ["appointment_not_found"]},
    "telehealth_waiting": {403: ["not_a_clinician"]},
    "waitlist_join": {
        400: ["invalid_idempotency_key"],
        403: ["permission_denied"],
        404: ["location_not_found", "patient_not_found", "service_not_found", "staff_not_found",
              "waitlist_visit_not_found"],
        409: ["idempotency_in_progress"],
        422: ["idempotency_key_reused", "no_patient_record", "patient_required", "waitlist_dates",
              "waitlist_not_eligible", "waitlist_other_service", "waitlist_site_missing"],
    },
    "waitlist_list": {404: ["location_not_found", "service_not_found"]},
    "waitlist_priority": {
        400: ["invalid_idempotency_key"],
        404: ["waitlist_entry_not_found"],
        409: ["idempotency_in_progress"],
        422: ["idempotency_key_reused"],
    },
    "waitlist_report": {404: ["location_not_found", "service_not_found"], 422: ["invalid_filter"]},
    "waitlist_withdraw": {
        400: ["invalid_idempotency_key"],
        404: ["waitlist_entry_not_found"],
        409: ["idempotency_in_progress", "illegal_transition", "waitlist_entry_closed"],
        422: ["cancellation_window_passed", "idempotency_key_reused"],
    },
}


def document_problem_codes(result, generator, request, public):
    """Each operation's codes under its problem responses: `x-problem-codes` and one line of the
    description; a status with codes but no response yet gets the Problem response."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            codes = OPERATION_CODES.get(operation.get("operationId"), {})
            for status, names in codes.items():
                response = operation["responses"].setdefault(
                    str(status),
                    {
                        "description": "",
                        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                    },
                )
                response["x-problem-codes"] = sorted(set(names))
                listed = ", ".join(f"`{name}`" for name in sorted(set(names)))
                response["description"] = (response.get("description", "").rstrip() + f" Codes: {listed}.").strip()
    return result
