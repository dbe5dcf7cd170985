
N

casvp-0010P0010"casvp*­ğÁ2
lives_alone2
phone*+33600000010