"""Account plans: the model, its repository, access rules, exports and reviews."""
