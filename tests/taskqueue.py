"""The tests' view of the task queue: Huey on in-memory storage (TestConfig.TASKS_BROKER), run by hand."""

from __future__ import annotations

from cocreate.tasks import huey


def queued() -> list[str]:
    """Names of the tasks waiting (not run yet), oldest first, without taking them off the queue."""
    return [_name(huey.deserialize_task(data)) for data in huey.storage.enqueued_items()]


def _name(task) -> str:
    return f"{type(task).__module__}.{task.name}"


def run_queued() -> list:
    """Run what waits in the queue, and what those tasks enqueue, until nothing is left; their results.
    Retries Huey schedules for later stay scheduled (see ``scheduled``)."""
    results = []
    while (task := huey.dequeue()) is not None:
        results.append(huey.execute(task))
    return results


def scheduled() -> list:
    """Tasks Huey has scheduled for later (retries), soonest first."""
    return sorted((huey.deserialize_task(data) for data in huey.storage.scheduled_items()),
                  key=lambda task: task.eta)


def clear() -> None:
    huey.storage.flush_all()


def run_scheduled() -> list:
    """Run the retries Huey scheduled as if their time had come (and what they enqueue); their results."""
    tasks = scheduled()
    huey.storage.flush_schedule()
    results = [huey.execute(task, timestamp=task.eta) for task in tasks]
    return results + run_queued()
