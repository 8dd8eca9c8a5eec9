"""Stage 5, answers: extractive composition of quoted passages (`compose`)."""
