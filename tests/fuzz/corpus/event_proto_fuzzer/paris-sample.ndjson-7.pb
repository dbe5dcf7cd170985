
a
pc-0002-phoneP0002"paris-compte*¨ ‚·2
phone*+336000000022
preferred_language*fr