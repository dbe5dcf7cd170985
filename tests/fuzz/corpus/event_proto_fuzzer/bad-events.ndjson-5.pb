
<
	civ-bad-4P0099"
etat-civil* œÍ2
arrondissement