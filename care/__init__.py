"""Clinical gates and the records behind them: clearance, contraindication screening, REMS
enrolment and monitoring forms, escorts, and the desk's overrides."""
