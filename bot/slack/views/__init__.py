"""Block Kit built from the coach's data: replies, App Home, the plan-section modal. Pure, no I/O."""
