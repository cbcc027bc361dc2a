"""Bolt listeners grouped by Slack surface; each module has ``register(app, deps)``. A listener parses the
payload (``bot.slack.inbound``), acknowledges, and queues the work (``bot.slack.runner``): nothing else."""
