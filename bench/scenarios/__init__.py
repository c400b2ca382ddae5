"""One module per area, each exposing `run(*, quick: bool, scale: int = 1) -> dict`
(demo_clinic.py is no scenario: it holds the seeded demo clinic that two of them share).

bench.run calls every module in its own process, at 1x and 10x data (scenario 5, "Scale"). A
scenario that measures 10x itself beside 1x returns those figures as a dict under a key starting
`at_10x`; the runner then takes them as the 10x run instead of calling run(scale=10); a run()
without `scale` and without such a dict is recorded as "scale not supported" at 10x. Every
scenario says what its data is in `scale_data` (what 1x and 10x hold) and, when it leaves 10x
out (quick runs), why in `scale_10x_not_measured`; bench.report.SCALE_METRICS names the figures
compared across the two sizes. The dict holds plain JSON numbers with units in the key names.
The summary compares these keys against their ceilings and targets (bench/report.py, TARGETS):

- availability: engine_p50_ms, http_p50_ms (and their _p95_ms); peer: django-appointment.
- booking: bookings_per_s, double_bookings (and p50_ms/p95_ms); ceiling: bench.ceiling.measure().
- reminders: messages_per_s, duplicates, lost; ceiling: bench.ceiling.noop_celery_throughput().
- courses: place_p50_ms.
- fhir: p50_ratio_to_availability (the FHIR Slot search's HTTP p50 over the lean availability's, same run).
- earliest: http_p50_ms (earliest anywhere), availability_http_p50_ms (one site, same run).

Optional `load_curve`: [{"clients": n, "p50_ms": ..., "p95_ms": ..., "throughput_per_s": ...}]
is drawn on the latency-against-load plot; the SCALE_METRICS pairs on the cost-against-data-size
plot. Databases, servers and workers come from bench.support.
"""
