"""The coach core: a Turn in, a typed Reply out; forms, answers, routing. No adapter imports."""
