
=
	ants-0030P0030"ants*°Ы‡Д2
id_card_expiry	2л