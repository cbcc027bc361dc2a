"""The rhythm of account management (seed chunks 34-35): milestones, reminders to owners, weekly digests.

- ``sync``: milestones from each plan's review schedule and implementation activities, in the plan's own
  transaction;
- ``planner``: each milestone's reminders planned as rows with their UTC send time;
- ``sweep``: claims the reminders that are due, delivers them through a ``Delivery`` port, records them;
- ``digest``, ``digest_run``: the weekly picture for each manager, and its weekly delivery;
- ``service``: done, snooze, add, list, and escalation decisions, with who may do what;
- ``scheduler``: APScheduler's periodic jobs that call the sweep and the digest run.

The database holds the truth; nothing here keeps state in memory between two sweeps.
"""
