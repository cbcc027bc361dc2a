"""The Slack adapter: one Bolt app that turns Slack's events, commands and clicks into the coach's Turns and
draws its Replies as Block Kit. It holds no business logic: what to answer is the coach's business."""
