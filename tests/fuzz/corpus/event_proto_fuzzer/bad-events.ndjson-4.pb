
8
	caf-bad-3P0099"caf* œÍ2

birth_date	2ç