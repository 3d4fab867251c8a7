"""The order of property verdicts, worst first: one definition for the engine that decides a
statement's summary and for the report that shows it (a summary never hides an instance's worse
verdict). For a cover, "worst" means reachable: a statement is never "unreachable" while one
of its instances is not proven unreachable."""

from __future__ import annotations

ASSERT_RANK = {"refuted": 0, "unknown": 1, "unsupported": 1, "holds": 2, "proven": 3,
               "skipped": 4}
COVER_RANK = {"covered": 0, "unknown": 1, "unsupported": 1, "not_reached": 2,
              "unreachable": 3, "skipped": 4}
