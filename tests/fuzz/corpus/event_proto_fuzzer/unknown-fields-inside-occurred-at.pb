
=
	ants-0030P0030"ants*°Ы‡Д*
id)card]expiry	1л