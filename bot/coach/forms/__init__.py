"""The form engine: forms declared as data and the one runner that asks, reads and steers them all."""
