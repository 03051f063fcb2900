"""This feature's background work: re-encode each uploaded image, and find uploads whose task was lost."""

from __future__ import annotations

from cocreate import tasks
from cocreate.images import services


@tasks.task()
def process_image(image_id: int) -> str:
    """Decode, scrub and re-encode one upload (services.process_waiting); "ready", "refused" or "skipped"."""
    return services.process_waiting(image_id)


@tasks.periodic(tasks.every_minute)
def sweep_images() -> int:
    """Uploads still processing whose task was lost (a killed worker, the broker down) are queued again."""
    ids = services.lost()
    for image_id in ids:
        process_image(image_id)
    return len(ids)
