"""The demo clinic `manage.py seed_demo` loads: `catalog` writes the clinic, `history` books its
past and upcoming visits through the availability engine so they never overlap."""
