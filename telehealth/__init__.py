"""Video visits: rooms on a video backend, per-person join links, the waiting room, and the
rules that decide who may see whom by video."""
