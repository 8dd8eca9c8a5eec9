"""Stage 4, guard and scope: intent (`intent`), coverage (`scope`), the management pathway (`flowchart`)."""
