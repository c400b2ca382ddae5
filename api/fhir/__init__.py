"""A FHIR R4 facade over the booking service, under /fhir/r4/: metadata, Schedule, Slot,
Appointment and Patient, in JSON (`application/fhir+json`), with the API's sign-in, roles, site
scope and audit. The package is `api.fhir`, never a top-level `fhir`, which would shadow the
`fhir.resources` library the tests validate our resources with."""
