
a
pc-0030-phoneP0030"paris-compte*¿€Çë2
phone*+336000000302
preferred_language*en